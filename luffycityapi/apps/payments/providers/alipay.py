"""Alipay, behind one module: the only place that imports python-alipay-sdk and the only code that knows Alipay's
wire format (field names, trade statuses, Beijing-time strings, the app_id/seller_id checks, the refund notice's
shape, the "success"/"fail" answer). The payment service sees the dataclasses of base.py only.

Everything here reads settings at call time. Every failure of the gateway (unreachable, too slow, unsigned or
badly signed answers, non-10000 codes where they mean failure) becomes one ProviderError with a stable code;
nothing from urllib or the SDK escapes as a traceback."""
import base64
import json
import logging
import socket
import time
import urllib.error
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest

from luffycityapi.core.keys import KeyFileError, read_private_key_pem, read_public_key_pem
from luffycityapi.core.money import money_str, parse_amount

from .base import (Claim, CloseResult, Notice, NotifyAnswer, PayRequest, ProviderError, RefundLookup, RefundResult,
                   Rejection, Trade)

logger = logging.getLogger("luffycityapi.payments.alipay")
BEIJING = ZoneInfo("Asia/Shanghai")
PAID_STATUSES = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})  # WAIT_BUYER_PAY / TRADE_CLOSED carry no money


class OpenSSLAliPay(AliPay):
    """The SDK with its RSA done by OpenSSL (`cryptography`) instead of pycryptodomex.

    Signing is the floor of the pay link: pycryptodomex signs ~950 times a second per core, OpenSSL ~3,800, and
    verifies ~20x faster (every notify and gateway answer). RSASSA-PKCS1-v1_5 is deterministic, so the signatures
    are byte-for-byte the SDK's own (tests/payments/test_signing_openssl.py); everything else (which fields are
    signed, their order, quoting) stays the SDK's code."""

    def _load_key(self):
        self._app_private_key = serialization.load_pem_private_key(self._app_private_key_string.encode(),
                                                                   password=None)
        self._alipay_public_key = serialization.load_pem_public_key(self._alipay_public_key_string.encode())

    def _hash(self):
        return hashes.SHA1() if self._sign_type == "RSA" else hashes.SHA256()

    def _sign(self, unsigned_string):
        signature = self.app_private_key.sign(unsigned_string.encode(), padding.PKCS1v15(), self._hash())
        return base64.b64encode(signature).decode()  # the SDK's encodebytes() minus its newlines

    def _verify(self, raw_content, signature):
        # decodebytes like the SDK: the same lenient base64 (and the same binascii.Error for garbage)
        raw_signature = base64.decodebytes(signature.encode())
        try:
            self.alipay_public_key.verify(raw_signature, raw_content.encode(), padding.PKCS1v15(), self._hash())
        except InvalidSignature:
            return False
        return True


@lru_cache(maxsize=4)
def _client(app_id, private_key_file, public_key_file, sign_type, timeout, gateway, notify_url) -> AliPay:
    client = OpenSSLAliPay(
        appid=app_id,
        app_notify_url=notify_url,
        app_private_key_string=read_private_key_pem(private_key_file),
        alipay_public_key_string=read_public_key_pem(public_key_file),
        sign_type=sign_type,
        config=AliPayConfig(timeout=timeout),
    )
    # The SDK has no option for its gateway; this is the one place that sets it (no "?" allowed: it appends one).
    client._gateway = gateway
    return client


def client() -> AliPay:
    """The SDK client for the current settings (cached while they stay the same). A missing or garbled key is a
    clear 503 (logged with the file's name, which the client never sees), not a crash."""
    try:
        return _client(settings.ALIPAY_APP_ID, settings.ALIPAY_APP_PRIVATE_KEY_FILE, settings.ALIPAY_PUBLIC_KEY_FILE,
                       settings.ALIPAY_SIGN_TYPE, settings.ALIPAY_TIMEOUT_SECONDS,
                       settings.ALIPAY_GATEWAY.split("?")[0], settings.ALIPAY_NOTIFY_URL)
    except KeyFileError as exc:
        logger.error("Alipay keys unusable: %s", exc)
        raise ProviderError("支付配置有误，暂时无法支付，请稍后再试", code="payment_config_invalid", status=503,
                            retryable=False) from exc


def check_keys() -> None:
    """Load both configured keys now, so a missing or garbled key stops the start, not the first payment."""
    read_private_key_pem(settings.ALIPAY_APP_PRIVATE_KEY_FILE)
    read_public_key_pem(settings.ALIPAY_PUBLIC_KEY_FILE)


def beijing_time(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def parse_beijing_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    except ValueError:
        return None


def _cashier_url(method: str, biz: dict) -> str:
    """The full gateway URL of a browser cashier method: common params, return/notify URLs and the signature."""
    order_string = client().client_api(method, biz_content=biz, return_url=settings.ALIPAY_RETURN_URL,
                                       notify_url=settings.ALIPAY_NOTIFY_URL)
    return f"{settings.ALIPAY_GATEWAY.split('?')[0]}?{order_string}"


def _order_biz(product_code: str, out_trade_no: str, total_amount: Decimal, subject: str,
               time_expire: datetime) -> dict:
    return {
        "out_trade_no": out_trade_no,
        "total_amount": money_str(total_amount),  # a "%.2f" string: the SDK cannot serialise Decimal
        "subject": subject[:256],
        "product_code": product_code,
        "time_expire": beijing_time(time_expire),
    }


def page_pay_url(*, out_trade_no: str, total_amount: Decimal, subject: str, time_expire: datetime) -> str:
    """The full gateway URL that opens Alipay's desktop cashier for this order (alipay.trade.page.pay)."""
    return _cashier_url("alipay.trade.page.pay",
                        _order_biz("FAST_INSTANT_TRADE_PAY", out_trade_no, total_amount, subject, time_expire))


def quit_url() -> str:
    """Where the phone cashier's "返回商家" leads: the student's unpaid orders, where this one can be paid again."""
    return f"{settings.SITE_URL}/user/orders?status=0"


def wap_pay_url(*, out_trade_no: str, total_amount: Decimal, subject: str, time_expire: datetime) -> str:
    """The full gateway URL that opens Alipay's phone (H5) cashier for this order (alipay.trade.wap.pay).
    product_code is set here, not by the SDK's wap method: that one sends QUICK_WAP_PAY, Alipay documents
    QUICK_WAP_WAY (docs/alipay-protocol.md §9.2)."""
    return _cashier_url("alipay.trade.wap.pay",
                        {**_order_biz("QUICK_WAP_WAY", out_trade_no, total_amount, subject, time_expire),
                         "quit_url": quit_url()})


# The cashier each device the SPA names gets.
CASHIERS = {"desktop": page_pay_url, "mobile": wap_pay_url}


def pay_url(*, device: str, out_trade_no: str, total_amount: Decimal, subject: str, time_expire: datetime) -> str:
    """The cashier URL for this device: desktop → page pay (QR / login), mobile → wap pay (the H5 cashier)."""
    return CASHIERS[device](out_trade_no=out_trade_no, total_amount=total_amount, subject=subject,
                            time_expire=time_expire)


def verify(params: dict) -> bool:
    """Check a return/notify's RSA2 signature, on a copy: `sign` and `sign_type` are not signed, and neither are
    empty values (Alipay drops them; the SDK would not). Anything malformed is simply unverified."""
    if not isinstance(params, dict):
        return False
    signature = params.get("sign")
    if not isinstance(signature, str) or not signature:
        return False
    if params.get("sign_type", settings.ALIPAY_SIGN_TYPE) != settings.ALIPAY_SIGN_TYPE:
        return False
    data = {k: v for k, v in params.items() if k not in ("sign", "sign_type") and v not in ("", None)}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        return False
    try:
        return bool(client().verify(data, signature))
    except (AliPayException, ValueError, TypeError, IndexError):
        return False


def _call(method: str, **biz) -> dict:
    """_send, logged: one INFO line (call, order, outcome, time) for a reader; the parameters and the whole answer
    at DEBUG only."""
    started = time.monotonic()
    order = biz.get("out_trade_no", "")
    try:
        node = _send(method, **biz)
    except ProviderError as exc:
        logger.warning("%s order=%s outcome=%s %d ms", method, order, exc.code, (time.monotonic() - started) * 1000)
        logger.debug("%s biz=%s error=%s", method, biz, exc.raw)
        raise
    outcome = node.get("sub_code") or node.get("trade_status") or ("ok" if node.get("code") == "10000" else
                                                                   node.get("code", "?"))
    logger.info("%s order=%s outcome=%s %d ms", method, order, outcome, (time.monotonic() - started) * 1000)
    logger.debug("%s biz=%s answer=%s", method, biz, node)
    return node


def _send(method: str, **biz) -> dict:
    """One signed server call; returns the verified `*_response` node or raises ProviderError."""
    api = client()
    try:
        return api.server_api(method, biz_content={k: v for k, v in biz.items() if v is not None})
    except AliPayValidationError as exc:
        raise ProviderError("支付网关应答签名无效", code="gateway_bad_signature") from exc
    except AliPayException as exc:  # unsigned gateway-level errors (40001/40002/...); the SDK keeps no attributes
        raise ProviderError(f"支付网关拒绝请求：{_short(str(exc))}", code="gateway_rejected",
                            retryable=False, raw=_short(str(exc))) from exc
    except (socket.timeout, TimeoutError) as exc:
        raise ProviderError("支付网关响应超时", code="gateway_timeout", status=503) from exc
    except urllib.error.HTTPError as exc:
        raise ProviderError(f"支付网关返回 HTTP {exc.code}", code="gateway_http_error", status=503) from exc
    except (urllib.error.URLError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise ProviderError("支付网关响应超时", code="gateway_timeout", status=503) from exc
        raise ProviderError("无法连接支付网关", code="gateway_unreachable", status=503) from exc
    except (ValueError, KeyError, AttributeError, TypeError) as exc:  # not JSON / not Alipay-shaped
        raise ProviderError("支付网关应答格式无效", code="gateway_bad_response") from exc


def _short(text, limit=500) -> str:
    text = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False, default=str)
    return text[:limit]


def _business_error(node: dict, method: str) -> ProviderError:
    code, sub_code = node.get("code", ""), node.get("sub_code", "")
    retryable = code == "20000" or sub_code in ("ACQ.SYSTEM_ERROR", "aop.unknow-error", "isp.unknow-error")
    return ProviderError(f"支付网关错误 {method}: {sub_code or code} {node.get('sub_msg', '')}".strip(),
                         code="gateway_error", status=503 if retryable else 502, retryable=retryable, raw=node)


def _summary(node: dict) -> str:
    """One word for an answer's record: the trade's status, else the answer's code."""
    return str(node.get("trade_status") or node.get("code") or "ok")


def _trade(node: dict, *, paid_at_field: str) -> Trade:
    status = node.get("trade_status", "")
    return Trade(exists=True, paid=status in PAID_STATUSES, closed=status == "TRADE_CLOSED", status=status,
                 trade_no=node.get("trade_no", ""), amount=parse_amount(node.get("total_amount")),
                 paid_at=parse_beijing_time(node.get(paid_at_field)), summary=_summary(node), raw=node)


def query(out_trade_no: str) -> Trade:
    """alipay.trade.query: the trade's status; a trade the buyer never opened does not exist yet."""
    node = _call("alipay.trade.query", out_trade_no=out_trade_no)
    if node.get("code") == "10000":
        return _trade(node, paid_at_field="send_pay_date")
    if node.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
        return Trade(exists=False, summary=_summary(node), raw=node)
    raise _business_error(node, "alipay.trade.query")


def close(out_trade_no: str) -> CloseResult:
    """alipay.trade.close: closed, not_exist (never opened: nothing to close) or already_paid."""
    node = _call("alipay.trade.close", out_trade_no=out_trade_no)
    if node.get("code") == "10000":
        return CloseResult.CLOSED
    if node.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
        return CloseResult.NOT_EXIST
    if node.get("sub_code") in ("ACQ.TRADE_STATUS_ERROR", "ACQ.TRADE_HAS_SUCCESS"):
        return CloseResult.ALREADY_PAID
    raise _business_error(node, "alipay.trade.close")


def refund(*, out_trade_no: str, amount: Decimal, out_request_no: str, reason: str = "") -> RefundResult:
    """alipay.trade.refund with an idempotency key; money moved only when fund_change is "Y"."""
    node = _call("alipay.trade.refund", out_trade_no=out_trade_no, refund_amount=money_str(amount),
                 out_request_no=out_request_no, refund_reason=reason[:256] or None)
    if node.get("code") == "10000":
        return RefundResult(moved=node.get("fund_change") == "Y", amount=parse_amount(node.get("refund_fee")),
                            summary=_summary(node), raw=node)
    raise _business_error(node, "alipay.trade.refund")


def refund_query(*, out_trade_no: str, out_request_no: str) -> RefundLookup:
    """alipay.trade.fastpay.refund.query: a refund exists only when the answer carries its amount."""
    node = _call("alipay.trade.fastpay.refund.query", out_trade_no=out_trade_no, out_request_no=out_request_no)
    if node.get("code") == "10000":
        amount = parse_amount(node.get("refund_amount"))
        found = amount is not None and node.get("refund_status", "REFUND_SUCCESS") == "REFUND_SUCCESS"
        return RefundLookup(found=found, amount=amount, summary=_summary(node), raw=node)
    raise _business_error(node, "alipay.trade.fastpay.refund.query")


# --- inbound messages: the return's parameters and the notify's form -----------------------------------------

def claim(params: dict) -> Claim:
    return Claim(order_number=str(params.get("out_trade_no", "")), trade_no=str(params.get("trade_no", "")),
                 amount=parse_amount(params.get("total_amount")))


def _check_signed(params: dict) -> Rejection | None:
    """Signature, app_id and seller_id (when configured): None when all hold."""
    if not verify(params):
        return Rejection("bad_signature", signed=False)
    if params.get("app_id") != settings.ALIPAY_APP_ID:
        return Rejection("wrong_app_id", signed=True)
    if settings.ALIPAY_SELLER_ID and params.get("seller_id") != settings.ALIPAY_SELLER_ID:
        return Rejection("wrong_seller_id", signed=True)
    return None


def parse_return(params: dict) -> Notice | Rejection:
    """The return URL's parameters: signed like a notify, but they carry no trade status (the service asks
    trade.query before believing anything)."""
    rejection = _check_signed(params)
    if rejection:
        return rejection
    return Notice(order_number=params.get("out_trade_no") or "",
                  trade=Trade(exists=True, trade_no=str(params.get("trade_no", "")),
                              amount=parse_amount(params.get("total_amount")), raw=params))


def parse_notify(params: dict, *, malformed: str = "") -> Notice | Rejection:
    """An asynchronous notification. A refund's notice (refund_fee / out_biz_no) carries the trade's original
    status and total_amount, so it is marked as a refund notice rather than read as a payment."""
    if malformed:
        return Rejection(malformed, signed=False)
    rejection = _check_signed(params)
    if rejection:
        return rejection
    status = params.get("trade_status", "")
    trade = Trade(exists=True, paid=status in PAID_STATUSES, closed=status == "TRADE_CLOSED",
                  status=status or "no trade_status", trade_no=params.get("trade_no") or "",
                  amount=parse_amount(params.get("total_amount")),
                  paid_at=parse_beijing_time(params.get("gmt_payment")), summary=status or "ok", raw=params)
    return Notice(order_number=params.get("out_trade_no") or "", trade=trade,
                  refund=bool(params.get("refund_fee") or params.get("out_biz_no")))


def read_notify(request: HttpRequest) -> tuple[dict | None, str]:
    """Alipay posts a UTF-8 form with each key once. The raw Django form is read (never DRF's parsed data, so
    nothing is coerced); anything else is malformed. An unreadable body gives no parameters at all."""
    try:
        form = request.POST
        malformed = ""
        if request.content_type != "application/x-www-form-urlencoded":
            malformed = "wrong_content_type"
        elif any(len(values) != 1 for _, values in form.lists()):
            malformed = "repeated_keys"
        return form.dict(), malformed
    except (BadRequest, RequestDataTooBig, TooManyFieldsSent, SuspiciousOperation, UnicodeDecodeError,
            ValueError) as exc:  # BadRequest: Django refuses a form declared in a charset other than UTF-8
        logger.warning("unreadable notify: %s", exc.__class__.__name__)
        return None, "unreadable"


def notify_answer(accepted: bool) -> NotifyAnswer:
    """Alipay stops retrying on the plain-text body "success"; anything else is retried (up to 25 hours)."""
    return NotifyAnswer("success" if accepted else "fail", "text/plain; charset=utf-8")


# Labels for the admin (payments.labels): the trade statuses and public answer codes Alipay's records carry.
CODE_LABELS = {
    "WAIT_BUYER_PAY": "等待买家付款",
    "TRADE_SUCCESS": "支付成功",
    "TRADE_FINISHED": "交易完结",
    "TRADE_CLOSED": "交易关闭",
    "10000": "接口调用成功",
    "20000": "支付宝服务不可用",
    "20001": "授权权限不足",
    "40001": "缺少必选参数",
    "40002": "非法的参数",
    "40004": "业务处理失败",
    "40006": "权限不足",
}


class AlipayProvider:
    """The protocol of base.PaymentProvider over this module's functions."""

    name = "alipay"
    title = "支付宝"
    key_fields = ("out_trade_no", "trade_no", "trade_status", "total_amount", "app_id", "seller_id", "notify_id",
                  "notify_time", "sign_type", "sign")
    code_labels = CODE_LABELS

    def __init__(self, *, pay_type: int):
        self.pay_type = pay_type

    def pay_url(self, request: PayRequest, *, device: str = "desktop") -> str:
        return pay_url(device=device, out_trade_no=request.order_number, total_amount=request.amount,
                       subject=request.subject, time_expire=request.expire_at)

    claim = staticmethod(claim)
    parse_notify = staticmethod(parse_notify)
    parse_return = staticmethod(parse_return)
    read_notify = staticmethod(read_notify)
    notify_answer = staticmethod(notify_answer)

    def query(self, order_number: str) -> Trade:
        return query(out_trade_no=order_number)

    def close(self, order_number: str) -> CloseResult:
        return close(out_trade_no=order_number)

    def refund(self, *, order_number: str, amount: Decimal, request_no: str, reason: str = "",
               total: Decimal | None = None) -> RefundResult:
        return refund(out_trade_no=order_number, amount=amount, out_request_no=request_no, reason=reason)

    def refund_query(self, *, order_number: str, request_no: str) -> RefundLookup:
        return refund_query(out_trade_no=order_number, out_request_no=request_no)
