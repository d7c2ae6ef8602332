"""Coupon reads for checkout: the selected cart as priced lines, and the coupons usable for them."""
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from luffycityapi.apps.cart import selectors as cart_selectors
from luffycityapi.apps.courses import selectors as course_selectors
from luffycityapi.apps.courses.pricing import open_discount
from luffycityapi.core.errors import ErrorCode, ShopError

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


@dataclass(frozen=True)
class UnusableCoupon:
    """One of the user's coupons that does not apply to these lines, with why (UnusableCouponSerializer)."""

    log: CouponLog
    reason_code: str
    reason: str


@dataclass(frozen=True)
class CouponChoices:
    """GET /api/coupon/enable/ (serializers.EnableCouponsSerializer): the coupons for the selected cart, usable (best
    first) and not, with the seed's credit_to_money (credits per yuan) and has_credit (the user's credits)."""

    coupon_list: list[UsableCoupon]
    unusable: list[UnusableCoupon]
    credit_to_money: int
    has_credit: int


def cart_coupon_choices(*, user_id: int, has_credit: int) -> CouponChoices:
    """coupon_choices for the user's selected cart, priced now."""
    usable, unusable = coupon_choices(user_id=user_id, lines=checkout_lines(user_id))
    return CouponChoices(usable, unusable, settings.CREDIT_TO_MONEY, has_credit)


def usable_coupons(*, user_id: int, lines) -> list[UsableCoupon]:
    """The user's unused, unreserved, valid coupons that apply to these lines, with the discount each gives."""
    return coupon_choices(user_id=user_id, lines=lines)[0]


def coupon_choices(*, user_id: int, lines) -> tuple[list[UsableCoupon], list[UnusableCoupon]]:
    """The user's unused coupons for these lines: those usable (the best first, with the discount each gives) and
    those that are not, each with why (`reason`, `reason_code`): it does not apply to these courses or their sum is
    under its minimum (pricing's own refusal), it is not valid yet, or an unpaid order holds it. Expired coupons
    are in neither list."""
    if not lines:
        return [], []
    now = timezone.now()
    logs = (CouponLog.objects.filter(user_id=user_id, use_status=CouponLog.Status.UNUSED, coupon__is_show=True,
                                     coupon__end_time__gt=now)
            .select_related("coupon", "order").prefetch_related("coupon__courses").order_by("coupon__end_time", "id"))
    usable, unusable = [], []
    for log in logs:
        coupon = log.coupon
        if log.order_id is not None:
            unusable.append(UnusableCoupon(log, ErrorCode.COUPON_RESERVED.value,
                                           f"已被未支付订单 {log.order.order_number} 占用"))
            continue
        if coupon.start_time > now:
            unusable.append(UnusableCoupon(log, ErrorCode.COUPON_NOT_STARTED.value, "尚未到生效时间"))
            continue
        try:
            deduction = coupon_deduction(lines, terms_of(coupon))
        except ShopError as refusal:  # not for these courses, or under its minimum: shown greyed with pricing's why
            unusable.append(UnusableCoupon(log, str(refusal.code), refusal.message))
            continue
        usable.append(UsableCoupon(log, deduction))
    usable.sort(key=lambda choice: choice.deduction, reverse=True)  # the best first (stable: the earliest to expire)
    return usable, unusable


def scope_label(coupon) -> str | list[int]:
    """The seed's `enable_course`: "__all__", "category:<id>", or the course ids."""
    if coupon.scope == coupon.Scope.ALL:
        return "__all__"
    if coupon.scope == coupon.Scope.CATEGORY:
        return f"category:{coupon.category_id}"
    return sorted(c.id for c in coupon.courses.all())
