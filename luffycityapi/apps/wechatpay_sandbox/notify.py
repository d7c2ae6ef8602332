"""Notifies: recording them with the order's change, delivering them signed and encrypted with WeChat's retry
schedule, and the three drivers — a daemon thread per process woken on commit, the Celery beat job (tasks.py) and
deliver_due() for tests/__sim__. Claims are leases on the row, so the drivers never double-send."""
import logging
import secrets
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from luffycityapi.core import background

from . import signing
from .models import WxNotification, WxOrder

logger = logging.getLogger("luffycityapi.wechatpay_sandbox")

# WeChat's waits after each failed attempt (16 attempts, 24h4m), scaled by WECHATPAY_SANDBOX_TIME_SCALE.
RETRY_WAITS_SECONDS = (15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600)
MAX_ATTEMPTS = len(RETRY_WAITS_SECONDS) + 1
TIMEOUT_SECONDS = 5.0  # WeChat counts an answer slower than this as a failure
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
IDLE_EXIT_SECONDS = 5.0
MAX_SLEEP_SECONDS = 30.0
MIN_SLEEP_SECONDS = 0.02


def time_scale() -> float:
    return float(getattr(settings, "WECHATPAY_SANDBOX_TIME_SCALE", 0.01))


def rfc3339(moment) -> str:
    return timezone.localtime(moment, timezone.get_fixed_timezone(480)).isoformat(timespec="seconds")


def transaction_resource(order: WxOrder) -> dict:
    """The decrypted payment resource (§5.3), as the query answers it too."""
    data = {"appid": order.appid, "mchid": order.mchid, "out_trade_no": order.out_trade_no,
            "trade_state": order.trade_state, "trade_state_desc": order.get_trade_state_display(),
            "attach": order.attach, "amount": {"total": order.total, "currency": order.currency}}
    if order.transaction_id:
        data.update({"transaction_id": order.transaction_id, "trade_type": "NATIVE", "bank_type": "OTHERS",
                     "success_time": rfc3339(order.success_time),
                     "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
                     "amount": {"total": order.total, "payer_total": order.total, "currency": order.currency,
                                "payer_currency": order.currency}})
    return data


def enqueue(order: WxOrder, event_type: str, resource: dict, url: str, *, hold: bool = False) -> WxNotification | None:
    """Record a notify inside the caller's transaction (the order row locked) and wake delivery on commit."""
    if not url:
        return None
    delay = order.notify_delay_next_seconds
    if delay:
        WxOrder.objects.filter(pk=order.pk).update(notify_delay_next_seconds=0.0)
    notification = WxNotification.objects.create(
        order=order, notify_id=f"EV-{timezone.now():%Y%m%d%H%M%S}{secrets.randbelow(10 ** 12):012d}",
        event_type=event_type, url=url, resource=resource,
        state=WxNotification.State.HELD if hold else WxNotification.State.PENDING,
        next_attempt_at=None if hold else timezone.now() + timedelta(seconds=delay))
    if not hold:
        transaction.on_commit(kick)
    return notification


def _take(order_id: int, field: str, value) -> bool:
    return WxOrder.objects.filter(pk=order_id, **{field: value}).update(**{field: type(value)()}) == 1


def _attempt_request(notification: WxNotification, tamper: str) -> tuple[bytes, dict]:
    """One attempt's body and headers: re-encrypted and re-signed with a fresh timestamp, or tampered with."""
    resource = dict(notification.resource)
    if tamper == "amount":  # validly signed, one fen more: the shop must compare the amount with its order
        resource["amount"] = {**resource.get("amount", {}), "total": resource.get("amount", {}).get("total", 0) + 1}
    elif tamper == "mchid":
        resource["mchid"] = "1900000999"
    elif tamper == "appid":
        resource["appid"] = "wx0000000000000000"
    stamp = int(time.time()) - 3600 if tamper == "old_timestamp" else None
    apiv3 = b"X" * 32 if tamper == "ciphertext" else None
    return signing.signed_notify(notification.notify_id, notification.event_type, resource,
                                 create_time=rfc3339(notification.created_time), timestamp=stamp, apiv3=apiv3,
                                 tamper="signature" if tamper == "signature" else "")


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    host = urlsplit(url).hostname or ""
    if host not in getattr(settings, "SANDBOX_NOTIFY_ALLOWED_HOSTS", LOOPBACK_HOSTS):
        return None, f"refused: {host} is not a loopback host"
    try:
        response = requests.post(url, data=body, headers={**headers, "User-Agent": "Mozilla/4.0"},
                                 timeout=TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as exc:
        return None, f"{exc.__class__.__name__}: {exc}"[:256]
    return response.status_code, response.text[:300]


def send(notification: WxNotification, number: int) -> bool:
    """Build, send (or drop) and log one attempt; True when the shop acknowledged it (HTTP 200/204)."""
    order_id = notification.order_id
    tamper = WxOrder.objects.values_list("notify_tamper_next", flat=True).get(pk=order_id)
    tamper = tamper if tamper and _take(order_id, "notify_tamper_next", tamper) else ""
    dropped = number > 0 and WxOrder.objects.filter(pk=order_id, notify_drop_next__gt=0).update(
        notify_drop_next=F("notify_drop_next") - 1) == 1
    body, headers = _attempt_request(notification, tamper)
    if dropped:
        status, answer = None, "dropped by __sim__ (drop-next)"
    else:
        status, answer = _post(notification.url, body, headers)
    ok = status in (200, 204)
    entry = {"number": number, "at": rfc3339(timezone.now()), "status": status, "answer": answer, "tamper": tamper,
             "ok": ok}
    with transaction.atomic():
        row = WxNotification.objects.select_for_update().filter(pk=notification.pk).first()
        if row is None:  # the order was wiped (__sim__ reset, a test's teardown) while the POST was in flight
            return ok
        row.log = [*row.log, entry][-40:]
        row.save(update_fields=["log"])
    return ok


def _claim(notification_id: int, due_only: bool) -> bool:
    now = timezone.now()
    rows = WxNotification.objects.filter(pk=notification_id, state=WxNotification.State.PENDING)
    if due_only:
        rows = rows.filter(next_attempt_at__lte=now)
    rows = rows.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    return rows.update(lease_until=now + timedelta(seconds=TIMEOUT_SECONDS + 10)) == 1


def deliver_one(notification_id: int, *, due_only: bool = True) -> bool | None:
    """The next attempt of one notify if due and unclaimed; reschedules on WeChat's waits, or ends it."""
    if not _claim(notification_id, due_only):
        return None
    notification = WxNotification.objects.get(pk=notification_id)
    attempts = notification.attempts + 1
    ok = send(notification, attempts)
    if ok:
        state, next_at = WxNotification.State.DELIVERED, None
    elif attempts >= MAX_ATTEMPTS:
        state, next_at = WxNotification.State.FAILED, None
    else:
        state = WxNotification.State.PENDING
        next_at = timezone.now() + timedelta(seconds=RETRY_WAITS_SECONDS[attempts - 1] * time_scale())
    WxNotification.objects.filter(pk=notification_id).update(attempts=attempts, state=state,
                                                             next_attempt_at=next_at, lease_until=None)
    return ok


def deliver_due(limit: int = 100) -> int:
    """Deliver every due attempt; returns how many were made."""
    due = list(WxNotification.objects.filter(state=WxNotification.State.PENDING, next_attempt_at__lte=timezone.now())
               .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in due if deliver_one(pk) is not None)


def resend_now(notification_id: int) -> bool | None:
    """Re-arm a notify (any state, same id) and attempt it now."""
    WxNotification.objects.filter(pk=notification_id).update(state=WxNotification.State.PENDING,
                                                             next_attempt_at=timezone.now(), lease_until=None)
    return deliver_one(notification_id, due_only=False)


def send_extra(notification_id: int) -> bool:
    """One extra POST (a duplicate, as WeChat sends them); an acknowledgement ends the schedule."""
    notification = WxNotification.objects.get(pk=notification_id)
    ok = send(notification, 0)
    if ok:
        WxNotification.objects.filter(pk=notification_id, state=WxNotification.State.PENDING).update(
            state=WxNotification.State.DELIVERED, next_attempt_at=None)
    return ok


def seconds_until_next_due() -> float | None:
    now = timezone.now()
    at = WxNotification.objects.filter(state=WxNotification.State.PENDING).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)).aggregate(at=Min("next_attempt_at"))["at"]
    return None if at is None else max(MIN_SLEEP_SECONDS, (at - now).total_seconds())


_wakeup = threading.Event()
_stopping = threading.Event()
_thread_lock = threading.Lock()
_thread: threading.Thread | None = None


def kick() -> None:
    """Wake (or start) this process's delivery thread (WECHATPAY_SANDBOX_NOTIFY_IN_PROCESS=False: beat only)."""
    global _thread
    if not getattr(settings, "WECHATPAY_SANDBOX_NOTIFY_IN_PROCESS", True):
        return
    with _thread_lock:
        _wakeup.set()
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="wechatpay-sandbox-notify", daemon=True)
            _thread.start()


def stop() -> None:
    """Stop this process's delivery thread, if one runs, and wait for it (core.background.stop_thread)."""
    with _thread_lock:
        thread = _thread
    background.stop_thread(thread, _stopping, _wakeup)


def _run() -> None:
    global _thread
    try:
        while not _stopping.is_set():
            _wakeup.clear()
            try:
                deliver_due()
                wait = seconds_until_next_due()
            except (DatabaseError, ObjectDoesNotExist):  # a lost database, or rows wiped under a POST in flight
                logger.warning("wechatpay sandbox notify thread: database error or a vanished row, retrying later",
                               exc_info=True)
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
        connections.close_all()
