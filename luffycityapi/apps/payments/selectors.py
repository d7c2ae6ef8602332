"""Payment reads: a student's order timeline, the admin's revenue chart and an order's payment history."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from luffycityapi.apps.orders import selectors as order_selectors
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.orders.selectors import LineRefund, OrderRefund, RefundInfo
from luffycityapi.core.money import ZERO

from .models import PaymentEvent, PaymentIssue, Refund
from .providers.registry import pay_types, provider_for
from .refunds import line_shares

_CLOSED_LABELS = {Order.Status.CANCELLED: ("cancelled", "订单已取消"), Order.Status.TIMEOUT: ("timeout", "订单超时关闭")}


@dataclass(frozen=True)
class TimelineEvent:
    """One thing that happened to an order, as the student's timeline shows it (serializers.OrderTimelineEvent)."""

    code: str
    label: str
    time: datetime
    amount: Decimal | None = None
    detail: str = ""


@dataclass(frozen=True)
class OrderTimeline:
    order_number: str
    order_status: int
    get_order_status_display: str
    events: list[TimelineEvent]


def order_timeline(*, user_id: int, order_number: str) -> OrderTimeline:
    """The student's view of what happened to their order, oldest first, in Chinese labels; someone else's
    order is a 404 (orders.selectors.order_of_user)."""
    order = order_selectors.order_of_user(user_id=user_id, order_number=order_number)
    events = [TimelineEvent("created", "订单创建", order.created_time, order.real_price,
                     f"共 {len(order.order_courses.all())} 门课程")]
    link = (PaymentEvent.objects.filter(order_number=order.order_number, kind=PaymentEvent.Kind.LINK)
            .order_by("created_time", "id").values_list("created_time", flat=True).first())
    title = provider_for(order.pay_type).title if order.pay_type in pay_types() else order.get_pay_type_display()
    if link:
        events.append(TimelineEvent("link_issued", f"发起{title}支付", link))
    if order.order_status in (Order.Status.PAID, Order.Status.REFUNDED) and order.pay_time:
        detail = "零元订单，无需支付" if order.real_price == 0 else f"{title}支付成功"
        events.append(TimelineEvent("paid", "支付成功", order.pay_time, order.real_price, detail))
    if order.order_status in _CLOSED_LABELS:
        code, label = _CLOSED_LABELS[order.order_status]
        events.append(TimelineEvent(code, label, order.updated_time, detail="优惠券和积分已退还"))
    for issue in PaymentIssue.objects.filter(order=order, kind=PaymentIssue.Kind.LATE_PAYMENT):
        events.append(TimelineEvent("late_payment", "订单关闭后收到付款", issue.created_time, issue.amount, "款项将原路退回"))
    names = {line.course_id: line.name for line in order.order_courses.all()}
    for refund in Refund.objects.filter(order=order).exclude(status=Refund.Status.FAILED).order_by("id"):
        if refund.status == Refund.Status.PENDING:
            code, label, time = "refund_pending", "退款处理中", refund.created_time
        else:
            code, label, time = "refunded", "退款成功", refund.updated_time
        courses = "、".join(names.get(int(c), str(c)) for c in refund.course_ids)
        detail = f"退款课程：{courses}" if courses else "款项已原路退回"
        if refund.credit:
            detail += f"；退还积分 {refund.credit}"
        events.append(TimelineEvent(code, label, time, refund.amount, detail))
    # Providers' times have whole seconds only, so within one second the logical order above wins (stable sort).
    events.sort(key=lambda e: e.time.replace(microsecond=0))
    return OrderTimeline(order.order_number, order.order_status, order.get_order_status_display(), events)


@dataclass(frozen=True)
class DayRevenue:
    day: object
    revenue: Decimal
    orders: int
    refunded: Decimal = ZERO  # money that went back that day (refunds that succeeded)
    refunds: int = 0


def revenue_by_day(days: int = 30, now=None) -> list[DayRevenue]:
    """Money taken (orders paid, including those refunded later) and paid orders per local day, and the money
    refunded per day (by the day each refund last changed, i.e. when it succeeded), oldest first. ¥0 orders
    (free courses) took no money and are not counted; wallet top-ups are deposits, not sales (the courses bought
    with them count when bought). Grouped in Python: SQL date functions need time-zone tables MariaDB often
    lacks."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - timedelta(days=days - 1)
    totals = {first + timedelta(days=n): [ZERO, 0, ZERO, 0] for n in range(days)}
    since = now - timedelta(days=days + 1)
    for pay_time, price in (Order.objects.filter(order_status__in=(Order.Status.PAID, Order.Status.REFUNDED),
                                                 pay_time__gte=since, real_price__gt=0)
                            .exclude(kind=Order.Kind.TOPUP)
                            .values_list("pay_time", "real_price").iterator()):
        day = timezone.localdate(pay_time)
        if day in totals:
            totals[day][0] += price
            totals[day][1] += 1
    for when, amount in (Refund.objects.filter(status=Refund.Status.SUCCEEDED, updated_time__gte=since,
                                               amount__gt=0)
                         .values_list("updated_time", "amount").iterator()):
        day = timezone.localdate(when)
        if day in totals:
            totals[day][2] += amount
            totals[day][3] += 1
    return [DayRevenue(day, revenue, count, refunded, refunds)
            for day, (revenue, count, refunded, refunds) in totals.items()]


def order_payment_events(order_number: str):
    """Every payment event of an order, oldest first (the admin's timeline)."""
    return PaymentEvent.objects.filter(order_number=order_number).order_by("created_time", "id")


def order_refunds(orders) -> dict[int, RefundInfo]:
    """The refunds of these orders as their cards show them (orders.selectors.with_refunds, through the hook
    PaymentsConfig installs): {order_id: RefundInfo}. Failed refunds moved no
    money and are left out. A course refund's amount and credits per course are the pro-rata shares the refund
    was made of (refunds.line_shares over the order's loaded lines). One query for all the orders."""
    by_order = defaultdict(list)
    for refund in (Refund.objects.filter(order_id__in=[order.id for order in orders])
                   .exclude(status=Refund.Status.FAILED).order_by("id")):
        by_order[refund.order_id].append(refund)
    result = {}
    for order in orders:
        if order.id not in by_order:
            continue
        refunds, lines, shares = [], {}, None
        for refund in by_order[order.id]:
            done = refund.status == Refund.Status.SUCCEEDED
            status, time = ("refunded", refund.updated_time) if done else ("refunding", refund.created_time)
            course_ids = [int(c) for c in refund.course_ids or []]
            refunds.append(OrderRefund(refund.reason, status, refund.amount, refund.credit, course_ids, time))
            if refund.reason != Refund.Reason.ADMIN:
                continue
            if shares is None:
                shares = {share.course_id: share for share in line_shares(order, order.order_courses.all())}
            for course_id in course_ids:
                if course_id in shares:
                    lines[course_id] = LineRefund(status, shares[course_id].money, shares[course_id].credit, time)
        result[order.id] = RefundInfo(refunds, lines)
    return result


def partially_refunded_order_ids(user_id: int):
    """The user's paid orders with some courses refunded (a subquery for the order list's `partial` filter)."""
    return (Refund.objects.filter(order__user_id=user_id, order__order_status=Order.Status.PAID,
                                  reason=Refund.Reason.ADMIN, status=Refund.Status.SUCCEEDED)
            .values("order_id"))


LATE_REFUND_LABELS = {
    "awaiting": "等待支付平台确认到账，确认后自动原路退回",
    "refunding": "退款处理中，款项将原路退回",
    "refunded": "已原路退回",
    "failed": "退款暂未成功，客服将尽快处理",
}


@dataclass(frozen=True)
class LateRefund:
    """The refund of a payment that arrived after its order had closed (core.schema.LateRefundSerializer)."""

    status: str
    amount: Decimal | None = None
    time: datetime | None = None

    @property
    def status_display(self) -> str:
        return LATE_REFUND_LABELS[self.status]


def late_payment_refund(order: Order) -> LateRefund:
    """The refund of a payment made after the order had closed, as the student's result page shows it: status
    (awaiting: the provider's notify has not told us of the payment yet; refunding; refunded; failed: the
    quarantine's operators settle it), a Chinese label, the amount (null while awaiting) and when."""
    refund = (Refund.objects.filter(order=order, reason__in=(Refund.Reason.LATE_PAYMENT, Refund.Reason.QUARANTINE))
              .order_by("-id").first())
    if refund is None:
        return LateRefund("awaiting")
    status = {Refund.Status.SUCCEEDED: "refunded", Refund.Status.FAILED: "failed"}.get(refund.status, "refunding")
    return LateRefund(status, refund.amount, refund.updated_time)
