"""The money invariants, checked over the whole database. Each check yields human-readable violations."""
from collections import Counter
from decimal import Decimal

from django.db.models import Count, Q, Sum

from luffycityapi.apps.coupon.models import CouponLog
from luffycityapi.apps.orders.models import Order, OrderDetail
from luffycityapi.apps.users.models import Credit, User, UserCourse, WalletEntry

from .models import PaymentEvent, Refund
from .providers.registry import provider_named

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


def wallet_matches_ledger():
    """Each user's wallet balance equals their wallet ledger's sum and is never negative."""
    sums = dict(WalletEntry.objects.values_list("user_id").annotate(total=Sum("amount")))
    for user_id, money in User.objects.values_list("id", "money").iterator():
        total = sums.get(user_id) or Decimal("0.00")
        if money != total:
            yield f"user {user_id}: wallet {money} but its ledger sums to {total}"
        if money < 0:
            yield f"user {user_id}: negative wallet {money}"


def wallet_entries_match_orders():
    """A wallet payment ("pay:<order>") took exactly a settled order's price from its owner; a top-up credit
    ("topup:<order>") gave exactly a paid top-up order's amount to its owner; every paid top-up order was credited."""
    orders = {number: (user_id, status, kind, price) for number, user_id, status, kind, price in
              Order.objects.filter(order_number__in=WalletEntry.objects.exclude(order_number="")
                                   .values("order_number"))
              .values_list("order_number", "user_id", "order_status", "kind", "real_price")}
    credited = set()
    for key, user_id, amount, number in WalletEntry.objects.filter(key__isnull=False) \
            .values_list("key", "user_id", "amount", "order_number"):
        prefix = key.split(":", 1)[0]
        if prefix not in ("pay", "topup"):
            continue
        owner, status, kind, price = orders.get(number, (None, None, None, None))
        if prefix == "pay" and (owner != user_id or status not in SETTLED or -amount != price):
            yield f"wallet entry {key}: {amount} from user {user_id}, but order {number} is {status} at {price}"
        if prefix == "topup":
            credited.add(number)
            if owner != user_id or status != Order.Status.PAID or kind != Order.Kind.TOPUP or amount != price:
                yield f"wallet entry {key}: {amount} to user {user_id}, but top-up {number} is {status} at {price}"
    for number in Order.objects.filter(kind=Order.Kind.TOPUP, order_status=Order.Status.PAID) \
            .values_list("order_number", flat=True).iterator():
        if number not in credited:
            yield f"top-up order {number}: paid but the wallet was not credited"


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


def _refunded_lines() -> dict[int, set[int]]:
    """Course ids of each order covered by an operator's refund that succeeded."""
    lines: dict[int, set[int]] = {}
    for order_id, course_ids in Refund.objects.filter(reason=Refund.Reason.ADMIN, status=Refund.Status.SUCCEEDED) \
            .values_list("order_id", "course_ids"):
        lines.setdefault(order_id, set()).update(int(c) for c in course_ids or [])
    return lines


def courses_match_paid_orders():
    """Every paid order has its UserCourse rows, except for lines refunded since; every UserCourse row comes from
    a paid order with that course, not refunded."""
    owned = set(UserCourse.objects.values_list("user_id", "course_id", "order_number"))
    owned_pairs = {(u, c) for u, c, _ in owned}
    refunded = _refunded_lines()
    paid_lines = {(user_id, course_id, number) for order_id, user_id, course_id, number in
                  OrderDetail.objects.filter(order__order_status=Order.Status.PAID)
                  .values_list("order_id", "order__user_id", "course_id", "order__order_number")
                  if course_id not in refunded.get(order_id, ())}
    for user_id, course_id, number in paid_lines:
        if (user_id, course_id) not in owned_pairs:
            yield f"paid order {number}: user {user_id} lacks course {course_id}"
    for user_id, course_id, number in owned:
        if (user_id, course_id, number) not in paid_lines:
            yield f"user {user_id} owns course {course_id} via {number or '(no order)'}, which is not a paid order with it"


def no_order_both_paid_and_released():
    """Credits go back exactly once for a closed order with credits, never for an unpaid one, and for a paid (or
    refunded) order the ledger keeps exactly its credits minus what its refunds gave back."""
    returns = Counter(Credit.objects.filter(operation=Credit.Operation.RETURN).values_list("order_number", flat=True))
    nets = dict(Credit.objects.exclude(order_number="").values_list("order_number").annotate(net=Sum("number")))
    refunded = dict(Refund.objects.filter(reason=Refund.Reason.ADMIN, status=Refund.Status.SUCCEEDED)
                    .values_list("order__order_number").annotate(credit=Sum("credit")))
    for number, status, credit in Order.objects.filter(Q(credit__gt=0) | Q(order_number__in=list(returns))) \
            .values_list("order_number", "order_status", "credit").iterator():
        n = returns.get(number, 0)
        if status in SETTLED and -(nets.get(number) or 0) != credit - (refunded.get(number) or 0):
            yield (f"order {number}: paid and its credits returned (ledger nets {nets.get(number) or 0}, "
                   f"order credit {credit}, refunded {refunded.get(number) or 0})")
        if status in CLOSED and credit and n != 1:
            yield f"order {number}: closed with {credit} credits held, returned {n} times"
        if status == Order.Status.UNPAID and n:
            yield f"order {number}: unpaid but its credits were returned"


def refunds_consistent():
    """Operators' refunds never overlap or exceed the order: no course in two live refunds of an order, refunded
    money and credits within what was paid, and an order is REFUNDED exactly when all its courses are refunded,
    with all its money back."""
    live: dict[int, list[int]] = {}
    money: dict[int, Decimal] = {}
    credits: dict[int, int] = {}
    for order_id, course_ids, status, amount, credit in Refund.objects.filter(
            reason=Refund.Reason.ADMIN, status__in=(Refund.Status.PENDING, Refund.Status.SUCCEEDED)) \
            .values_list("order_id", "course_ids", "status", "amount", "credit"):
        live.setdefault(order_id, []).extend(int(c) for c in course_ids or [])
        if status == Refund.Status.SUCCEEDED:
            money[order_id] = money.get(order_id, Decimal("0")) + amount
            credits[order_id] = credits.get(order_id, 0) + credit
    refunded = _refunded_lines()
    lines: dict[int, set[int]] = {}
    for order_id, course_id in OrderDetail.objects.filter(
            Q(order_id__in=list(live)) | Q(order__order_status=Order.Status.REFUNDED)).values_list("order_id", "course_id"):
        lines.setdefault(order_id, set()).add(course_id)
    orders = Order.objects.filter(Q(pk__in=list(live)) | Q(order_status=Order.Status.REFUNDED))
    for order in orders.only("id", "order_number", "order_status", "real_price", "credit"):
        course_ids = live.get(order.id, [])
        if len(course_ids) != len(set(course_ids)):
            yield f"order {order.order_number}: a course is in two refunds"
        if money.get(order.id, 0) > order.real_price or credits.get(order.id, 0) > order.credit:
            yield f"order {order.order_number}: refunded {money.get(order.id)} / {credits.get(order.id)} credits, " \
                  f"more than paid {order.real_price} / {order.credit}"
        all_refunded = bool(lines.get(order.id)) and lines[order.id] <= refunded.get(order.id, set())
        if all_refunded != (order.order_status == Order.Status.REFUNDED):
            yield f"order {order.order_number}: {order.get_order_status_display()} but all courses refunded: {all_refunded}"
        if order.order_status == Order.Status.REFUNDED and (money.get(order.id, 0) != order.real_price
                                                            or credits.get(order.id, 0) != order.credit):
            yield f"order {order.order_number}: refunded but {money.get(order.id, 0)} of {order.real_price} " \
                  f"and {credits.get(order.id, 0)} of {order.credit} credits went back"


def notifies_match_paid_orders():
    """Every notify we acknowledged as a payment matches a paid order of the same amount (each read back by the
    provider that recorded it)."""
    orders = {number: (status, price, trade_no) for number, status, price, trade_no in
              Order.objects.values_list("order_number", "order_status", "real_price", "trade_no")}
    for event in PaymentEvent.objects.filter(kind=PaymentEvent.Kind.NOTIFY, outcome__in=("fulfilled", "duplicate")):
        status, price, trade_no = orders.get(event.order_number, (None, None, None))
        try:
            claim = provider_named(event.provider).claim(event.params if isinstance(event.params, dict) else {})
        except LookupError:
            yield f"notify {event.id}: from provider {event.provider!r}, which is not registered"
            continue
        if status not in SETTLED:
            yield f"notify {event.id}: fulfilled but order {event.order_number} is {status}"
        elif claim.amount is None or claim.amount != price:
            yield f"notify {event.id}: amount {claim.amount} but order {event.order_number} costs {price}"
        elif event.provider_trade_no != trade_no:
            yield (f"notify {event.id}: trade {event.provider_trade_no} but order {event.order_number} was paid by "
                   f"{trade_no}")


CHECKS = [credit_matches_ledger, wallet_matches_ledger, wallet_entries_match_orders, coupons_consistent, courses_match_paid_orders, no_order_both_paid_and_released,
          notifies_match_paid_orders, refunds_consistent]


def run_audit() -> dict[str, list[str]]:
    """Every check's violations, by check name (empty lists when the books add up)."""
    return {check.__name__: list(check()) for check in CHECKS}
