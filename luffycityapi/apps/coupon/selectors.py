"""Coupon reads for checkout."""
from django.utils import timezone

from luffycityapi.core.errors import ShopError
from luffycityapi.core.money import money_str

from .models import CouponLog
from .pricing import coupon_deduction
from .services import terms_of


def usable_coupons(*, user_id: int, lines) -> list[dict]:
    """The user's unused, unreserved, valid coupons that apply to these lines, with the discount each gives."""
    if not lines:
        return []
    now = timezone.now()
    logs = (CouponLog.objects.filter(user_id=user_id, use_status=CouponLog.Status.UNUSED, order__isnull=True,
                                     coupon__is_show=True, coupon__start_time__lte=now, coupon__end_time__gt=now)
            .select_related("coupon").prefetch_related("coupon__courses"))
    result = []
    for log in logs:
        coupon = log.coupon
        try:
            deduction = coupon_deduction(lines, terms_of(coupon))
        except ShopError:  # not applicable to this cart: not listed
            continue
        result.append((deduction, {
            "user_coupon_id": log.id,
            "name": coupon.name,
            "discount": coupon.discount,
            "discount_display": coupon.get_discount_display(),
            "sale": coupon.sale,
            "condition": money_str(coupon.condition),
            "enable_course": _scope_label(coupon),
            "start_time": coupon.start_time,
            "end_time": coupon.end_time,
            "deduction": money_str(deduction),
        }))
    result.sort(key=lambda pair: pair[0], reverse=True)  # the best coupon first
    return [row for _, row in result]


def _scope_label(coupon) -> str | list[int]:
    if coupon.scope == coupon.Scope.ALL:
        return "__all__"
    if coupon.scope == coupon.Scope.CATEGORY:
        return f"category:{coupon.category_id}"
    return sorted(c.id for c in coupon.courses.all())
