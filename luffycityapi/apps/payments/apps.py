from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "luffycityapi.apps.payments"
    label = "payments"
    verbose_name = "支付"

    def ready(self):
        # Imported here, not at the top: these need the app registry ready (models). None imports this module.
        from luffycityapi.apps.orders import services as order_services

        from . import checks, tasks  # noqa: F401 - the key check; the tasks services queue by name (core.queue)
        from .outbound import payment_close_order
        from .providers.registry import pay_methods, pay_types, topup_pay_types

        # orders never imports payments: it closes unpaid orders and accepts pay types through these hooks.
        order_services.install_payment_hooks(close=payment_close_order, pay_types=pay_types,
                                             topup_pay_types=topup_pay_types, pay_methods=pay_methods)
