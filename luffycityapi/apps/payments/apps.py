from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "luffycityapi.apps.payments"
    label = "payments"
    verbose_name = "支付"

    def ready(self):
        from . import checks  # noqa: F401 - registers the key check
