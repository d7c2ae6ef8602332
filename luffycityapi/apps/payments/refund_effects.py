"""What a settled refund changes besides itself (called inside its transaction, with the order and the refund
locked: lock order order → refund → payment issue → user → coupon log)."""
from luffycityapi.apps.orders import services as order_services
from luffycityapi.apps.users import services as user_services
from luffycityapi.apps.users.models import Credit

from .models import PaymentIssue, Refund


def apply_refund_outcome(refund: Refund) -> None:
    """A quarantine refund (late payment or an operator's) settles its issue; an operator's refund of courses
    that succeeded takes the courses back, returns their credit share and, once every course of the order is
    refunded, marks the order refunded (which returns a still-valid coupon)."""
    if refund.reason in (Refund.Reason.LATE_PAYMENT, Refund.Reason.QUARANTINE):
        status = {Refund.Status.SUCCEEDED: PaymentIssue.Status.REFUNDED,
                  Refund.Status.FAILED: PaymentIssue.Status.OPEN}.get(refund.status)
        if status is None:  # still pending: nothing settled yet
            return
        outcome = refund.failure or ("已自动退款" if refund.reason == Refund.Reason.LATE_PAYMENT else "已退款")
        for issue in PaymentIssue.objects.select_for_update().filter(refund=refund):
            # The operator's note stays; the refund's outcome is added to it.
            issue.status = status
            issue.note = (f"{issue.note}；{outcome}" if issue.note else outcome)[:500]
            issue.save(update_fields=["status", "note", "updated_time"])
        return
    if refund.reason != Refund.Reason.ADMIN or refund.status != Refund.Status.SUCCEEDED:
        return
    order = refund.order
    user_services.user_courses_revoke(user_id=order.user_id, course_ids=refund.course_ids,
                                      order_number=order.order_number)
    if refund.credit:
        user_services.credit_change(user_id=order.user_id, number=refund.credit, operation=Credit.Operation.RETURN,
                                    remark=f"订单 {order.order_number} 退款，退还积分",
                                    order_number=order.order_number)
    all_lines = set(order.order_courses.values_list("course_id", flat=True))
    succeeded = set()
    for course_ids in Refund.objects.filter(order_id=order.id, reason=Refund.Reason.ADMIN,
                                            status=Refund.Status.SUCCEEDED).values_list("course_ids", flat=True):
        succeeded.update(int(c) for c in course_ids)
    if all_lines <= succeeded:
        order_services.order_mark_refunded(order_id=order.id)
