"""The scan page (it plays the buyer's phone) and the control API for tests (`__sim__`, not WeChat)."""
import json

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import gateway, notify
from .models import WxConfig, WxFault, WxNotification, WxOrder, WxRefund


def _order_by_code_url(code_url: str) -> WxOrder | None:
    code = code_url.removeprefix(gateway.CODE_URL_PREFIX) if code_url else ""
    return WxOrder.objects.filter(code=code).first() if code else None


def scan(request):
    """GET scan?code_url=weixin://wxpay/bizpayurl?pr=… : what the phone shows after scanning the QR code."""
    code_url = request.GET.get("code_url", "")
    order = _order_by_code_url(code_url)
    problem = ""
    if order is None:
        problem = "二维码无效"
    elif order.code_expire <= gateway.now():
        problem = "二维码已过期"
    return render(request, "wechatpay_sandbox/scan.html", {
        "order": order, "code_url": code_url, "problem": problem, "amount": f"{order.total / 100:.2f}" if order else "",
        "expired": bool(order and order.time_expire <= gateway.now()),
        "merchant": getattr(settings, "SANDBOX_MERCHANT_NAME", "路飞学城"),
        "result": request.GET.get("result", "")}, status=200 if order else 404)


@require_POST
def scan_pay(request):
    order = _order_by_code_url(request.POST.get("code_url", ""))
    if order is None:
        return HttpResponse("二维码无效", status=404)
    try:
        gateway.pay(order.pk)
        result = "paid"
    except gateway.ApiError as exc:
        result = exc.message
    return redirect(f"{request.path.rsplit('/', 2)[0]}/scan?{_qs(order, result)}")


@require_POST
def scan_cancel(request):
    order = _order_by_code_url(request.POST.get("code_url", ""))
    if order is None:
        return HttpResponse("二维码无效", status=404)
    return redirect(f"{request.path.rsplit('/', 2)[0]}/scan?{_qs(order, 'cancelled')}")


def _qs(order: WxOrder, result: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"code_url": gateway.CODE_URL_PREFIX + order.code, "result": result})


# --- __sim__ control API -------------------------------------------------------------------------------------

def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _order_json(order: WxOrder) -> dict:
    return {**notify.transaction_resource(order), "code_url": gateway.CODE_URL_PREFIX + order.code,
            "time_expire": notify.rfc3339(order.time_expire), "notify_url": order.notify_url,
            "refunded": order.refunded,
            "refunds": [{"out_refund_no": r.out_refund_no, "amount": r.amount, "status": r.status}
                        for r in order.refunds.order_by("id")],
            "notifications": [{"id": n.pk, "notify_id": n.notify_id, "event_type": n.event_type, "state": n.state,
                               "attempts": n.attempts, "log": n.log} for n in order.notifications.order_by("id")]}


@csrf_exempt
def sim_index(request):
    return JsonResponse({"what": "local WeChat Pay API v3 sandbox (dev/test only)", "mchid": settings.WECHATPAY_MCHID,
                         "appid": settings.WECHATPAY_APPID, "public_key_id": settings.WECHATPAY_PUBLIC_KEY_ID,
                         "time_scale": notify.time_scale()})


@csrf_exempt
@require_POST
def sim_reset(request):
    with transaction.atomic():
        WxFault.objects.all().delete()
        WxNotification.objects.all().delete()
        WxRefund.objects.all().delete()
        WxOrder.objects.all().delete()
        WxConfig.objects.all().delete()
    return JsonResponse({"ok": True})


@csrf_exempt
def sim_config(request):
    config = gateway.get_config()
    if request.method == "POST":
        data = _body(request)
        for field in ("refund_delay_seconds", "notify_hold", "clock_offset_seconds"):
            if field in data:
                setattr(config, field, data[field])
        config.save()
    return JsonResponse({"refund_delay_seconds": config.refund_delay_seconds, "notify_hold": config.notify_hold,
                         "clock_offset_seconds": config.clock_offset_seconds})


@csrf_exempt
def sim_faults(request):
    """POST {"api": "native"|"query"|"close"|"refund"|"refund_query"|"*", "kind": system_error|rate_limited|
    http_500|sleep|delay|bad_signature|unsigned, "count": N, "seconds": S}; DELETE forgets them."""
    if request.method == "POST":
        data = _body(request)
        WxFault.objects.create(api=data.get("api", "*"), kind=data.get("kind", "system_error"),
                               count=int(data.get("count", 1)), seconds=float(data.get("seconds", 0)))
    elif request.method == "DELETE":
        WxFault.objects.all().delete()
    return JsonResponse({"faults": list(WxFault.objects.filter(count__gt=0).values("api", "kind", "count", "seconds"))})


@csrf_exempt
def sim_orders(request):
    return JsonResponse({"orders": [_order_json(o) for o in WxOrder.objects.order_by("-id")[:100]]})


def _find(out_trade_no: str) -> WxOrder | None:
    return WxOrder.objects.filter(out_trade_no=out_trade_no).first()


@csrf_exempt
def sim_order(request, out_trade_no):
    order = _find(out_trade_no)
    if order is None:
        return JsonResponse({"error": "unknown out_trade_no"}, status=404)
    return JsonResponse(_order_json(order))


@csrf_exempt
@require_POST
def sim_order_action(request, out_trade_no, action):
    """pay (the phone pays at once) · close · expire (time_expire now: it can no longer be paid)."""
    order = _find(out_trade_no)
    if order is None:
        return JsonResponse({"error": "unknown out_trade_no"}, status=404)
    try:
        if action == "pay":
            gateway.pay(order.pk)
        elif action == "close":
            WxOrder.objects.filter(pk=order.pk, trade_state=WxOrder.State.NOTPAY).update(
                trade_state=WxOrder.State.CLOSED)
        elif action == "expire":
            WxOrder.objects.filter(pk=order.pk).update(time_expire=gateway.now())
        else:
            return JsonResponse({"error": f"unknown action {action}"}, status=404)
    except gateway.ApiError as exc:
        return JsonResponse({"error": exc.code, "message": exc.message}, status=409)
    order.refresh_from_db()
    return JsonResponse(_order_json(order))


@csrf_exempt
@require_POST
def sim_notify_action(request, out_trade_no, action):
    """duplicate {"count"} · resend · drop-next {"count"} · delay-next {"seconds"} · tamper-next {"field":
    signature|amount|mchid|appid|old_timestamp|ciphertext} for the order's latest notify."""
    order = _find(out_trade_no)
    if order is None:
        return JsonResponse({"error": "unknown out_trade_no"}, status=404)
    data = _body(request)
    latest = order.notifications.order_by("-id").first()
    results = []
    if action == "drop-next":
        WxOrder.objects.filter(pk=order.pk).update(notify_drop_next=int(data.get("count", 1)))
    elif action == "delay-next":
        WxOrder.objects.filter(pk=order.pk).update(notify_delay_next_seconds=float(data.get("seconds", 0)))
    elif action == "tamper-next":
        WxOrder.objects.filter(pk=order.pk).update(notify_tamper_next=str(data.get("field", "signature")))
    elif latest is None:
        return JsonResponse({"error": "no notify yet"}, status=409)
    elif action == "duplicate":
        results = [notify.send_extra(latest.pk) for _ in range(int(data.get("count", 1)))]
    elif action == "resend":
        results = [notify.resend_now(latest.pk)]
    else:
        return JsonResponse({"error": f"unknown action {action}"}, status=404)
    order.refresh_from_db()
    return JsonResponse({"results": results, **_order_json(order)})


@csrf_exempt
@require_POST
def sim_deliver_due(request):
    return JsonResponse(gateway.run_due_work())


def sim_public_key(request):
    with open(settings.WECHATPAY_PUBLIC_KEY_FILE) as handle:
        return HttpResponse(handle.read(), content_type="text/plain")
