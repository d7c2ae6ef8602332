"""Writes on users: registration, the credit ledger and the wallet ledger. Lock order across the shop: order → user →
coupon log."""
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.constants import OnConflict
from django.utils import timezone
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from luffycityapi.core.errors import ShopError
from luffycityapi.core.prepared import Statement

from .models import Credit, User, UserCourse, WalletEntry


def user_register(*, mobile: str, password: str) -> User:
    """Create a student whose username is their mobile number."""
    if User.objects.filter(mobile=mobile).exists() or User.objects.filter(username=mobile).exists():
        raise ShopError("该手机号已注册", code="mobile_taken")
    try:
        with transaction.atomic():
            return User.objects.create_user(username=mobile, mobile=mobile, password=password)
    except IntegrityError as exc:  # two registrations of one mobile at once: the unique index decides
        raise ShopError("该手机号已注册", code="mobile_taken") from exc


@dataclass(frozen=True)
class Registration:
    """A new student and the token pair that logs them in (serializers.RegisterResponseSerializer)."""

    id: int
    mobile: str
    access: str
    refresh: str


def user_register_and_login(*, mobile: str, password: str) -> Registration:
    """Register a student (user_register) and hand out their first token pair."""
    user = user_register(mobile=mobile, password=password)
    refresh = RefreshToken.for_user(user)
    return Registration(user.id, user.mobile, str(refresh.access_token), str(refresh))


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


class WalletInsufficient(ShopError):
    default_code = "wallet_insufficient"
    default_message = "余额不足"


def wallet_change(*, user_id: int, amount: Decimal, operation: int, reason: str, order_number: str = "",
                  key: str | None = None, operator_id: int | None = None) -> tuple[WalletEntry, bool]:
    """Apply one signed wallet entry under a row lock on the user: (entry, created). The balance never goes
    negative (WalletInsufficient, nothing written). With a `key` it is idempotent: an entry already made under
    that key is returned (created=False) and nothing moves again; the key is checked under the user's lock, so
    two callers with one key cannot both pass."""
    amount = Decimal(amount)
    if amount == 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"a wallet entry moves a whole number of cents, not {amount}")
    if not reason:
        raise ValueError("a wallet entry needs a reason")
    with transaction.atomic():
        user = User.objects.select_for_update().only("id", "money").get(pk=user_id)
        if key is not None:
            existing = WalletEntry.objects.filter(key=key).first()
            if existing is not None:
                return existing, False
        if user.money + amount < 0:
            raise WalletInsufficient(balance=f"{user.money:.2f}")
        User.objects.filter(pk=user_id).update(money=F("money") + amount)
        entry = WalletEntry.objects.create(user_id=user_id, amount=amount, operation=operation, reason=reason[:255],
                                           order_number=order_number, key=key, operator_id=operator_id)
        return entry, True


def user_courses_grant(*, user_id: int, course_ids, order_number: str) -> int:
    """Give a user the courses (idempotent: a course already owned stays as it is); returns how many were new.

    One plain INSERT that skips what the unique (user, course) index already holds, its row count the answer: no
    read first (every payment grants), and a concurrent grant of the same course by another order cannot fail
    this one. The ORM's bulk_create(ignore_conflicts=True) cannot tell how many rows it inserted.

    `course_ids` may also be a core.prepared.Statement selecting one column, the course ids (e.g. an order's
    lines, compiled once): then the INSERT selects them itself (INSERT … SELECT), saving the payment's read of its
    lines; rows go in by course id."""
    meta, ops = UserCourse._meta, connection.ops
    columns = ", ".join(ops.quote_name(meta.get_field(name).column)
                        for name in ("user", "course", "order_number", "created_time"))
    now = ops.adapt_datetimefield_value(timezone.now())
    if isinstance(course_ids, Statement):
        select, params = course_ids.sql, course_ids.params
        with connection.cursor() as cursor:
            cursor.execute(f"{ops.insert_statement(on_conflict=OnConflict.IGNORE)} {ops.quote_name(meta.db_table)} "
                           f"({columns}) SELECT %s, picked.*, %s, %s FROM ({select}) picked ORDER BY 2",
                           [user_id, order_number, now, *params])
            return cursor.rowcount
    course_ids = sorted({int(course_id) for course_id in course_ids})
    if not course_ids:
        return 0
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(course_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"{ops.insert_statement(on_conflict=OnConflict.IGNORE)} {ops.quote_name(meta.db_table)} "
                       f"({columns}) VALUES {rows}",
                       [value for course_id in course_ids for value in (user_id, course_id, order_number, now)])
        return cursor.rowcount


def user_courses_revoke(*, user_id: int, course_ids, order_number: str) -> int:
    """Take back the courses a given order granted (refunds)."""
    deleted, _ = UserCourse.objects.filter(
        user_id=user_id, course_id__in=course_ids, order_number=order_number).delete()
    return deleted


def refresh_token_revoke(token: str) -> None:
    """Blacklist one refresh token (logout); an invalid, expired or already revoked token is refused (401)."""
    try:
        RefreshToken(token).blacklist()
    except TokenError as exc:
        raise InvalidToken(exc.args[0]) from exc


def tokens_flush_expired() -> int:
    """Delete the refresh tokens past their expiry (their blacklist rows cascade); returns how many."""
    deleted, _ = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def login_records_prune(*, keep_days: int) -> int:
    """Delete django-axes' login records older than keep_days and attempts whose cool-off has passed (a lockout
    no longer counts them); returns how many rows went. Failures for made-up usernames would otherwise pile up."""
    from axes.handlers.proxy import AxesProxyHandler
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    deleted = AxesProxyHandler.reset_logs(age_days=keep_days) + AxesProxyHandler.reset_failure_logs(age_days=keep_days)
    stale, _ = AccessAttempt.objects.filter(attempt_time__lt=timezone.now() - get_cool_off()).delete()
    return deleted + stale
