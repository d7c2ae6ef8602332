"""The WeChat Pay API v3 endpoints the shop uses (Native order, query, close, refund, refund query) and the state
changes behind them and the scan page (shared/docs/wechatpay-protocol.md §2-6, §9). Every request's Authorization is
verified; every answer (errors too) is signed with the sandbox's WeChat Pay key."""
import json
import re
import secrets
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from . import notify, signing
from .models import WxConfig, WxFault, WxOrder, WxRefund

OUT_TRADE_NO = re.compile(r"[0-9A-Za-z_\-|*]{6,32}")
OUT_REFUND_NO = re.compile(r"[0-9A-Za-z_\-|*@]{1,64}")
CODE_URL_PREFIX = "weixin://wxpay/bizpayurl?pr="
CODE_URL_SECONDS = 2 * 3600
DEFAULT_EXPIRY = timedelta(days=7)


def get_config() -> WxConfig:
    config, _ = WxConfig.objects.get_or_create(pk=1)
    return config


def now():
    return timezone.now() + timedelta(seconds=get_config().clock_offset_seconds)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, detail: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail


def param_error(field: str, issue: str, value="") -> ApiError:
    return ApiError(400, "PARAM_ERROR", f"参数错误：{field} {issue}",
                    {"field": field, "value": value, "issue": issue, "location": "body"})


def answer(status: int, data: dict | None, *, tamper: str = "") -> HttpResponse:
    """A signed answer: JSON with Wechatpay-* headers, or a 204 signed over an empty body."""
    body = b"" if data is None else json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    response = HttpResponse(body, status=status,
                            content_type="application/json; charset=utf-8" if data is not None else None)
    if data is None:
        del response["Content-Type"]
    if tamper != "unsigned_all":
        for name, value in signing.signed_headers(body, tamper=tamper).items():
            response[name] = value
    return response


def _take_fault(api: str) -> WxFault | None:
    with transaction.atomic():
        fault = (WxFault.objects.select_for_update().filter(api__in=(api, "*"), count__gt=0).order_by("id").first())
        if fault is None:
            return None
        fault.count -= 1
        fault.save(update_fields=["count"])
        return fault


def api_view(api: str, method: str):
    """An API endpoint: method, Authorization, JSON body, faults, then the handler; errors are signed JSON."""
    def wrap(handler):
        @csrf_exempt
        def view(request, **kwargs):
            fault = None
            try:
                data = _checked_request(request, method)
                fault = _take_fault(api)
                if fault and fault.kind == "system_error":
                    raise ApiError(500, "SYSTEM_ERROR", "系统错误")
                if fault and fault.kind == "rate_limited":
                    raise ApiError(429, "FREQUENCY_LIMITED", "频率超限")
                if fault and fault.kind == "http_500":
                    return HttpResponse("<html>502 Bad Gateway</html>", status=500, content_type="text/html")
                if fault and fault.kind == "delay":  # waits before processing: what happens meanwhile is seen
                    time.sleep(min(fault.seconds, 120))
                status, body = handler(request, data, **kwargs)
                tamper = {"bad_signature": "signature", "unsigned": "no_signature_type"}.get(
                    fault.kind if fault else "", "")
                response = answer(status, body, tamper=tamper)
            except ApiError as exc:
                body = {"code": exc.code, "message": exc.message}
                if exc.detail:
                    body["detail"] = exc.detail
                response = answer(exc.status, body)
            if fault and fault.kind == "sleep":  # processed, but the answer comes late (the client times out)
                time.sleep(min(fault.seconds, 120))
            return response
        return view
    return wrap


def _checked_request(request, method: str) -> dict:
    """The method, the merchant's Authorization, the Wechatpay-Serial and the JSON body of a POST."""
    if request.method != method:
        raise ApiError(405, "INVALID_REQUEST", f"请使用{method}方法")
    full = request.get_full_path()
    signed_path = full[full.index("/v3/"):]
    error = signing.verify_authorization(request.method, signed_path, request.body,
                                         request.headers.get("Authorization", ""), now=time.time())
    if error:
        raise ApiError(401, "SIGN_ERROR", error)
    serial = request.headers.get("Wechatpay-Serial")
    if serial and serial != signing.public_key_id():
        raise ApiError(500, "SYSTEM_ERROR", "未知错误")
    if method != "POST":
        return {}
    if request.content_type != "application/json":
        raise ApiError(400, "INVALID_REQUEST", "Content-Type须为application/json")
    try:
        data = json.loads(request.body)
    except ValueError:
        raise ApiError(400, "PARAM_ERROR", "输入源“/body”映射到值字段失败") from None
    if not isinstance(data, dict):
        raise ApiError(400, "PARAM_ERROR", "请求体须为JSON对象")
    return data


def _order(out_trade_no: str, mchid: str, *, lock: bool = False) -> WxOrder:
    rows = WxOrder.objects.select_for_update() if lock else WxOrder.objects
    try:
        return rows.get(out_trade_no=out_trade_no, mchid=mchid)
    except WxOrder.DoesNotExist:
        raise ApiError(404, "ORDER_NOT_EXIST", "订单不存在") from None


def _parse_time(text) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


# --- Native order --------------------------------------------------------------------------------------------

@api_view("native", "POST")
def native(request, data):
    mchid, appid = data.get("mchid"), data.get("appid")
    if mchid != settings.WECHATPAY_MCHID:
        raise ApiError(400, "MCH_NOT_EXISTS", "商户号不存在")
    if appid != settings.WECHATPAY_APPID:
        raise ApiError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
    description = data.get("description")
    if not isinstance(description, str) or not 1 <= len(description) <= 127:
        raise param_error("description", "长度须为1-127个字符", description)
    out_trade_no = data.get("out_trade_no")
    if not isinstance(out_trade_no, str) or not OUT_TRADE_NO.fullmatch(out_trade_no):
        raise param_error("out_trade_no", "须为6-32位数字、字母或_-|*", out_trade_no)
    notify_url = data.get("notify_url")
    if (not isinstance(notify_url, str) or len(notify_url) > 255 or "?" in notify_url
            or not notify_url.startswith(("http://", "https://"))):
        raise param_error("notify_url", "须为不带参数的http(s)地址", notify_url)
    amount = data.get("amount")
    total = amount.get("total") if isinstance(amount, dict) else None
    if isinstance(total, bool) or not isinstance(total, int) or total < 1:
        raise param_error("amount.total", "须为正整数（单位：分）", total)
    if amount.get("currency", "CNY") != "CNY":
        raise param_error("amount.currency", "须为CNY", amount.get("currency"))
    current = now()
    if "time_expire" in data:
        expire = _parse_time(data["time_expire"])
        if expire is None:
            raise param_error("time_expire", "须为RFC 3339格式（yyyy-MM-DDTHH:mm:ss+TIMEZONE）", data["time_expire"])
        if expire <= current:
            raise ApiError(400, "INVALID_REQUEST", "订单已过期（time_expire）")
    else:
        expire = current + DEFAULT_EXPIRY
    fingerprint = json.dumps([description, total, data.get("time_expire"), notify_url, data.get("attach", "")],
                             ensure_ascii=False)
    with transaction.atomic():
        order = WxOrder.objects.select_for_update().filter(mchid=mchid, out_trade_no=out_trade_no).first()
        if order is None:
            order = WxOrder.objects.create(
                mchid=mchid, appid=appid, out_trade_no=out_trade_no, description=description, total=total,
                notify_url=notify_url, time_expire=expire, attach=data.get("attach", "") or "",
                request_fingerprint=fingerprint[:64] if len(fingerprint) <= 64 else _digest(fingerprint),
                code=secrets.token_urlsafe(6)[:8], code_expire=current + timedelta(seconds=CODE_URL_SECONDS))
        else:
            if order.trade_state in (WxOrder.State.SUCCESS, WxOrder.State.REFUND):
                raise ApiError(403, "ORDERPAID", "该订单已支付")
            if order.trade_state == WxOrder.State.CLOSED:
                raise ApiError(400, "ORDER_CLOSED", "订单已关闭")
            if order.request_fingerprint != (fingerprint if len(fingerprint) <= 64 else _digest(fingerprint)):
                raise ApiError(403, "OUT_TRADE_NO_USED", "商户订单号重复")
            if order.code_expire <= current:
                order.code = secrets.token_urlsafe(6)[:8]
                order.code_expire = current + timedelta(seconds=CODE_URL_SECONDS)
                order.save(update_fields=["code", "code_expire"])
    return 200, {"code_url": CODE_URL_PREFIX + order.code}


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


# --- query / close -------------------------------------------------------------------------------------------

def _mchid_param(request) -> str:
    mchid = request.GET.get("mchid", "")
    if mchid != settings.WECHATPAY_MCHID:
        raise param_error("mchid", "与请求商户号不一致", mchid)
    return mchid


@api_view("query", "GET")
def query(request, data, out_trade_no):
    order = _order(out_trade_no, _mchid_param(request))
    return 200, notify.transaction_resource(order)


@api_view("close", "POST")
def close(request, data, out_trade_no):
    if data.get("mchid") != settings.WECHATPAY_MCHID:
        raise param_error("mchid", "与请求商户号不一致", data.get("mchid"))
    with transaction.atomic():
        order = _order(out_trade_no, data["mchid"], lock=True)
        if order.trade_state in (WxOrder.State.SUCCESS, WxOrder.State.REFUND):
            raise ApiError(400, "ORDERPAID", "订单已支付，不能发起关单")
        if order.trade_state == WxOrder.State.NOTPAY:
            order.trade_state = WxOrder.State.CLOSED
            order.save(update_fields=["trade_state"])
    return 204, None


# --- paying (the scan page and __sim__) ----------------------------------------------------------------------

def pay(order_id: int) -> WxOrder:
    """The phone pays: NOTPAY and unexpired → SUCCESS with a transaction_id, and the payment notify."""
    with transaction.atomic():
        order = WxOrder.objects.select_for_update().get(pk=order_id)
        if order.trade_state != WxOrder.State.NOTPAY:
            raise ApiError(400, "ORDER_CLOSED" if order.trade_state == WxOrder.State.CLOSED else "ORDERPAID",
                           f"订单{order.get_trade_state_display()}，不能支付")
        if order.time_expire <= now():
            raise ApiError(400, "ORDER_CLOSED", "订单已过期，不能支付")
        order.trade_state, order.success_time = WxOrder.State.SUCCESS, now()
        order.transaction_id = "4200" + f"{secrets.randbelow(10 ** 24):024d}"
        order.save(update_fields=["trade_state", "success_time", "transaction_id"])
        notify.enqueue(order, "TRANSACTION.SUCCESS", notify.transaction_resource(order), order.notify_url,
                       hold=get_config().notify_hold)
    return order


# --- refunds -------------------------------------------------------------------------------------------------

def _refund_object(refund: WxRefund) -> dict:
    order = refund.order
    return {"refund_id": refund.refund_id, "out_refund_no": refund.out_refund_no,
            "transaction_id": order.transaction_id, "out_trade_no": order.out_trade_no, "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱", "create_time": notify.rfc3339(refund.created_time),
            "success_time": notify.rfc3339(refund.success_time) if refund.success_time else "",
            "status": refund.status, "funds_account": "AVAILABLE",
            "amount": {"total": order.total, "refund": refund.amount, "payer_total": order.total,
                       "payer_refund": refund.amount, "settlement_refund": refund.amount,
                       "settlement_total": order.total, "discount_refund": 0, "currency": "CNY", "from": []},
            "promotion_detail": []}


def settle_refund(refund_id: int) -> WxRefund:
    """PROCESSING → SUCCESS once due; the order's state becomes REFUND and the refund notify is sent."""
    with transaction.atomic():
        refund = WxRefund.objects.select_for_update().select_related("order").get(pk=refund_id)
        if refund.status != "PROCESSING" or refund.succeed_at > now():
            return refund
        refund.status, refund.success_time = "SUCCESS", now()
        refund.save(update_fields=["status", "success_time"])
        order = refund.order
        order.trade_state = WxOrder.State.REFUND
        order.save(update_fields=["trade_state"])
        resource = {"mchid": order.mchid, "out_trade_no": order.out_trade_no, "transaction_id": order.transaction_id,
                    "out_refund_no": refund.out_refund_no, "refund_id": refund.refund_id, "refund_status": "SUCCESS",
                    "success_time": notify.rfc3339(refund.success_time), "user_received_account": "支付用户零钱",
                    "amount": {"total": order.total, "refund": refund.amount, "payer_total": order.total,
                               "payer_refund": refund.amount}}
        notify.enqueue(order, "REFUND.SUCCESS", resource, refund.notify_url, hold=get_config().notify_hold)
    return refund


@api_view("refund", "POST")
def refund(request, data):
    out_refund_no = data.get("out_refund_no")
    if not isinstance(out_refund_no, str) or not OUT_REFUND_NO.fullmatch(out_refund_no):
        raise param_error("out_refund_no", "须为1-64位数字、字母或_-|*@", out_refund_no)
    amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
    value, total = amount.get("refund"), amount.get("total")
    for name, number in (("amount.refund", value), ("amount.total", total)):
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise param_error(name, "须为正整数（单位：分）", number)
    with transaction.atomic():
        if data.get("transaction_id"):
            order = WxOrder.objects.select_for_update().filter(transaction_id=data["transaction_id"]).first()
        else:
            order = WxOrder.objects.select_for_update().filter(out_trade_no=data.get("out_trade_no") or "",
                                                              mchid=settings.WECHATPAY_MCHID).first()
        if order is None:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        existing = WxRefund.objects.filter(out_refund_no=out_refund_no).first()
        if existing is not None:
            if existing.order_id != order.pk or existing.amount != value:
                raise ApiError(400, "INVALID_REQUEST", "退款单号已被使用，请求参数与原退款单不一致")
            refund_id = existing.pk
            transaction.on_commit(lambda: settle_refund(existing.pk))
        else:
            if order.trade_state not in (WxOrder.State.SUCCESS, WxOrder.State.REFUND):
                raise ApiError(400, "INVALID_REQUEST", "订单未支付或已关闭，不能退款")
            if total != order.total:
                raise ApiError(400, "INVALID_REQUEST", "您的请求参数与订单信息不一致")
            if order.refunded + value > order.total:
                raise ApiError(403, "NOT_ENOUGH", "退款金额超过订单可退金额")
            if order.refunds.count() >= 50:
                raise ApiError(403, "RULE_LIMIT", "部分退款次数已达上限（50次）")
            config = get_config()
            created = WxRefund.objects.create(
                order=order, out_refund_no=out_refund_no, amount=value, reason=(data.get("reason") or "")[:80],
                notify_url=data.get("notify_url") or "", refund_id="50" + f"{secrets.randbelow(10 ** 27):027d}",
                succeed_at=now() + timedelta(seconds=config.refund_delay_seconds))
            order.refunded += value
            order.save(update_fields=["refunded"])
            refund_id = created.pk
    return 200, _refund_object(WxRefund.objects.select_related("order").get(pk=refund_id))


@api_view("refund_query", "GET")
def refund_query(request, data, out_refund_no):
    row = WxRefund.objects.filter(out_refund_no=out_refund_no).first()
    if row is None:
        raise ApiError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
    return 200, _refund_object(settle_refund(row.pk))


def certificates(request):
    """A public-key-mode merchant has no platform certificates (§4.3)."""
    return answer(404, {"code": "RESOURCE_NOT_EXISTS", "message": "商户已切换为微信支付公钥模式，无平台证书"})


def run_due_work() -> dict:
    """Settle due refunds and deliver due notifies (the beat job, and __sim__ deliver-due)."""
    due = list(WxRefund.objects.filter(status="PROCESSING", succeed_at__lte=now()).values_list("pk", flat=True))
    for pk in due:
        settle_refund(pk)
    return {"refunds": len(due), "attempts": notify.deliver_due()}

