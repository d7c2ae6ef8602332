"""Coupon reads for checkout: the selected cart as priced lines, and the coupons usable for them."""
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from luffycityapi.apps.cart import selectors as cart_selectors
from luffycityapi.apps.courses import selectors as course_selectors
from luffycityapi.apps.courses.pricing import open_discount
from luffycityapi.core.errors import ShopError

from .models import CouponLog
from .pricing import Line, coupon_deduction
from .services import terms_of


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


@dataclass(frozen=True)
class UsableCoupon:
    """A coupon the user may use on these lines (coupon.serializers.UsableCouponSerializer renders it)."""

    log: CouponLog
    deduction: Decimal


def usable_coupons(*, user_id: int, lines) -> list[UsableCoupon]:
    """The user's unused, unreserved, valid coupons that apply to these lines, with the discount each gives, the
    best first."""
    if not lines:
        return []
    now = timezone.now()
    logs = (CouponLog.objects.filter(user_id=user_id, use_status=CouponLog.Status.UNUSED, order__isnull=True,
                                     coupon__is_show=True, coupon__start_time__lte=now, coupon__end_time__gt=now)
            .select_related("coupon").prefetch_related("coupon__courses"))
    result = []
    for log in logs:
        try:
            deduction = coupon_deduction(lines, terms_of(log.coupon))
        except ShopError:  # not applicable to this cart: not listed
            continue
        result.append(UsableCoupon(log, deduction))
    result.sort(key=lambda usable: usable.deduction, reverse=True)  # the best coupon first (a stable sort)
    return result


def scope_label(coupon) -> str | list[int]:
    """The seed's `enable_course`: "__all__", "category:<id>", or the course ids."""
    if coupon.scope == coupon.Scope.ALL:
        return "__all__"
    if coupon.scope == coupon.Scope.CATEGORY:
        return f"category:{coupon.category_id}"
    return sorted(c.id for c in coupon.courses.all())
