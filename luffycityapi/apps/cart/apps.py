from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "luffycityapi.apps.cart"
    label = "cart"
    verbose_name = "购物车"
