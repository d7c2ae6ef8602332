"""Order reads, always scoped to the owner: someone else's order is a 404."""
from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch
from django.utils import timezone

from luffycityapi.apps.coupon.selectors import checkout_lines  # noqa: F401 - the checkout's lines, read by services
from luffycityapi.core.errors import NotFound

from .models import Order, OrderDetail


def _with_lines(qs):
    return qs.prefetch_related(Prefetch("order_courses", queryset=OrderDetail.objects.select_related("course")))


def order_list(*, user_id: int, status=None):
    qs = Order.objects.filter(user_id=user_id)
    if status is not None:
        qs = qs.filter(order_status=status)
    return _with_lines(qs).order_by("-created_time", "-id")


def order_of_user(*, user_id: int, order_number: str, with_lines: bool = True) -> Order:
    """The user's order by number, with its lines unless the caller needs only the order row (the pay link and
    the payment poll, which are hot); 404 for anyone else's."""
    qs = Order.objects.filter(user_id=user_id)
    try:
        # get() on the unique number: first() would add the model's ORDER BY, costly to compile on the hot poll.
        return (_with_lines(qs) if with_lines else qs).get(order_number=order_number)
    except Order.DoesNotExist:
        raise NotFound("订单不存在", code="order_not_found") from None


@dataclass(frozen=True)
class UnpaidHold:
    """An unpaid order that holds some of the courses being bought; `overdue` when its deadline has passed."""

    id: int
    order_number: str
    overdue: bool


def unpaid_orders_holding(*, user_id: int, course_ids, now=None) -> list[UnpaidHold]:
    """The user's unpaid orders that already contain one of the courses, newest first.

    One plain SQL statement, like users.selectors.owned_course_ids: quote and create ask it on every call, and
    the ORM's join-and-distinct query cost more to build than to run. The deadline is compared in SQL (Django's
    own adaptation of the parameter, as a filter would), so no column needs converting back."""
    course_ids = [int(course_id) for course_id in course_ids]
    if not course_ids:
        return []
    quote = connection.ops.quote_name
    order, line = Order._meta, OrderDetail._meta

    def column(meta, name):
        return quote(meta.get_field(name).column)

    placeholders = ", ".join(["%s"] * len(course_ids))
    sql = (f"SELECT DISTINCT o.{column(order, 'id')}, o.{column(order, 'order_number')}, "
           f"o.{column(order, 'expire_time')} <= %s, o.{column(order, 'created_time')} "
           f"FROM {quote(order.db_table)} o JOIN {quote(line.db_table)} d "
           f"ON d.{column(line, 'order')} = o.{column(order, 'id')} "
           f"WHERE o.{column(order, 'user')} = %s AND o.{column(order, 'order_status')} = %s "
           f"AND d.{column(line, 'course')} IN ({placeholders}) ORDER BY o.{column(order, 'created_time')} DESC")
    deadline = connection.ops.adapt_datetimefield_value(now or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [deadline, user_id, Order.Status.UNPAID, *course_ids])
        return [UnpaidHold(id=row[0], order_number=row[1], overdue=bool(row[2])) for row in cursor.fetchall()]


def overdue_unpaid_order_ids(now=None, limit: int = 500) -> list[int]:
    """Unpaid orders past their deadline (for the expiry sweeper)."""
    now = now or timezone.now()
    return list(Order.objects.filter(order_status=Order.Status.UNPAID, expire_time__lte=now)
                .order_by("expire_time").values_list("id", flat=True)[:limit])

