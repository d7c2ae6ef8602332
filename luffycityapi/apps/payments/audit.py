"""The money invariants, checked over the whole database. Each check yields human-readable violations."""
from collections import Counter
from decimal import Decimal

from django.db.models import Count, Q, Sum

from luffycityapi.apps.coupon.models import CouponLog
from luffycityapi.apps.orders.models import Order, OrderDetail
from luffycityapi.apps.users.models import Credit, User, UserCourse

from .models import PaymentEvent

CLOSED = (Order.Status.CANCELLED, Order.Status.TIMEOUT)
SETTLED = (Order.Status.PAID, Order.Status.REFUNDED)


def credit_matches_ledger():
    """Each user's credit equals their ledger sum and is never negative."""
    sums = dict(Credit.objects.values_list("user_id").annotate(total=Sum("number")))
    for user_id, credit in User.objects.values_list("id", "credit").iterator():
        total = sums.get(user_id) or 0
        if credit != total:
            yield f"user {user_id}: credit {credit} but ledger sums to {total}"
        if credit < 0:
            yield f"user {user_id}: negative credit {credit}"


def coupons_consistent():
    """A coupon is held by at most one order per order, used only by a paid order, reserved only by an unpaid
    one, and a closed order holds none."""
    for order_id, n in (CouponLog.objects.filter(order__isnull=False).values_list("order_id")
                        .annotate(n=Count("id")).filter(n__gt=1)):
        yield f"order {order_id}: {n} coupons attached"
    for log in CouponLog.objects.filter(use_status=CouponLog.Status.USED).select_related("order"):
        if log.order is None or log.order.order_status not in SETTLED:
            yield f"coupon log {log.id}: used but its order is {log.order and log.order.get_order_status_display()}"
    for log in CouponLog.objects.filter(use_status=CouponLog.Status.UNUSED, order__isnull=False).select_related("order"):
        if log.order.order_status != Order.Status.UNPAID:
            yield f"coupon log {log.id}: reserved by {log.order.get_order_status_display()} order {log.order.order_number}"
    # The other side: an open or paid order that took a coupon's discount (a discount without credits: coupon or
    # credits, never both) still holds that coupon, so no second order can use or reserve it.
    held = Counter(CouponLog.objects.filter(order__isnull=False).values_list("order_id", flat=True))
    for order_id, number in Order.objects.filter(order_status__in=(Order.Status.UNPAID, Order.Status.PAID), credit=0,
                                                 discount_price__gt=0).values_list("id", "order_number").iterator():
        if held.get(order_id, 0) != 1:
            yield f"order {number}: took a coupon discount but holds {held.get(order_id, 0)} coupons"


def courses_match_paid_orders():
    """Every paid order has its UserCourse rows; every UserCourse row comes from a paid order with that course."""
    owned = set(UserCourse.objects.values_list("user_id", "course_id", "order_number"))
    owned_pairs = {(u, c) for u, c, _ in owned}
    paid_lines = set(OrderDetail.objects.filter(order__order_status=Order.Status.PAID)
                     .values_list("order__user_id", "course_id", "order__order_number"))
    for user_id, course_id, number in paid_lines:
        if (user_id, course_id) not in owned_pairs:
            yield f"paid order {number}: user {user_id} lacks course {course_id}"
    for user_id, course_id, number in owned:
        if (user_id, course_id, number) not in paid_lines:
            yield f"user {user_id} owns course {course_id} via {number or '(no order)'}, which is not a paid order with it"


def no_order_both_paid_and_released():
    """Credits go back exactly once for a closed order with credits, and never for a paid one."""
    returns = Counter(Credit.objects.filter(operation=Credit.Operation.RETURN).values_list("order_number", flat=True))
    for number, status, credit in Order.objects.filter(Q(credit__gt=0) | Q(order_number__in=list(returns))) \
            .values_list("order_number", "order_status", "credit").iterator():
        n = returns.get(number, 0)
        if status in SETTLED and n:
            yield f"order {number}: paid and its credits returned"
        if status in CLOSED and credit and n != 1:
            yield f"order {number}: closed with {credit} credits held, returned {n} times"
        if status == Order.Status.UNPAID and n:
            yield f"order {number}: unpaid but its credits were returned"


def notifies_match_paid_orders():
    """Every notify we acknowledged as a payment matches a paid order of the same amount."""
    orders = {number: (status, price, trade_no) for number, status, price, trade_no in
              Order.objects.values_list("order_number", "order_status", "real_price", "trade_no")}
    for event in PaymentEvent.objects.filter(kind=PaymentEvent.Kind.NOTIFY, outcome__in=("fulfilled", "duplicate")):
        status, price, trade_no = orders.get(event.order_number, (None, None, None))
        amount = event.params.get("total_amount") if isinstance(event.params, dict) else None
        if status not in SETTLED:
            yield f"notify {event.id}: fulfilled but order {event.order_number} is {status}"
        elif amount is None or Decimal(str(amount)) != price:
            yield f"notify {event.id}: amount {amount} but order {event.order_number} costs {price}"
        elif event.trade_no != trade_no:
            yield f"notify {event.id}: trade {event.trade_no} but order {event.order_number} was paid by {trade_no}"


CHECKS = [credit_matches_ledger, coupons_consistent, courses_match_paid_orders, no_order_both_paid_and_released,
          notifies_match_paid_orders]


def run_audit() -> dict[str, list[str]]:
    """Every check's violations, by check name (empty lists when the books add up)."""
    return {check.__name__: list(check()) for check in CHECKS}
