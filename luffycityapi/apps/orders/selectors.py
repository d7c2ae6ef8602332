"""Order reads, always scoped to the owner: someone else's order is a 404."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Prefetch
from django.utils import timezone

from luffycityapi.apps.coupon.selectors import checkout_lines  # noqa: F401 - the checkout's lines, read by services
from luffycityapi.apps.users.models import UserCourse
from luffycityapi.core.errors import NotFound
from luffycityapi.core.prepared import Prepared

from .models import Order, OrderDetail


def _with_lines(qs):
    return qs.prefetch_related(Prefetch("order_courses", queryset=OrderDetail.objects.select_related("course")))


PARTIAL = "partial"  # the order list's pseudo-status: paid orders with some courses refunded (部分退款)


def order_list(*, user_id: int, status=None):
    """The user's orders, newest first; `status` is an order_status or PARTIAL."""
    qs = Order.objects.filter(user_id=user_id)
    if status == PARTIAL:
        qs = qs.filter(order_status=Order.Status.PAID, id__in=_refund_hooks.partial_order_ids(user_id))
    elif status is not None:
        qs = qs.filter(order_status=status)
    return _with_lines(qs).order_by("-created_time", "-id")


# --- refunds, read through hooks the payments app fills (orders never imports payments) ---------------------

REFUND_LABELS = {"refunded": "已退款", "refunding": "退款中"}


class _RefundStatus:
    status: str  # a key of REFUND_LABELS

    @property
    def status_display(self) -> str:
        return REFUND_LABELS[self.status]


@dataclass(frozen=True)
class OrderRefund(_RefundStatus):
    """One refund of an order as the student sees it (serializers.OrderRefundSerializer): courses taken back (kind
    "admin"), or a payment that arrived after the order had closed going back (kind "late_payment"/"quarantine")."""

    kind: str
    status: str
    amount: Decimal
    credit: int
    course_ids: list[int]
    time: datetime


@dataclass(frozen=True)
class LineRefund(_RefundStatus):
    """A course's share of a refund (serializers.OrderLineRefundSerializer)."""

    status: str
    amount: Decimal
    credit: int
    time: datetime


@dataclass(frozen=True)
class RefundInfo:
    """An order's refunds, as its card shows them: every refund that moved (or is moving) money, and each refunded
    course's share by course id."""

    refunds: list[OrderRefund]
    lines: dict[int, LineRefund]


NO_REFUNDS = RefundInfo([], {})


@dataclass
class RefundHooks:
    # orders -> {order_id: RefundInfo} (orders without refunds may be left out), one query for all
    of_orders: Callable[[list], dict]
    # user_id -> the ids (a list or a subquery) of the user's paid orders with some courses refunded
    partial_order_ids: Callable[[int], object]


_refund_hooks = RefundHooks(of_orders=lambda orders: {}, partial_order_ids=lambda user_id: [])


def install_refund_hooks(*, of_orders: Callable[[list], dict], partial_order_ids: Callable[[int], object]) -> None:
    """Called by PaymentsConfig.ready(): the refund records live in payments, which depends on orders."""
    _refund_hooks.of_orders, _refund_hooks.partial_order_ids = of_orders, partial_order_ids


def with_refunds(orders) -> list[Order]:
    """Attach each order's refunds as `order.refund_info` (what the order card shows), one query for the page."""
    orders = list(orders)
    # An unpaid order has no refund (refunds follow a payment), so a page of them costs no query.
    candidates = [order for order in orders if order.order_status != Order.Status.UNPAID]
    info = _refund_hooks.of_orders(candidates) if candidates else {}
    for order in orders:
        order.refund_info = info.get(order.id) or NO_REFUNDS
    return orders


# The order row by its unique number (and owner): the pay link, the poll and every notify look one up, and the
# ORM's building of this one-row statement cost more CPU than running it (core.prepared). No ORDER BY: a unique key.
_order_by_number = Prepared(lambda number: Order.objects.filter(order_number=number).order_by()[:1])
_order_of_user = Prepared(
    lambda user_id, number: Order.objects.filter(user_id=user_id, order_number=number).order_by()[:1])


def order_by_number(order_number: str) -> Order | None:
    """The order with this number, whoever's it is (a provider's message names it), or None."""
    found = _order_by_number.instances(order_number)
    return found[0] if found else None


def order_of_user(*, user_id: int, order_number: str, with_lines: bool = True) -> Order:
    """The user's order by number, with its lines unless the caller needs only the order row (the pay link and
    the payment poll, which are hot); 404 for anyone else's."""
    if with_lines:
        try:
            return _with_lines(Order.objects.filter(user_id=user_id)).get(order_number=order_number)
        except Order.DoesNotExist:
            raise NotFound("订单不存在", code="order_not_found") from None
    found = _order_of_user.instances(int(user_id), order_number)
    if not found:
        raise NotFound("订单不存在", code="order_not_found")
    return found[0]


@dataclass(frozen=True)
class UnpaidHold:
    """An unpaid order that holds some of the courses being bought; `overdue` when its deadline has passed."""

    id: int
    order_number: str
    overdue: bool


def _unpaid_holding_sql(course_count: int) -> str:
    """The user's unpaid orders holding one of `course_count` courses: (id, order_number, overdue, created_time);
    parameters: the deadline, the user, UNPAID, the course ids."""
    quote = connection.ops.quote_name
    order, line = Order._meta, OrderDetail._meta

    def column(meta, name):
        return quote(meta.get_field(name).column)

    placeholders = ", ".join(["%s"] * course_count)
    return (f"SELECT DISTINCT o.{column(order, 'id')}, o.{column(order, 'order_number')}, "
            f"o.{column(order, 'expire_time')} <= %s, o.{column(order, 'created_time')} "
            f"FROM {quote(order.db_table)} o JOIN {quote(line.db_table)} d "
            f"ON d.{column(line, 'order')} = o.{column(order, 'id')} "
            f"WHERE o.{column(order, 'user')} = %s AND o.{column(order, 'order_status')} = %s "
            f"AND d.{column(line, 'course')} IN ({placeholders})")


def unpaid_orders_holding(*, user_id: int, course_ids, now=None) -> list[UnpaidHold]:
    """The user's unpaid orders that already contain one of the courses, newest first.

    One plain SQL statement, like users.selectors.owned_course_ids: quote and create ask it on every call, and
    the ORM's join-and-distinct query cost more to build than to run. The deadline is compared in SQL (Django's
    own adaptation of the parameter, as a filter would), so no column needs converting back."""
    course_ids = [int(course_id) for course_id in course_ids]
    if not course_ids:
        return []
    order_by = connection.ops.quote_name(Order._meta.get_field("created_time").column)
    sql = f"{_unpaid_holding_sql(len(course_ids))} ORDER BY o.{order_by} DESC"
    deadline = connection.ops.adapt_datetimefield_value(now or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [deadline, user_id, int(Order.Status.UNPAID), *course_ids])
        return [UnpaidHold(id=row[0], order_number=row[1], overdue=bool(row[2])) for row in cursor.fetchall()]


@dataclass(frozen=True)
class PurchaseBlockers:
    """What stops a user buying some courses: those they own, and their unpaid orders holding any (newest first)."""

    owned: set
    unpaid: list


def purchase_blockers(*, user_id: int, course_ids, now=None) -> PurchaseBlockers:
    """users.selectors.owned_course_ids and unpaid_orders_holding in one statement (UNION ALL): every quote and
    every order create asks both, under the user's lock for a create, and one round trip costs less than two.
    The owned part reads the users app's own table, the same query owned_course_ids makes (its test pins both).
    The union is flat, with no derived table, DISTINCT or ORDER BY (MariaDB spent 260-320 µs of CPU on a
    student's first checkout that way, 200 µs this way): an unpaid order comes once per line it holds, so the holds
    are made distinct and put newest first here."""
    course_ids = [int(course_id) for course_id in course_ids]
    if not course_ids:
        return PurchaseBlockers(set(), [])
    quote = connection.ops.quote_name
    owned = UserCourse._meta
    placeholders = ", ".join(["%s"] * len(course_ids))
    holds = _unpaid_holding_sql(len(course_ids)).replace("SELECT DISTINCT", "SELECT 1,", 1)
    sql = (f"SELECT 0, {quote(owned.get_field('course').column)}, NULL, NULL, NULL FROM {quote(owned.db_table)} "
           f"WHERE {quote(owned.get_field('user').column)} = %s "
           f"AND {quote(owned.get_field('course').column)} IN ({placeholders}) UNION ALL {holds}")
    deadline = connection.ops.adapt_datetimefield_value(now or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, *course_ids, deadline, user_id, int(Order.Status.UNPAID), *course_ids])
        rows = cursor.fetchall()
    unpaid = {}
    # newest first by creation time (then by key), as unpaid_orders_holding's ORDER BY puts them
    for _, order_id, number, overdue, _ in sorted((row for row in rows if row[0] == 1),
                                                  key=lambda row: (row[4], row[1]), reverse=True):
        unpaid.setdefault(order_id, UnpaidHold(id=order_id, order_number=number, overdue=bool(overdue)))
    return PurchaseBlockers(owned={row[1] for row in rows if row[0] == 0}, unpaid=list(unpaid.values()))


def order_course_ids(*, order_id: int) -> list[int]:
    """The courses of an order's lines. Plain SQL, as above: asked after each fulfilment, where building the
    queryset cost more than running it."""
    line = OrderDetail._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(line.get_field('course').column)} FROM {quote(line.db_table)} "
                       f"WHERE {quote(line.get_field('order').column)} = %s", [order_id])
        return [row[0] for row in cursor.fetchall()]


def overdue_unpaid_order_ids(now=None, limit: int = 500) -> list[int]:
    """Unpaid orders past their deadline (for the expiry sweeper)."""
    now = now or timezone.now()
    return list(Order.objects.filter(order_status=Order.Status.UNPAID, expire_time__lte=now)
                .order_by("expire_time").values_list("id", flat=True)[:limit])

