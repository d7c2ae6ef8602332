from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "luffycityapi.apps.orders"
    label = "orders"
    verbose_name = "订单"
