from django.apps import AppConfig


class RefundRequestsConfig(AppConfig):
    """Students ask for a refund of a course; finance approves (which runs payments' refund service) or rejects.
    Above payments: nothing below imports it."""

    name = "luffycityapi.apps.refund_requests"
    label = "refund_requests"
    verbose_name = "退款申请"
