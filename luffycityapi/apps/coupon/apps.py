from django.apps import AppConfig


class CouponConfig(AppConfig):
    name = "luffycityapi.apps.coupon"
    label = "coupon"
    verbose_name = "优惠券"
