"""Writes on users: registration and the credit ledger. Lock order across the shop: order → user → coupon log."""
from django.db import IntegrityError, transaction
from django.db.models import F

from luffycityapi.core.errors import ShopError

from . import selectors
from .models import Credit, User, UserCourse


def user_register(*, mobile: str, password: str) -> User:
    """Create a student whose username is their mobile number."""
    if User.objects.filter(mobile=mobile).exists() or User.objects.filter(username=mobile).exists():
        raise ShopError("该手机号已注册", code="mobile_taken")
    try:
        with transaction.atomic():
            return User.objects.create_user(username=mobile, mobile=mobile, password=password)
    except IntegrityError as exc:  # two registrations of one mobile at once: the unique index decides
        raise ShopError("该手机号已注册", code="mobile_taken") from exc


def credit_change(*, user_id: int, number: int, operation: int, remark: str = "", order_number: str = "") -> Credit:
    """Apply one signed ledger entry under a row lock on the user; the balance never goes negative."""
    if number == 0:
        raise ValueError("a ledger entry moves at least one credit")
    with transaction.atomic():
        user = User.objects.select_for_update().only("id", "credit").get(pk=user_id)
        if user.credit + number < 0:
            raise ShopError("积分不足", code="credit_insufficient")
        User.objects.filter(pk=user_id).update(credit=F("credit") + number)
        return Credit.objects.create(
            user_id=user_id, number=number, operation=operation, remark=remark, order_number=order_number
        )


def user_courses_grant(*, user_id: int, course_ids, order_number: str) -> int:
    """Give a user the courses (idempotent: a course already owned stays as it is); returns how many were new."""
    owned = selectors.owned_course_ids(user_id, course_ids)
    new_rows = [UserCourse(user_id=user_id, course_id=cid, order_number=order_number)
                for cid in course_ids if cid not in owned]
    # ignore_conflicts: a concurrent grant of the same course by another order must not fail this one.
    UserCourse.objects.bulk_create(new_rows, ignore_conflicts=True)
    return len(new_rows)


def user_courses_revoke(*, user_id: int, course_ids, order_number: str) -> int:
    """Take back the courses a given order granted (refunds)."""
    deleted, _ = UserCourse.objects.filter(
        user_id=user_id, course_id__in=course_ids, order_number=order_number).delete()
    return deleted
