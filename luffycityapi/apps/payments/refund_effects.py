"""What a settled refund changes besides itself (called inside its transaction)."""
from .models import PaymentIssue, Refund


def apply_refund_outcome(refund: Refund) -> None:
    """A late-payment refund settles its quarantine entry."""
    if refund.reason == Refund.Reason.LATE_PAYMENT:
        status = {Refund.Status.SUCCEEDED: PaymentIssue.Status.REFUNDED,
                  Refund.Status.FAILED: PaymentIssue.Status.OPEN}.get(refund.status)
        if status:
            PaymentIssue.objects.filter(refund=refund).update(
                status=status, note=refund.failure or "已自动退款")
