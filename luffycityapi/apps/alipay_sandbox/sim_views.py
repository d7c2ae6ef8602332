"""The test control API under /sandbox/alipay/__sim__/ (S22/S23): JSON, CSRF-exempt, no auth — it exists only
where the sandbox is mounted (settings.ALIPAY_SANDBOX, dev/test). Nothing here is Alipay; see README.md."""
import json
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import wraps
from urllib.parse import parse_qsl

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import notify, services, signing, state
from .models import (SandboxConfig, SandboxFault, SandboxNotification, SandboxSink, SandboxSinkHit, SandboxTrade)
from .views import finish_payment

NOTIFY_ORDERS = [choice.value for choice in SandboxConfig.NotifyOrder]
TAMPER_FIELDS = ("signature", "total_amount")
MAX_DUPLICATES = 20
TRADE_ACTIONS = ("login", "pay", "close", "expire", "finish")
NOTIFY_ACTIONS = ("resend", "duplicate", "drop-next", "delay-next", "tamper-next")


class BadRequest(Exception):
    """A control call that cannot be done; answered 400 (404 for unknown trades) with {"error": …}."""

    def __init__(self, message: str, status: int = 400):
        self.status = status
        super().__init__(message)


def control(*methods):
    """Decorate a control endpoint: allowed methods, CSRF-exempt, JSON 4xx errors for bad input."""
    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                return JsonResponse({"error": f"use {'/'.join(methods)}"}, status=405)
            try:
                return view(request, *args, **kwargs)
            except BadRequest as error:
                return JsonResponse({"error": str(error)}, status=error.status)
            except (TypeError, ValueError) as error:  # e.g. {"seconds": "soon"}: the caller's mistake, said so
                return JsonResponse({"error": f"bad value: {error}"}, status=400)
        return wrapper
    return decorate


def _body(request: HttpRequest) -> dict:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except ValueError:
        raise BadRequest("the body must be JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def _trade(out_trade_no: str, app_id: str | None = None) -> SandboxTrade:
    trade = SandboxTrade.objects.filter(app_id=app_id or settings.ALIPAY_APP_ID, out_trade_no=out_trade_no).first()
    if trade is None:
        raise BadRequest(f"no order {out_trade_no} (open it with alipay.trade.page.pay first)", status=404)
    return trade


# --- serialisation -------------------------------------------------------------------------------------------

def _attempt_json(attempt) -> dict:
    return {"number": attempt.number, "url": attempt.url, "params": dict(attempt.params),
            "http_status": attempt.http_status, "response_body": attempt.response_body, "error": attempt.error,
            "success": attempt.success, "sent_at": attempt.sent_at.isoformat(), "duration_ms": attempt.duration_ms}


def _notification_json(notification: SandboxNotification) -> dict:
    return {"id": notification.pk, "notify_id": notification.notify_id, "event": notification.event,
            "url": notification.url, "state": notification.state, "attempts": notification.attempts,
            "next_attempt_at": notification.next_attempt_at.isoformat() if notification.next_attempt_at else None,
            "params": dict(notification.params),
            "attempt_log": [_attempt_json(a) for a in notification.attempt_log.order_by("pk")]}


def _trade_json(trade: SandboxTrade, *, detail: bool = True) -> dict:
    data = {
        "out_trade_no": trade.out_trade_no, "trade_no": trade.trade_no, "status": trade.status,
        "method": trade.method, "quit_url": trade.quit_url, "app_id": trade.app_id, "subject": trade.subject, "total_amount": state.fmt_amount(trade.total_amount),
        "refund_fee": state.fmt_amount(trade.refund_fee), "cashier_token": trade.token,
        "return_url": trade.return_url, "notify_url": trade.notify_url, "passback_params": trade.passback_params,
        "expires_at": state.fmt_time(trade.expires_at), "gmt_create": state.fmt_time(trade.gmt_create),
        "gmt_payment": state.fmt_time(trade.gmt_payment), "gmt_close": state.fmt_time(trade.gmt_close),
        "cancelled_by_buyer": trade.cancelled_by_buyer,
    }
    if detail:
        data["refunds"] = [{"out_request_no": r.out_request_no, "refund_amount": state.fmt_amount(r.refund_amount),
                            "gmt_refund_pay": state.fmt_time(r.gmt_refund_pay)} for r in trade.refunds.order_by("pk")]
        data["notifications"] = [_notification_json(n) for n in trade.notifications.order_by("pk")]
    return data


def _config_json(config: SandboxConfig) -> dict:
    return {"merchant_balance": state.fmt_amount(config.merchant_balance), "notify_order": config.notify_order,
            "notify_after_delay_seconds": config.notify_after_delay_seconds, "notify_closed": config.notify_closed,
            "notify_strip_whitespace": config.notify_strip_whitespace,
            "clock_offset_seconds": config.clock_offset_seconds,
            "frozen_at": state.fmt_time(config.frozen_at) or None, "deterministic_ids": config.deterministic_ids,
            "now": state.fmt_time(state.sandbox_now(config)), "notify_time_scale": notify.time_scale(),
            "app_id": settings.ALIPAY_APP_ID, "seller_id": state.seller_id(), "sign_type": state.app_sign_type()}


# --- endpoints -----------------------------------------------------------------------------------------------

@control("GET")
def index(request):
    """GET __sim__/: what this is and where the README is."""
    return JsonResponse({"sandbox": "luffycity local Alipay gateway — control API, not Alipay",
                         "docs": "luffycityapi/apps/alipay_sandbox/README.md", "config": _config_json_now()})


def _config_json_now() -> dict:
    with notify.db_guard():
        return _config_json(state.get_config())


@control("POST")
def reset(request):
    """POST __sim__/reset: forget every order, trade, notification, fault and sink; default switches."""
    with notify.db_guard(), transaction.atomic():
        for model in (SandboxTrade, SandboxFault, SandboxSink, SandboxConfig):
            model.objects.all().delete()
    return JsonResponse({"reset": True, "config": _config_json_now()})


def _parse_frozen(value):
    if value in (None, ""):
        return None
    try:
        return datetime.strptime(str(value), state.TIME_FORMAT).replace(tzinfo=state.BEIJING)
    except ValueError:
        raise BadRequest("frozen_at must be 'yyyy-MM-dd HH:mm:ss' (Beijing time) or null") from None


@control("GET", "POST")
def config_view(request):
    """GET/POST __sim__/config: read or change the switches (only the keys given change)."""
    if request.method == "GET":
        return JsonResponse(_config_json_now())
    data = _body(request)
    with notify.db_guard(), transaction.atomic():
        state.get_config()
        config = SandboxConfig.objects.select_for_update().get(pk=1)
        if "merchant_balance" in data:
            try:
                config.merchant_balance = Decimal(str(data["merchant_balance"]))
            except InvalidOperation:
                raise BadRequest("merchant_balance must be an amount") from None
        if "notify_order" in data:
            if data["notify_order"] not in NOTIFY_ORDERS:
                raise BadRequest(f"notify_order must be one of {NOTIFY_ORDERS}")
            config.notify_order = data["notify_order"]
        for name in ("notify_after_delay_seconds", "clock_offset_seconds"):
            if name in data:
                setattr(config, name, float(data[name]))
        for name in ("notify_closed", "notify_strip_whitespace", "deterministic_ids"):
            if name in data:
                setattr(config, name, bool(data[name]))
        if "frozen_at" in data:
            config.frozen_at = _parse_frozen(data["frozen_at"])
        config.save()
    return JsonResponse(_config_json_now())


@control("POST")
def clock_advance(request):
    """POST __sim__/clock/advance {"seconds": N}: move the business clock forward (expiry, gmt_* times)."""
    seconds = float(_body(request).get("seconds", 0))
    with notify.db_guard(), transaction.atomic():
        state.get_config()
        config = SandboxConfig.objects.select_for_update().get(pk=1)
        if config.frozen_at:
            config.frozen_at += timedelta(seconds=seconds)
        else:
            config.clock_offset_seconds += seconds
        config.save()
    return JsonResponse(_config_json_now())


@control("GET")
def public_key(request):
    """GET __sim__/public-key: the sandbox ("Alipay") public key PEM the shop verifies with."""
    return HttpResponse(signing.public_key_pem(), content_type="application/x-pem-file; charset=utf-8")


@control("GET")
def trades(request):
    """GET __sim__/trades: every order/trade, newest first."""
    with notify.db_guard():
        rows = [_trade_json(t, detail=False) for t in SandboxTrade.objects.order_by("-pk")[:500]]
    return JsonResponse({"trades": rows})


@control("GET")
def trade_detail(request, out_trade_no):
    """GET __sim__/trades/<out_trade_no>: the trade, its refunds, its notifications with every attempt."""
    with notify.db_guard():
        return JsonResponse(_trade_json(_trade(out_trade_no, request.GET.get("app_id"))))


@control("POST")
def trade_action(request, out_trade_no, action):
    """POST __sim__/trades/<out_trade_no>/(login|pay|close|expire|finish): force a state, as the buyer/Alipay."""
    if action not in TRADE_ACTIONS:
        raise BadRequest(f"unknown action {action}; one of {TRADE_ACTIONS}", status=404)
    with notify.db_guard():
        trade = _trade(out_trade_no, _body(request).get("app_id"))
        if action == "pay":
            result = services.buyer_pay(trade.pk)
        else:
            forced = {"login": services.buyer_login, "close": services.force_close,
                      "expire": services.force_expire, "finish": services.force_finish}[action]
            forced(trade.pk)
    answer = {}
    if action == "pay":
        # Same as the one-step cashier pay: the notify goes out, and here is where the browser would be sent.
        location, params = finish_payment(result)
        answer = {"paid_now": result.paid_now, "return_url": location or None, "return_params": dict(params)}
    with notify.db_guard():
        answer["trade"] = _trade_json(SandboxTrade.objects.get(pk=trade.pk))
    return JsonResponse(answer)


def _notification(trade: SandboxTrade, data: dict) -> SandboxNotification:
    rows = trade.notifications.order_by("-pk")
    if data.get("notify_id"):
        rows = rows.filter(notify_id=data["notify_id"])
    notification = rows.first()
    if notification is None:
        raise BadRequest("this trade has no notification yet", status=404)
    return notification


@control("POST")
def notify_action(request, out_trade_no, action):
    """POST __sim__/trades/<no>/notify/(resend|duplicate|drop-next|delay-next|tamper-next) — see README."""
    if action not in NOTIFY_ACTIONS:
        raise BadRequest(f"unknown notify action {action}; one of {NOTIFY_ACTIONS}", status=404)
    data = _body(request)
    with notify.db_guard():
        trade = _trade(out_trade_no, data.get("app_id"))
        directives = {
            "drop-next": lambda: {"notify_drop_next": trade.notify_drop_next + int(data.get("count", 1))},
            "delay-next": lambda: {"notify_delay_next_seconds": float(data.get("seconds", 0))},
            "tamper-next": lambda: {"notify_tamper_next": _tamper_field(data)},
        }
        if action in directives:
            SandboxTrade.objects.filter(pk=trade.pk).update(**directives[action]())
            return JsonResponse({"trade": _trade_json(SandboxTrade.objects.get(pk=trade.pk), detail=False)})
        notification = _notification(trade, data)
    if action == "resend":
        attempts = [notify.resend_now(notification.pk)]
    else:  # duplicate
        count = min(int(data.get("count", 1)), MAX_DUPLICATES)
        attempts = [notify.send_extra(notification.pk) for _ in range(count)]
    with notify.db_guard():
        return JsonResponse({"attempts": [_attempt_json(a) for a in attempts if a is not None],
                             "notification": _notification_json(SandboxNotification.objects.get(pk=notification.pk))})


def _tamper_field(data: dict) -> str:
    field = data.get("field", "signature")
    if field not in TAMPER_FIELDS:
        raise BadRequest(f"field must be one of {TAMPER_FIELDS}")
    return field


@control("POST")
def return_tamper(request, out_trade_no):
    """POST __sim__/trades/<no>/return/tamper-next {"field": "signature"|"total_amount"}."""
    data = _body(request)
    with notify.db_guard():
        trade = _trade(out_trade_no, data.get("app_id"))
        SandboxTrade.objects.filter(pk=trade.pk).update(return_tamper_next=_tamper_field(data))
    return JsonResponse({"ok": True})


@control("POST")
def deliver_due(request):
    """POST __sim__/notifications/deliver-due: close overdue orders and make every due notify attempt now
    (what the Celery beat job does)."""
    return JsonResponse(services.run_due_work())


@control("GET", "POST", "DELETE")
def faults(request):
    """GET/POST __sim__/faults {"method", "kind", "count", "seconds"}: the next N calls of a method misbehave.
    DELETE (optionally {"method"}): forget the faults not yet used up (all, or only that method's), leaving
    trades and switches alone — so a test can fault a method for as long as it needs and then stop."""
    if request.method == "DELETE":
        data = _body(request)
        with notify.db_guard():
            pending = SandboxFault.objects.all()
            if data.get("method"):
                pending = pending.filter(method=data["method"])
            deleted, _ = pending.delete()
        answer = faults_json()
        answer["deleted"] = deleted
        return JsonResponse(answer)
    if request.method == "POST":
        data = _body(request)
        kinds = [k.value for k in SandboxFault.Kind]
        if data.get("kind") not in kinds:
            raise BadRequest(f"kind must be one of {kinds}")
        if not data.get("method"):
            raise BadRequest('method is required ("*" for any)')
        with notify.db_guard():
            SandboxFault.objects.create(method=data["method"], kind=data["kind"],
                                        remaining=int(data.get("count", 1)), seconds=float(data.get("seconds", 0)))
    return JsonResponse(faults_json())


def faults_json() -> dict:
    with notify.db_guard():
        rows = [{"method": f.method, "kind": f.kind, "remaining": f.remaining, "seconds": f.seconds}
                for f in SandboxFault.objects.order_by("pk")]
    return {"faults": rows}


# --- the test-only notify receiver ------------------------------------------------------------------------------

def _sink_hits(sink: SandboxSink) -> list:
    return [{"params": hit.params, "raw_body": hit.raw_body, "content_type": hit.content_type,
             "answered_status": hit.answered_status, "answered_body": hit.answered_body,
             "received_at": hit.received_at.isoformat()} for hit in sink.hits.order_by("pk")]


@control("GET", "POST")
def sink(request, name):
    """POST __sim__/sink/<name>/: record a notify and answer per the sink's config; GET: the recorded posts."""
    with notify.db_guard(), transaction.atomic():
        sink_row, _ = SandboxSink.objects.get_or_create(name=name)
        if request.method == "GET":
            return JsonResponse({"name": name, "hits": _sink_hits(sink_row)})
        sink_row = SandboxSink.objects.select_for_update().get(pk=sink_row.pk)
        failing = sink_row.hits.count() < sink_row.fail_first
        status, body = (200, "fail") if failing else (sink_row.status_code, sink_row.answer)
        raw = request.body.decode("utf-8", errors="replace")
        SandboxSinkHit.objects.create(sink=sink_row, content_type=request.META.get("CONTENT_TYPE", ""),
                                      raw_body=raw, params=dict(parse_qsl(raw, keep_blank_values=True)),
                                      answered_status=status, answered_body=body)
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


@control("POST")
def sink_config(request, name):
    """POST __sim__/sink/<name>/config {"answer": "success", "status_code": 200, "fail_first": 0}."""
    data = _body(request)
    with notify.db_guard():
        sink_row, _ = SandboxSink.objects.get_or_create(name=name)
        for field in ("answer", "status_code", "fail_first"):
            if field in data:
                setattr(sink_row, field, data[field])
        sink_row.save()
        return JsonResponse({"name": name, "answer": sink_row.answer, "status_code": sink_row.status_code,
                             "fail_first": sink_row.fail_first})
