"""Asynchronous notifications (§3): building the signed params, delivering them with Alipay's retry schedule, and
the three things that drive delivery — an in-process daemon thread woken after commit, the Celery beat job
(tasks.py) and deliver_due() for tests/__sim__. Claims are leases on the row, so the drivers never collide."""
import logging
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from luffycityapi.core import background

from . import signing, state
from .models import SandboxConfig, SandboxNotification, SandboxNotifyAttempt, SandboxTrade

logger = logging.getLogger("luffycityapi.alipay_sandbox")

# Alipay's waits between the 8 attempts (4m, 10m, 10m, 1h, 2h, 6h, 15h), scaled by SANDBOX_NOTIFY_TIME_SCALE.
RETRY_WAITS_SECONDS = (240, 600, 600, 3600, 7200, 21600, 54000)
MAX_ATTEMPTS = len(RETRY_WAITS_SECONDS) + 1
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
IDLE_EXIT_SECONDS = 5.0  # the thread exits when nothing is pending for this long (Celery beat stays the backstop)
MAX_SLEEP_SECONDS = 30.0
MIN_SLEEP_SECONDS = 0.02  # never spin on the database
LEASE_SLACK_SECONDS = 10.0
BEFORE_MODE_SAFETY_NET = timedelta(seconds=60)  # if the "before" send never happens, the schedule takes over


def notify_timeout() -> float:
    """Per-attempt HTTP timeout (connect and read), short like Alipay's."""
    return float(getattr(settings, "SANDBOX_NOTIFY_TIMEOUT_SECONDS", 5.0))


def time_scale() -> float:
    """Factor applied to Alipay's retry waits (0.01 turns 4 minutes into 2.4 seconds)."""
    return float(getattr(settings, "SANDBOX_NOTIFY_TIME_SCALE", 0.01))


# --- a guard for tests on in-memory SQLite -------------------------------------------------------------------
# There, Django's live server shares ONE connection between all threads. Our thread joins that sharing (as the
# live server's request threads do) and this lock keeps our DB sections from interleaving with our views'.
_SHARED_SQLITE_LOCK = threading.RLock()


def _shares_one_sqlite_connection() -> bool:
    conn = connections["default"]
    return conn.vendor == "sqlite" and conn.is_in_memory_db()


@contextmanager
def db_guard():
    """Serialise this app's database work when all threads share one in-memory SQLite connection (tests)."""
    if _shares_one_sqlite_connection():
        with _SHARED_SQLITE_LOCK:
            yield
    else:
        yield


# --- building ------------------------------------------------------------------------------------------------

def _payment_params(trade: SandboxTrade, notify_id: str) -> list[list[str]]:
    amount = state.fmt_amount(trade.total_amount)
    fund_bill_list = f'[{{"amount":"{amount}","fundChannel":"ALIPAYACCOUNT"}}]'
    # Key order as in real page-pay notifies ([ISSUE fzlee/alipay#90]); notify_time and sign are filled per attempt.
    pairs = [
        ("gmt_create", state.fmt_time(trade.gmt_create)), ("charset", trade.charset),
        ("gmt_payment", state.fmt_time(trade.gmt_payment)), ("notify_time", ""), ("subject", trade.subject),
        ("sign", ""), ("buyer_id", trade.buyer_id), ("invoice_amount", amount), ("version", "1.0"),
        ("notify_id", notify_id), ("fund_bill_list", fund_bill_list), ("notify_type", "trade_status_sync"),
        ("out_trade_no", trade.out_trade_no), ("total_amount", amount), ("trade_status", trade.status),
        ("trade_no", trade.trade_no), ("auth_app_id", trade.app_id), ("receipt_amount", amount),
        ("point_amount", "0.00"), ("buyer_pay_amount", amount), ("app_id", trade.app_id),
        ("sign_type", state.app_sign_type()), ("seller_id", state.seller_id()),
        ("buyer_logon_id", trade.buyer_logon_id), ("seller_email", state.seller_email()), ("body", trade.body),
        ("passback_params", trade.passback_params), ("gmt_close", state.fmt_time(trade.gmt_close)),
    ]
    return [list(p) for p in pairs]


def enqueue(trade: SandboxTrade, event: str, config: SandboxConfig, refund=None) -> SandboxNotification | None:
    """Record a notification for a locked trade (inside the caller's transaction) and wake delivery on commit.
    Returns None when the order has no notify_url (Alipay then has nobody to tell)."""
    if not trade.notify_url:
        return None
    notify_id = state.new_notify_id(config)
    params = _payment_params(trade, notify_id)
    if refund is not None:
        params += [["refund_fee", state.fmt_amount(trade.refund_fee)],
                   ["gmt_refund", refund.gmt_refund_pay.astimezone(state.BEIJING).strftime("%Y-%m-%d %H:%M:%S.")
                    + f"{refund.gmt_refund_pay.microsecond // 1000:03d}"],
                   ["out_biz_no", refund.out_request_no]]
    now = timezone.now()
    delay = trade.notify_delay_next_seconds
    if delay:
        SandboxTrade.objects.filter(pk=trade.pk).update(notify_delay_next_seconds=0.0)
        trade.notify_delay_next_seconds = 0.0
    order = config.notify_order
    if order == SandboxConfig.NotifyOrder.NEVER:
        next_at, notification_state = None, SandboxNotification.State.HELD
    elif order == SandboxConfig.NotifyOrder.BEFORE and event == "payment":
        next_at, notification_state = now + BEFORE_MODE_SAFETY_NET, SandboxNotification.State.PENDING
    else:
        wait = delay + (config.notify_after_delay_seconds if order == SandboxConfig.NotifyOrder.AFTER else 0.0)
        next_at, notification_state = now + timedelta(seconds=wait), SandboxNotification.State.PENDING
    notification = SandboxNotification.objects.create(
        trade=trade, notify_id=notify_id, event=event, url=trade.notify_url, params=params,
        state=notification_state, next_attempt_at=next_at)
    if notification_state == SandboxNotification.State.PENDING:
        transaction.on_commit(kick)
    return notification


def _signed_attempt_params(notification: SandboxNotification, tamper: str) -> list[tuple[str, str]]:
    """The params of one attempt: fresh notify_time and signature, empties dropped, optional tampering."""
    config = state.get_config()
    pairs = [(k, v) for k, v in notification.params]
    values = dict(pairs)
    values["notify_time"] = state.fmt_time(state.sandbox_now(config))
    if tamper == "total_amount":
        # Validly signed, wrong amount: the shop must compare the amount with its order.
        values["total_amount"] = state.fmt_amount(Decimal(values["total_amount"]) + 1)
    values = {k: v for k, v in values.items() if v not in (None, "") or k == "sign"}
    sign_type = values.get("sign_type") or state.app_sign_type()
    signature = signing.sign(signing.notify_sign_content(values), sign_type, values.get("charset") or "utf-8")
    values["sign"] = signing.corrupt(signature) if tamper == "signature" else signature
    return [(k, values[k]) for k, _ in pairs if k in values]


# --- delivering ----------------------------------------------------------------------------------------------

def _post(url: str, params: list[tuple[str, str]]) -> tuple[int | None, str, str]:
    """One POST: (http status or None, body, error text). Only loopback hosts are ever contacted."""
    host = urlsplit(url).hostname or ""
    allowed = getattr(settings, "SANDBOX_NOTIFY_ALLOWED_HOSTS", LOOPBACK_HOSTS)
    if host not in allowed:
        return None, "", f"refused: {host} is not a loopback host (SANDBOX_NOTIFY_ALLOWED_HOSTS)"
    body = urlencode(params, encoding="utf-8")
    try:
        response = requests.post(url, data=body.encode("utf-8"), timeout=notify_timeout(), allow_redirects=False,
                                 headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                                          "User-Agent": "Mozilla/4.0"})
    except requests.RequestException as exc:
        return None, "", f"{exc.__class__.__name__}: {exc}"[:256]
    return response.status_code, response.text[:2000], ""


def _is_success(status: int | None, body: str, config: SandboxConfig) -> bool:
    body = body.strip() if config.notify_strip_whitespace else body
    return status == 200 and body == "success"


def _claim(notification_id: int, due_only: bool) -> bool:
    now = timezone.now()
    rows = SandboxNotification.objects.filter(pk=notification_id, state=SandboxNotification.State.PENDING)
    if due_only:
        rows = rows.filter(next_attempt_at__lte=now)
    rows = rows.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    lease = now + timedelta(seconds=notify_timeout() + LEASE_SLACK_SECONDS)
    return rows.update(lease_until=lease) == 1


def _take_tamper(trade_id: int) -> str:
    """Consume the trade's one-shot "tamper the next notify" directive; returns its kind or ""."""
    kind = SandboxTrade.objects.values_list("notify_tamper_next", flat=True).get(pk=trade_id)
    if kind and SandboxTrade.objects.filter(pk=trade_id, notify_tamper_next=kind).update(notify_tamper_next="") == 1:
        return kind
    return ""


def _take_drop(trade_id: int) -> bool:
    """Consume one "drop the next notify attempt" directive, if any (a conditional UPDATE, race-free)."""
    return SandboxTrade.objects.filter(pk=trade_id, notify_drop_next__gt=0).update(
        notify_drop_next=F("notify_drop_next") - 1) == 1


def _send(notification: SandboxNotification, number: int) -> SandboxNotifyAttempt:
    """Build, send (or drop) and record one attempt; the DB sections are guarded, the HTTP call is not."""
    with db_guard():
        tamper = _take_tamper(notification.trade_id)
        # Only scheduled attempts can be "lost"; an explicit duplicate/resend is always sent.
        dropped = number > 0 and _take_drop(notification.trade_id)
        params = _signed_attempt_params(notification, tamper)
        config = state.get_config()
    started = time.monotonic()
    sent_at = timezone.now()
    if dropped:
        status, body, error = None, "", "dropped by __sim__ (drop-next)"
    else:
        status, body, error = _post(notification.url, params)
    with db_guard():
        return SandboxNotifyAttempt.objects.create(
            notification=notification, number=number, url=notification.url, params=params, http_status=status,
            response_body=body, error=error, success=_is_success(status, body, config), sent_at=sent_at,
            duration_ms=int((time.monotonic() - started) * 1000))


def deliver_one(notification_id: int, *, due_only: bool = True) -> SandboxNotifyAttempt | None:
    """Make the next scheduled attempt of one notification if it is due (or at once with due_only=False) and
    nobody else holds it; reschedules per Alipay's waits or marks it delivered/failed."""
    with db_guard():
        if not _claim(notification_id, due_only):
            return None
        notification = SandboxNotification.objects.get(pk=notification_id)
    attempt = _send(notification, notification.attempts + 1)
    with db_guard():
        attempts = notification.attempts + 1
        if attempt.success:
            new_state, next_at = SandboxNotification.State.DELIVERED, None
        elif attempts >= MAX_ATTEMPTS:
            new_state, next_at = SandboxNotification.State.FAILED, None
        else:
            wait = RETRY_WAITS_SECONDS[attempts - 1] * time_scale()
            new_state, next_at = SandboxNotification.State.PENDING, timezone.now() + timedelta(seconds=wait)
        SandboxNotification.objects.filter(pk=notification_id).update(
            attempts=attempts, state=new_state, next_attempt_at=next_at, lease_until=None)
    return attempt


def deliver_due(limit: int = 100) -> int:
    """Deliver every notification whose attempt is due; returns how many attempts were made."""
    with db_guard():
        due = list(SandboxNotification.objects.filter(
            state=SandboxNotification.State.PENDING, next_attempt_at__lte=timezone.now())
            .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in due if deliver_one(pk) is not None)


def resend_now(notification_id: int) -> SandboxNotifyAttempt | None:
    """Re-arm a notification (any state, same notify_id) and make its next attempt right now."""
    with db_guard():
        SandboxNotification.objects.filter(pk=notification_id).update(
            state=SandboxNotification.State.PENDING, next_attempt_at=timezone.now(), lease_until=None)
    return deliver_one(notification_id, due_only=False)


def send_extra(notification_id: int) -> SandboxNotifyAttempt:
    """One extra POST of the notification (a duplicate, as Alipay sometimes sends); the schedule is untouched,
    but a `success` answer ends it as it would at Alipay."""
    with db_guard():
        notification = SandboxNotification.objects.get(pk=notification_id)
    attempt = _send(notification, 0)
    if attempt.success:
        with db_guard():
            SandboxNotification.objects.filter(pk=notification_id, state=SandboxNotification.State.PENDING).update(
                state=SandboxNotification.State.DELIVERED, next_attempt_at=None)
    return attempt


def seconds_until_next_due() -> float | None:
    """How long until the earliest pending attempt that nobody holds (a held one counts from its lease's end);
    None when nothing is pending."""
    now = timezone.now()
    with db_guard():
        pending = SandboxNotification.objects.filter(state=SandboxNotification.State.PENDING)
        free = pending.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now)).aggregate(
            at=Min("next_attempt_at"))["at"]
        leased = pending.filter(lease_until__gte=now).aggregate(at=Min("lease_until"))["at"]
    times = [t for t in (free, leased) if t is not None]
    if not times:
        return None
    return max(MIN_SLEEP_SECONDS, (min(times) - now).total_seconds())


# --- the in-process driver -----------------------------------------------------------------------------------

_wakeup = threading.Event()
_stopping = threading.Event()
_thread_lock = threading.Lock()
_thread: threading.Thread | None = None


def in_process_enabled() -> bool:
    """Whether this process delivers notifies itself (SANDBOX_NOTIFY_IN_PROCESS; else only Celery beat does)."""
    return bool(getattr(settings, "SANDBOX_NOTIFY_IN_PROCESS", True))


def kick() -> None:
    """Wake (or start) this process's delivery thread. Called on commit of every new notification."""
    global _thread
    if not in_process_enabled():
        return
    shared = {}
    if _shares_one_sqlite_connection():
        shared["default"] = connections["default"]
    with _thread_lock:
        _wakeup.set()
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, args=(shared,), name="alipay-sandbox-notify", daemon=True)
            _thread.start()


def stop() -> None:
    """Stop this process's delivery thread, if one runs, and wait for it (core.background.stop_thread)."""
    with _thread_lock:
        thread = _thread
    background.stop_thread(thread, _stopping, _wakeup)


def _run(shared: dict) -> None:
    global _thread
    for alias, conn in shared.items():
        conn.inc_thread_sharing()
        connections[alias] = conn
    try:
        while not _stopping.is_set():
            _wakeup.clear()
            if not in_process_enabled():
                with _thread_lock:
                    _thread = None
                return
            try:
                deliver_due()
                wait = seconds_until_next_due()
            except DatabaseError:
                # E.g. a test flushed the tables under us; the next wake-up (or Celery beat) retries.
                logger.warning("sandbox notify thread: database error, retrying later", exc_info=True)
                wait = 1.0
            if wait is None:
                if _wakeup.wait(IDLE_EXIT_SECONDS):
                    continue
                with _thread_lock:
                    if not _wakeup.is_set():
                        _thread = None
                        return
                continue
            _wakeup.wait(min(wait, MAX_SLEEP_SECONDS))
    finally:
        for conn in shared.values():
            conn.dec_thread_sharing()
        if not shared:
            connections.close_all()
