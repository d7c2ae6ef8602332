"""Coupon writes. Callers hold the order's lock first (lock order: order → user → coupon log)."""
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from luffycityapi.apps.users.models import User
from luffycityapi.core.errors import NotFound, ShopError
from luffycityapi.core.prepared import Prepared

from .models import Coupon, CouponLog
from .pricing import CouponTerms


def coupon_save(coupon: Coupon) -> Coupon:
    """Save a coupon kind edited by an operator. The stock left follows the total: what was already granted
    stays granted (read under the row lock, so a grant running meanwhile is not lost)."""
    with transaction.atomic():
        if coupon.pk is None:
            coupon.remaining = coupon.total
        else:
            current = Coupon.objects.select_for_update().get(pk=coupon.pk)
            issued = current.total - current.remaining
            if coupon.total < issued:
                raise ShopError(f"发放总量不能少于已发放的 {issued} 张", code="coupon_total_below_issued")
            coupon.remaining = coupon.total - issued
        coupon.save()
    return coupon


def coupon_issued(coupon: Coupon) -> int:
    return coupon.total - coupon.remaining


def coupon_grant(*, coupon_id: int, user_id: int) -> CouponLog:
    """Give a user one coupon, within the coupon's stock and per-user limit; never one that has expired."""
    with transaction.atomic():
        coupon = Coupon.objects.select_for_update().get(pk=coupon_id)
        if coupon.end_time <= timezone.now():
            raise ShopError("优惠券已过期，不能发放", code="coupon_expired")
        if coupon.remaining < 1:
            raise ShopError("优惠券已发完", code="coupon_out_of_stock")
        if CouponLog.objects.filter(coupon=coupon, user_id=user_id).count() >= coupon.per_user_limit:
            raise ShopError("已达到每人限领数量", code="coupon_limit_reached")
        Coupon.objects.filter(pk=coupon_id).update(remaining=F("remaining") - 1)
        return CouponLog.objects.create(coupon=coupon, user_id=user_id)


@dataclass(frozen=True)
class GrantResult:
    granted: int
    unknown_mobiles: list
    refusals: list


def coupon_grant_to_mobiles(*, coupon_ids, mobiles) -> GrantResult:
    """Operators' bulk grant: each coupon to each user named by mobile (or username); every grant is separate,
    so one refusal (stock, per-user limit) does not undo the others."""
    mobiles = list(dict.fromkeys(mobiles))
    users = list(User.objects.filter(Q(mobile__in=mobiles) | Q(username__in=mobiles)).order_by("id"))
    known = {u.mobile for u in users} | {u.username for u in users}
    granted, refusals = 0, []
    for coupon in Coupon.objects.filter(pk__in=list(coupon_ids)).order_by("id"):
        for user in users:
            try:
                coupon_grant(coupon_id=coupon.id, user_id=user.id)
                granted += 1
            except ShopError as exc:
                refusals.append(f"{coupon} → {user.mobile}: {exc.message}")
    return GrantResult(granted, [m for m in mobiles if m not in known], refusals)


def terms_of(coupon: Coupon) -> CouponTerms:
    """The pricing view of a coupon (its scope's course ids are read once here)."""
    # .all() uses a prefetch when the caller made one (coupon lists), else one query.
    course_ids = frozenset(c.id for c in coupon.courses.all()) if coupon.scope == Coupon.Scope.COURSES else frozenset()
    return CouponTerms(discount=coupon.discount, amount=coupon.amount, rate=coupon.rate, condition=coupon.condition,
                       scope=coupon.scope, category_id=coupon.category_id, course_ids=course_ids)


def check_usable(log: CouponLog, now) -> None:
    """Refuse a user coupon that is used, reserved, expired, not yet valid or switched off."""
    if log.use_status == CouponLog.Status.USED:
        raise ShopError("优惠券已使用", code="coupon_used")
    if log.use_status == CouponLog.Status.EXPIRED or log.coupon.end_time <= now:
        raise ShopError("优惠券已过期", code="coupon_expired")
    if log.coupon.start_time > now:
        raise ShopError("优惠券尚未生效", code="coupon_not_started")
    if not log.coupon.is_show:
        raise ShopError("优惠券已停用", code="coupon_disabled")
    if log.order_id is not None:
        raise ShopError("优惠券已被其他未支付订单占用", code="coupon_reserved")


def coupon_for_checkout(*, user_id: int, user_coupon_id: int, lock: bool) -> CouponLog:
    """The user's own coupon, checked usable now; locked when `lock` (inside the order's transaction).

    Only the coupon log row is locked, never the coupon kind: a join under FOR UPDATE would lock the ly_coupon
    row too (MariaDB has no FOR UPDATE OF), serialising every checkout with that kind and deadlocking with
    coupon_grant (which holds the kind, then checks the user row the checkout holds)."""
    qs = CouponLog.objects.select_for_update() if lock else CouponLog.objects.all()
    log = qs.filter(pk=user_coupon_id, user_id=user_id).first()
    if log is None:  # someone else's coupon looks exactly like a missing one
        raise NotFound("优惠券不存在", code="coupon_not_found")
    log.coupon = Coupon.objects.get(pk=log.coupon_id)  # a plain read: the kind's terms
    check_usable(log, timezone.now())
    return log


def coupon_reserve(*, log: CouponLog, order_id: int) -> None:
    """Tie a locked, usable coupon to an unpaid order."""
    updated = CouponLog.objects.filter(pk=log.pk, order__isnull=True, use_status=CouponLog.Status.UNUSED) \
        .update(order_id=order_id)
    if updated != 1:
        raise ShopError("优惠券已被其他未支付订单占用", code="coupon_reserved")


def coupon_release(*, order_id: int) -> int:
    """Give back the coupon an unpaid order reserved (cancel / expiry)."""
    logs = list(CouponLog.objects.select_for_update().filter(order_id=order_id, use_status=CouponLog.Status.UNUSED))
    CouponLog.objects.filter(pk__in=[log.pk for log in logs]).update(order=None)
    return len(logs)


def coupon_consume(*, order_id: int) -> int:
    """Mark the coupon an order reserved as used (payment)."""
    return _reserved_by_order.update(order_id, use_status=CouponLog.Status.USED, use_time=timezone.now())


# Every payment asks it (most orders have no coupon): its statement is compiled once (core.prepared).
_reserved_by_order = Prepared(
    lambda order_id: CouponLog.objects.filter(order_id=order_id, use_status=CouponLog.Status.UNUSED))


def coupon_restore_after_refund(*, order_id: int) -> int:
    """A fully refunded order's coupon becomes usable again when still valid (the README's refund rule)."""
    now = timezone.now()
    return CouponLog.objects.filter(order_id=order_id, use_status=CouponLog.Status.USED,
                                    coupon__end_time__gt=now).update(
        use_status=CouponLog.Status.UNUSED, use_time=None, order=None)
