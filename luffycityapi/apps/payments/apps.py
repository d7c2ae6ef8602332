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
        # ...and shows the student's refunds on the order list through these (the refund records are ours).
        from luffycityapi.apps.orders import selectors as order_selectors

        from .selectors import order_refunds, partially_refunded_order_ids
        order_selectors.install_refund_hooks(of_orders=order_refunds, partial_order_ids=partially_refunded_order_ids)
        # ...and tells the wallet page which ways to pay a top-up may take.
        from luffycityapi.apps.users import selectors as user_selectors

        from .providers.registry import topup_methods
        user_selectors.install_topup_methods(topup_methods)
