"""Order reads, always scoped to the owner: someone else's order is a 404."""
from django.db.models import Prefetch
from django.utils import timezone

from luffycityapi.apps.cart import selectors as cart_selectors
from luffycityapi.apps.courses import selectors as course_selectors
from luffycityapi.apps.courses.pricing import open_discount
from luffycityapi.apps.coupon.pricing import Line
from luffycityapi.core.errors import NotFound

from .models import Order, OrderDetail


def checkout_lines(user_id: int, now=None) -> list[Line]:
    """The selected cart courses as pricing lines, priced from the database at `now`."""
    course_ids = cart_selectors.selected_course_ids(user_id)
    if not course_ids:
        return []
    now = now or timezone.now()
    lines = []
    for course in course_selectors.courses_for_sale(course_ids):
        discount = open_discount(course.windows, now)
        lines.append(Line(course_id=course.id, name=course.name, price=course.price,
                          real_price=discount.price if discount else course.price,
                          discount_name=discount.name if discount else "", credit=course.credit,
                          category_id=course.category_id))
    return lines


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


def unpaid_orders_with_courses(*, user_id: int, course_ids) -> list[Order]:
    """The user's unpaid orders that already contain one of the courses, newest first."""
    return list(Order.objects.filter(user_id=user_id, order_status=Order.Status.UNPAID,
                                     order_courses__course_id__in=list(course_ids))
                .only("id", "order_number", "expire_time", "created_time").distinct().order_by("-created_time"))


def overdue_unpaid_order_ids(now=None, limit: int = 500) -> list[int]:
    """Unpaid orders past their deadline (for the expiry sweeper)."""
    now = now or timezone.now()
    return list(Order.objects.filter(order_status=Order.Status.UNPAID, expire_time__lte=now)
                .order_by("expire_time").values_list("id", flat=True)[:limit])

