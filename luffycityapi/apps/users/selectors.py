"""Reads on users, always scoped to one user."""
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from .models import Credit, User, UserCourse, WalletEntry


def owned_course_ids(user_id: int, course_ids) -> set[int]:
    """The ids, of those given, of courses the user owns.

    One plain SQL statement instead of a queryset: cart add and checkout ask this on every call, and building the
    ORM query costs ten times what the indexed lookup itself does (both integer columns, so nothing to convert)."""
    course_ids = [int(course_id) for course_id in course_ids]
    if not course_ids:
        return set()
    meta, quote = UserCourse._meta, connection.ops.quote_name
    user, course = quote(meta.get_field("user").column), quote(meta.get_field("course").column)
    placeholders = ", ".join(["%s"] * len(course_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {course} FROM {quote(meta.db_table)} WHERE {user} = %s AND {course} IN ({placeholders})",
                       [user_id, *course_ids])
        return {row[0] for row in cursor.fetchall()}


def user_course_list(user_id: int):
    return UserCourse.objects.filter(user_id=user_id).select_related("course")


def credit_ledger(user_id: int):
    return Credit.objects.filter(user_id=user_id)


def wallet_balance(user_id: int):
    """The user's wallet balance (Decimal)."""
    return User.objects.values_list("money", flat=True).get(pk=user_id)


def wallet_ledger(user_id: int, limit: int = 100):
    """The user's wallet entries, newest first."""
    return WalletEntry.objects.filter(user_id=user_id).order_by("-created_time", "-id")[:limit]


def wallet_entry_by_key(key: str):
    """The wallet entry made under an idempotency key, or None."""
    return WalletEntry.objects.filter(key=key).first()


# The ways a top-up may be paid belong to the payments app, which users never imports: it fills this hook in its
# AppConfig.ready() (until then, and in an app without payments, nothing is offered).
@dataclass(frozen=True)
class TopupMethod:
    """A way to pay a wallet top-up (serializers.TopupPayTypeSerializer)."""

    pay_type: int
    name: str


_topup_methods: Callable[[], list[TopupMethod]] = lambda: []


def install_topup_methods(methods: Callable[[], list[TopupMethod]]) -> None:
    """Called by the payments app: `methods()` lists the TopupMethods a wallet top-up may be paid with."""
    global _topup_methods
    _topup_methods = methods


def topup_methods() -> list[TopupMethod]:
    """The ways to pay a wallet top-up, in the order the SPA shows them."""
    return _topup_methods()


@dataclass(frozen=True)
class Wallet:
    """The wallet page (serializers.WalletSerializer): the balance, the ledger (newest first), the top-up methods."""

    money: Decimal
    entries: list
    topup_pay_types: list[TopupMethod]


def wallet(user_id: int) -> Wallet:
    return Wallet(wallet_balance(user_id), list(wallet_ledger(user_id)), topup_methods())
