"""`gateway.do`: parse the request like Alipay (S4), validate the common params in Alipay's order with unsigned
error envelopes (S5/S6), then run the method: page.pay answers the browser (HTML / 302), the server APIs answer
signed JSON envelopes (S16–S21). wap.pay (the phone cashier, §9) is page.pay with another product_code and
cashier, on the same code path."""
import json
import re
import time
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse

from . import notify, services, signing, state
from .models import SandboxFault, SandboxTrade
from .services import BusinessError

BROWSER_METHODS = tuple(SandboxTrade.Method.values)  # page.pay and wap.pay: answered with pages, not JSON
SERVER_METHODS = ("alipay.trade.query", "alipay.trade.close", "alipay.trade.refund",
                  "alipay.trade.fastpay.refund.query")
CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "gbk": "gbk", "gb2312": "gb2312"}
REQUIRED = (("method", "isv.missing-method", "缺少方法名参数"),
            ("sign", "isv.missing-signature", "缺少签名参数"),
            ("sign_type", "isv.missing-signature-type", "缺少签名类型参数"),
            ("app_id", "isv.missing-app-id", "缺少AppID参数"),
            ("timestamp", "isv.missing-timestamp", "缺少时间戳参数"),
            ("version", "isv.missing-version", "缺少版本参数"))
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MAX_FAULT_SLEEP_SECONDS = 120.0
# The amount a `wrong_amount` fault moves by 1.00 in each method's answer (the one a merchant must compare).
WRONG_AMOUNT_FIELDS = {"alipay.trade.query": "total_amount", "alipay.trade.fastpay.refund.query": "refund_amount",
                       "alipay.trade.refund": "refund_fee"}
CONTENT_TYPE = "text/html;charset=utf-8"


@dataclass
class GatewayError(Exception):
    """A gateway-level refusal: Alipay answers these unsigned."""

    code: str
    sub_code: str
    sub_msg: str
    node: str = "error_response"

    @property
    def msg(self) -> str:
        return {"40001": "Missing Required Arguments", "40002": "Invalid Arguments",
                "40003": "Insufficient Conditions"}[self.code]


def node_name(method: str) -> str:
    """alipay.trade.query → alipay_trade_query_response."""
    return method.replace(".", "_") + "_response"


def envelope(node: str, body: dict, *, signed: bool, sign_type: str = "RSA2", corrupt: bool = False) -> str:
    """`{"<node>":<compact json>,"sign":"…"}` with the signature over exactly the node's bytes (S16)."""
    node_json = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    if not signed:
        return '{"' + node + '":' + node_json + "}"
    signature = signing.sign(node_json, sign_type)
    if corrupt:
        signature = signing.corrupt(signature)
    return '{"' + node + '":' + node_json + ',"sign":"' + signature + '"}'


def json_response(text: str, status: int = 200) -> HttpResponse:
    """Alipay labels its JSON answers text/html."""
    return HttpResponse(text.encode("utf-8"), status=status, content_type=CONTENT_TYPE)


# --- S4: one parameter dict from query string and body, decoded in the request's charset ----------------------

def _raw_pairs(request: HttpRequest, encoding: str) -> list[tuple[str, str]]:
    pairs = parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True, encoding=encoding,
                      errors="strict")
    if request.method == "POST":
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            pairs += parse_qsl(request.body.decode("latin-1"), keep_blank_values=True, encoding=encoding,
                               errors="strict")
        elif content_type.startswith("multipart/form-data"):
            pairs += [(k, v) for k, values in request.POST.lists() for v in values]
    return pairs


def parse_params(request: HttpRequest) -> dict:
    """All params, query string and body merged; unknown charset → isv.invalid-charset; a key sent twice with
    different values → isv.suspected-attack (nothing legitimate does that)."""
    # The charset value is ASCII, so a latin-1 pass finds it before we know how to decode the rest.
    declared = dict(_raw_pairs(request, "latin-1")).get("charset", "") or "utf-8"
    encoding = CHARSETS.get(declared.lower())
    if encoding is None:
        raise GatewayError("40002", "isv.invalid-charset", f"字符集错误：不支持的字符集 {declared}")
    try:
        pairs = _raw_pairs(request, encoding)
    except UnicodeDecodeError:
        raise GatewayError("40002", "isv.invalid-charset", f"参数无法按字符集 {declared} 解码") from None
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params and params[key] != value:
            raise GatewayError("40002", "isv.suspected-attack", f"参数 {key} 重复且取值不同，可能存在非法攻击")
        params[key] = value
    return params


# --- S5: common params, in Alipay's order ---------------------------------------------------------------------

def check_common(params: dict) -> str:
    """Validate the common params and the signature; returns the method."""
    method = params.get("method") or ""
    node = node_name(method) if method in (*BROWSER_METHODS, *SERVER_METHODS) else "error_response"
    for name, sub_code, sub_msg in REQUIRED:
        if not params.get(name):
            raise GatewayError("40001", sub_code, sub_msg, node)
    if params["app_id"] != settings.ALIPAY_APP_ID:
        raise GatewayError("40002", "isv.invalid-app-id", "无效的AppID参数", node)
    if params["sign_type"] not in signing.SIGN_TYPES:
        raise GatewayError("40002", "isv.invalid-signature-type", "无效的签名类型参数", node)
    if params["sign_type"] != state.app_sign_type():
        raise GatewayError("40003", "isv.missing-signature-config", "应用未配置对应签名算法的公钥或者证书", node)
    if not _TIMESTAMP.match(params["timestamp"]):
        raise GatewayError("40002", "isv.invalid-timestamp", "非法的时间戳参数", node)
    if method not in (*BROWSER_METHODS, *SERVER_METHODS):
        raise GatewayError("40002", "isv.invalid-method", "不存在的方法名", node)
    content = signing.request_sign_content(params)
    charset = CHARSETS[(params.get("charset") or "utf-8").lower()]
    if not signing.verify_app_signature(content, params["sign"], params["sign_type"], charset):
        raise GatewayError("40002", "isv.invalid-signature",
                           "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：" + content,
                           node)
    return method


def parse_biz(params: dict, node: str) -> dict:
    """biz_content as a JSON object; decimals stay exact (Decimal), never floats."""
    text = params.get("biz_content") or "{}"
    try:
        biz = json.loads(text, parse_float=Decimal)
    except ValueError:
        biz = None
    if not isinstance(biz, dict):
        raise GatewayError("40002", "isv.invalid-parameter", "参数有误：biz_content 不是合法的JSON对象", node)
    return biz


def take_fault(method: str) -> SandboxFault | None:
    """Consume one injected fault for this method (or "*"), oldest first."""
    with transaction.atomic():
        fault = (SandboxFault.objects.select_for_update()
                 .filter(Q(method=method) | Q(method="*"), remaining__gt=0).order_by("pk").first())
        if fault is not None:
            fault.remaining -= 1
            fault.save(update_fields=["remaining"])
        return fault


# --- entry point -------------------------------------------------------------------------------------------------

def handle(request: HttpRequest) -> HttpResponse:
    """Answer one gateway.do request exactly as Alipay would (HTML for the browser methods, JSON otherwise)."""
    # Known before parsing, so that even a charset error reaches a browser as a page, not JSON.
    is_page = bool({request.GET.get("method"), request.POST.get("method")} & set(BROWSER_METHODS))
    try:
        params = parse_params(request)
        method = check_common(params)
        biz = parse_biz(params, node_name(method))
    except GatewayError as error:
        if is_page:
            return error_page(request, error.sub_code, error.sub_msg)
        body = {"code": error.code, "msg": error.msg, "sub_code": error.sub_code, "sub_msg": error.sub_msg}
        return json_response(envelope(error.node, body, signed=False))
    with notify.db_guard():
        fault = take_fault(method)
    if fault and fault.kind == SandboxFault.Kind.HTTP_500:
        return HttpResponse("Internal Server Error", status=500, content_type="text/plain")
    if fault and fault.kind == SandboxFault.Kind.DELAY:
        # Slow on the way in: nothing is done yet, so whatever happens meanwhile (a payment, a close) is what
        # the call then sees — how tests put an event between two of the shop's calls.
        time.sleep(min(fault.seconds, MAX_FAULT_SLEEP_SECONDS))
    if is_page:
        response = _page_pay(request, method, params, biz, fault)
    else:
        response = _server_api(method, params, biz, fault)
    if fault and fault.kind == SandboxFault.Kind.SLEEP:
        # The call has been processed; only the answer is late (what a client timeout really means).
        time.sleep(min(fault.seconds, MAX_FAULT_SLEEP_SECONDS))
    return response


def error_page(request: HttpRequest, sub_code: str, message: str) -> HttpResponse:
    """Alipay's browser error page: HTTP 200, HTML, never JSON (S7)."""
    html = render_to_string("alipay_sandbox/error.html", {"sub_code": sub_code, "message": message}, request)
    return HttpResponse(html, content_type=CONTENT_TYPE)


def _page_pay(request, method: str, params: dict, biz: dict, fault) -> HttpResponse:
    """page.pay and wap.pay: validate, open (or re-use) the order, 302 to its cashier; errors are HTML pages."""
    if fault and fault.kind in (SandboxFault.Kind.SYSTEM_ERROR, SandboxFault.Kind.UNSIGNED_ERROR):
        return error_page(request, "ACQ.SYSTEM_ERROR", "系统繁忙，请稍后再试")
    try:
        with notify.db_guard():
            page_request = services.validate_page_pay(params["app_id"], params, biz, state.sandbox_now(), method)
            trade = services.open_page_pay(page_request)
    except BusinessError as error:
        return error_page(request, error.sub_code, error.sub_msg)
    return HttpResponseRedirect(reverse("alipay_sandbox:cashier", args=[trade.token]))


def _server_api(method: str, params: dict, biz: dict, fault) -> HttpResponse:
    node = node_name(method)
    sign_type = params["sign_type"]
    if fault and fault.kind == SandboxFault.Kind.UNSIGNED_ERROR:
        body = {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-parameter",
                "sub_msg": "参数有误（__sim__ 注入的故障）"}
        return json_response(envelope(node, body, signed=False))
    if fault and fault.kind == SandboxFault.Kind.SYSTEM_ERROR:
        body = {"code": "20000", "msg": "Service Currently Unavailable", "sub_code": "ACQ.SYSTEM_ERROR",
                "sub_msg": "系统错误"}
        return json_response(envelope(node, body, signed=True, sign_type=sign_type))
    handler = {"alipay.trade.query": api_query, "alipay.trade.close": api_close,
               "alipay.trade.refund": api_refund, "alipay.trade.fastpay.refund.query": api_refund_query}[method]
    app_id = params["app_id"]
    try:
        with notify.db_guard():
            fields = handler(app_id, biz)
        field = WRONG_AMOUNT_FIELDS.get(method)
        if fault and fault.kind == SandboxFault.Kind.WRONG_AMOUNT and field and field in fields:
            fields[field] = state.fmt_amount(Decimal(fields[field]) + 1)  # signed below like any answer
        body = {"code": "10000", "msg": "Success", **dict(sorted(fields.items()))}
    except BusinessError as error:
        body = {"code": "40004", "msg": "Business Failed", "sub_code": error.sub_code, "sub_msg": error.sub_msg,
                **dict(sorted(_error_extras(method, biz).items()))}
    corrupt = bool(fault and fault.kind == SandboxFault.Kind.BAD_SIGNATURE)
    return json_response(envelope(node, body, signed=True, sign_type=sign_type, corrupt=corrupt))


def _error_extras(method: str, biz: dict) -> dict:
    """The fields Alipay still puts into a failed answer (§4.3/§4.4)."""
    extras = {}
    if biz.get("out_trade_no"):
        extras["out_trade_no"] = str(biz["out_trade_no"])
    if method == "alipay.trade.query":
        extras.update(buyer_pay_amount="0.00", invoice_amount="0.00", point_amount="0.00", receipt_amount="0.00")
    elif method == "alipay.trade.refund":
        extras.update(refund_fee="0.00", send_back_fee="0.00")
    return extras


# --- the server APIs: each returns the success fields or raises BusinessError ----------------------------------

def _query_options(biz: dict) -> list:
    options = biz.get("query_options") or []
    return options if isinstance(options, list) else []


def api_query(app_id: str, biz: dict) -> dict:
    """alipay.trade.query (§4.3): TRADE_NOT_EXIST until the buyer logged in on the cashier."""
    services.expire_by_lookup(app_id, biz)
    trade = services.find_trade(app_id, biz)
    if trade is None or not trade.is_trade:
        raise BusinessError("ACQ.TRADE_NOT_EXIST", "交易不存在")
    paid = trade.gmt_payment is not None
    amount = state.fmt_amount(trade.total_amount) if paid else "0.00"
    fields = {
        "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no, "trade_status": trade.status,
        "total_amount": state.fmt_amount(trade.total_amount), "buyer_logon_id": trade.buyer_logon_id,
        "buyer_user_id": trade.buyer_id, "buyer_user_type": "PRIVATE", "buyer_pay_amount": amount,
        "invoice_amount": amount, "receipt_amount": amount, "point_amount": "0.00",
    }
    if paid:
        fields["send_pay_date"] = state.fmt_time(trade.gmt_payment)
        if "fund_bill_list" in _query_options(biz):
            fields["fund_bill_list"] = [{"amount": amount, "fund_channel": "ALIPAYACCOUNT"}]
    return fields


def api_close(app_id: str, biz: dict) -> dict:
    """alipay.trade.close (§4.6)."""
    trade = services.api_close(app_id, biz)
    return {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}


def api_refund(app_id: str, biz: dict) -> dict:
    """alipay.trade.refund (§4.4); a repeated out_request_no answers fund_change "N"."""
    result = services.api_refund(app_id, biz)
    trade, refund = result.trade, result.refund
    return {
        "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no, "buyer_logon_id": trade.buyer_logon_id,
        "buyer_user_id": trade.buyer_id, "fund_change": "Y" if result.fund_change else "N",
        "gmt_refund_pay": state.fmt_time(refund.gmt_refund_pay), "refund_fee": state.fmt_amount(trade.refund_fee),
        "send_back_fee": state.fmt_amount(refund.refund_amount if result.fund_change else 0),
    }


def api_refund_query(app_id: str, biz: dict) -> dict:
    """alipay.trade.fastpay.refund.query (§4.5): an unknown out_request_no is 10000 without refund fields."""
    out_request_no = biz.get("out_request_no")
    if not out_request_no:
        raise services.invalid("缺少必选参数 out_request_no")
    trade = services.find_trade(app_id, biz)
    if trade is None or not trade.is_trade:
        raise BusinessError("ACQ.TRADE_NOT_EXIST", "交易不存在")
    fields = {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}
    refund = trade.refunds.filter(out_request_no=str(out_request_no)).first()
    if refund is not None:
        fields.update(out_request_no=refund.out_request_no, refund_amount=state.fmt_amount(refund.refund_amount),
                      total_amount=state.fmt_amount(trade.total_amount), refund_status="REFUND_SUCCESS")
        if "gmt_refund_pay" in _query_options(biz):
            fields["gmt_refund_pay"] = state.fmt_time(refund.gmt_refund_pay)
    return fields

