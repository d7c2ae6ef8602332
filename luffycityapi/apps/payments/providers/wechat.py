"""WeChat Pay API v3, Native (扫码) pay, behind one module: the only place that imports wechatpayv3 and the only code
that knows WeChat Pay's wire format (integer fen, RFC 3339 times, trade_state words, the AES-GCM notify resource,
the 204 / {"code": "FAIL"} answer). The payment service sees the dataclasses of base.py only.

Public-key mode (微信支付公钥, shared/docs/wechatpay-protocol.md §4.3): the WeChat Pay public key and its PUB_KEY_ID_
are configured, so the client never downloads platform certificates (the library would do so at construction and
for any unknown serial). Everything reads settings at call time; every gateway failure becomes one ProviderError
with a stable code (the library raises bare Exception and returns non-2xx answers instead of raising)."""
import json
import logging
import time
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.http import HttpRequest
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import aes_decrypt

from luffycityapi.core.keys import KeyFileError, read_private_key_pem, read_public_key_pem

from .base import (Claim, CloseResult, Notice, NotifyAnswer, PayRequest, ProviderError, RefundLookup, RefundResult,
                   Rejection, Trade)

logger = logging.getLogger("luffycityapi.payments.wechat")
BEIJING = ZoneInfo("Asia/Shanghai")
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
PAID_STATES = frozenset({"SUCCESS", "REFUND"})  # REFUND: paid, then (part) refunded
CLOSED_STATES = frozenset({"CLOSED", "REVOKED"})
NOT_FOUND_CODES = frozenset({"ORDER_NOT_EXIST", "ORDERNOTEXIST", "RESOURCE_NOT_EXISTS"})
NOTIFY_HEADERS = ("Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial",
                  "Wechatpay-Signature-Type")
FEN = Decimal(100)


# --- money and time at the wire ------------------------------------------------------------------------------

def to_fen(amount: Decimal) -> int:
    """Decimal yuan → integer fen, exactly (no float anywhere); an amount with more than two decimals is refused
    rather than rounded."""
    fen = Decimal(amount) * FEN
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} has more than two decimals")
    return int(fen)


def from_fen(fen) -> Decimal | None:
    """Integer fen → Decimal yuan with two places; None for anything that is not a JSON integer."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        return None
    return (Decimal(fen) / FEN).quantize(Decimal("0.01"))


def rfc3339(moment: datetime) -> str:
    """The moment as WeChat writes times: RFC 3339, Beijing offset, whole seconds (2026-12-04T09:15:00+08:00)."""
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")


def parse_rfc3339(text) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


# --- keys and the client -------------------------------------------------------------------------------------

def read_apiv3_key(path) -> str:
    """The APIv3 key: exactly 32 ASCII characters (used as raw AES-256 key bytes), a trailing newline allowed."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("ascii").strip()
    except OSError as exc:
        raise KeyFileError(f"cannot read the WeChat Pay APIv3 key file {path}: {exc.strerror}. "
                           f"Run `python manage.py wechatpay_keys` for dev keys.") from exc
    except UnicodeDecodeError as exc:
        raise KeyFileError(f"{path} is not a WeChat Pay APIv3 key (32 ASCII characters)") from exc
    if len(text) != 32:
        raise KeyFileError(f"{path} is not a WeChat Pay APIv3 key: {len(text)} characters, not 32")
    return text


def merchant_private_key_pem(path) -> str:
    """The merchant API key as PKCS#8 PEM with LF line ends: wechatpayv3 loads only that (a PKCS#1 or CRLF file
    fails inside it with a bare Exception), so any PEM that loads is normalised here once."""
    pem = read_private_key_pem(path)
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def check_keys() -> None:
    """Load the three configured WeChat Pay secrets now, so a missing or garbled one stops the start."""
    merchant_private_key_pem(settings.WECHATPAY_PRIVATE_KEY_FILE)
    read_public_key_pem(settings.WECHATPAY_PUBLIC_KEY_FILE)
    read_apiv3_key(settings.WECHATPAY_APIV3_KEY_FILE)


def enabled() -> bool:
    """WeChat Pay is offered only with a merchant number configured (production leaves it unset by default)."""
    return bool(getattr(settings, "WECHATPAY_MCHID", ""))


@lru_cache(maxsize=4)
def _client(mchid, appid, private_key_file, serial_no, public_key_file, public_key_id, apiv3_key_file, gateway,
            notify_url, timeout) -> WeChatPay:
    client = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE, mchid=mchid, appid=appid,
        private_key=merchant_private_key_pem(private_key_file), cert_serial_no=serial_no,
        apiv3_key=read_apiv3_key(apiv3_key_file), notify_url=notify_url,
        public_key=read_public_key_pem(public_key_file), public_key_id=public_key_id,
        timeout=(timeout, timeout),  # the library's default is to wait forever
    )
    # The library has no gateway option: its base URL is this attribute (protocol doc §8.3), set in this one place.
    client._core._gate_way = gateway.rstrip("/")
    return client


def client() -> WeChatPay:
    """The SDK client for the current settings (cached while they stay the same). A missing or garbled key is a
    clear 503 (logged with the file's name, which the client never sees), not a crash."""
    try:
        return _client(settings.WECHATPAY_MCHID, settings.WECHATPAY_APPID, settings.WECHATPAY_PRIVATE_KEY_FILE,
                       settings.WECHATPAY_CERT_SERIAL_NO, settings.WECHATPAY_PUBLIC_KEY_FILE,
                       settings.WECHATPAY_PUBLIC_KEY_ID, settings.WECHATPAY_APIV3_KEY_FILE,
                       settings.WECHATPAY_GATEWAY, settings.WECHATPAY_NOTIFY_URL, settings.WECHATPAY_TIMEOUT_SECONDS)
    except KeyFileError as exc:
        logger.error("WeChat Pay keys unusable: %s", exc)
        raise ProviderError("支付配置有误，暂时无法支付，请稍后再试", code="payment_config_invalid", status=503,
                            retryable=False) from exc


# --- outbound calls ------------------------------------------------------------------------------------------

def _call(name: str, order: str, call, **kwargs) -> tuple[int, dict]:
    """One library call, logged (one INFO line; bodies at DEBUG): (HTTP status, JSON body or {}). Network
    failures, an unsigned or badly signed 2xx and unreadable answers become ProviderError."""
    started = time.monotonic()
    try:
        status, body = call(**kwargs)
    except requests.Timeout as exc:
        raise _logged(name, order, started, ProviderError("支付网关响应超时", code="gateway_timeout", status=503)) from exc
    except requests.RequestException as exc:
        raise _logged(name, order, started,
                      ProviderError("无法连接支付网关", code="gateway_unreachable", status=503)) from exc
    except Exception as exc:  # noqa: BLE001 - wechatpayv3 raises bare Exception (bad signature on a 2xx, ...)
        code = "gateway_bad_signature" if "signature" in str(exc) or "algorithm" in str(exc) else "gateway_error"
        raise _logged(name, order, started, ProviderError("支付网关应答签名无效" if code == "gateway_bad_signature"
                                                          else "支付网关调用失败", code=code, raw=str(exc)[:500])) from exc
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise _logged(name, order, started, ProviderError("支付网关应答格式无效", code="gateway_bad_response",
                                                          raw=str(body)[:500]))
    logger.info("%s order=%s outcome=%s %d ms", name, order, data.get("trade_state") or data.get("status")
                or data.get("code") or status, (time.monotonic() - started) * 1000)
    logger.debug("%s kwargs=%s answer=%s", name, kwargs, data)
    return status, data


def _logged(name: str, order: str, started: float, exc: ProviderError) -> ProviderError:
    logger.warning("%s order=%s outcome=%s %d ms", name, order, exc.code, (time.monotonic() - started) * 1000)
    return exc


def _error(name: str, status: int, data: dict) -> ProviderError:
    """A non-2xx answer: retryable when WeChat says it is its own trouble (5xx) or asks us to slow down (429)."""
    retryable = status >= 500 or status == 429
    return ProviderError(f"支付网关错误 {name}: {data.get('code', status)} {data.get('message', '')}".strip(),
                         code="gateway_error", status=503 if retryable else 502, retryable=retryable,
                         raw={"http_status": status, **data})


def native_code_url(request: PayRequest) -> str:
    """POST /v3/pay/transactions/native: the code_url to show as a QR code. Calling again with the same order and
    the same parameters (all derived from the order) gives a code_url again, as WeChat allows."""
    status, data = _call("native", request.order_number, client().pay, description=request.subject[:127] or "订单",
                         out_trade_no=request.order_number,
                         amount={"total": to_fen(request.amount), "currency": "CNY"},
                         time_expire=rfc3339(request.expire_at))
    if status == 200 and isinstance(data.get("code_url"), str) and data["code_url"]:
        return data["code_url"]
    raise _error("native", status, data)


def _trade(data: dict) -> Trade:
    state = str(data.get("trade_state", ""))
    amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
    return Trade(exists=True, paid=state in PAID_STATES, closed=state in CLOSED_STATES, status=state,
                 trade_no=str(data.get("transaction_id") or ""), amount=from_fen(amount.get("total")),
                 paid_at=parse_rfc3339(data.get("success_time")), summary=state or "ok", raw=data)


def query(out_trade_no: str) -> Trade:
    """GET /v3/pay/transactions/out-trade-no/{no}: the trade; an order never placed there does not exist."""
    status, data = _call("query", out_trade_no, client().query, out_trade_no=out_trade_no)
    if status == 200:
        return _trade(data)
    if status == 404 or data.get("code") in NOT_FOUND_CODES:
        return Trade(exists=False, summary=str(data.get("code") or "NOT_EXIST"), raw=data)
    raise _error("query", status, data)


def close(out_trade_no: str) -> CloseResult:
    """POST …/close: 204 closed; already closed counts as closed; unknown → not_exist; paid → already_paid."""
    status, data = _call("close", out_trade_no, client().close, out_trade_no=out_trade_no)
    code = data.get("code", "")
    if status in (200, 204) or code == "ORDER_CLOSED":
        return CloseResult.CLOSED
    if status == 404 or code in NOT_FOUND_CODES:
        return CloseResult.NOT_EXIST
    if code in ("ORDERPAID", "TRADE_ERROR"):
        return CloseResult.ALREADY_PAID
    raise _error("close", status, data)


def _refund_amount(data: dict) -> Decimal | None:
    amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
    return from_fen(amount.get("refund"))


def refund(*, out_trade_no: str, amount: Decimal, total: Decimal, out_refund_no: str, reason: str = "") -> RefundResult:
    """POST /v3/refund/domestic/refunds, idempotent by out_refund_no (WeChat refunds once per number). The answer
    is "accepted": money moved only when its status is already SUCCESS; else the refund query decides."""
    status, data = _call("refund", out_trade_no, client().refund, out_refund_no=out_refund_no,
                         out_trade_no=out_trade_no, reason=reason[:80] or None,
                         amount={"refund": to_fen(amount), "total": to_fen(total), "currency": "CNY"},
                         notify_url=settings.WECHATPAY_NOTIFY_URL)
    if status == 200:
        return RefundResult(moved=data.get("status") == "SUCCESS", amount=_refund_amount(data),
                            summary=str(data.get("status") or "ok"), raw=data)
    raise _error("refund", status, data)


def refund_query(*, out_refund_no: str) -> RefundLookup:
    """GET /v3/refund/domestic/refunds/{out_refund_no}: found only when that refund succeeded."""
    status, data = _call("refund_query", out_refund_no, client().query_refund, out_refund_no=out_refund_no)
    if status == 200:
        return RefundLookup(found=data.get("status") == "SUCCESS", amount=_refund_amount(data),
                            summary=str(data.get("status") or "ok"), raw=data)
    if status == 404 or data.get("code") in NOT_FOUND_CODES:
        return RefundLookup(found=False, amount=None, summary=str(data.get("code") or "NOT_EXIST"), raw=data)
    raise _error("refund_query", status, data)


# --- inbound: the notify -------------------------------------------------------------------------------------

def read_notify(request: HttpRequest) -> tuple[dict | None, str]:
    """The notify as {"headers": the five Wechatpay-* headers, "body": the raw JSON text}: the signature covers the
    exact bytes, so nothing is parsed or re-serialised here. A body that is not UTF-8 cannot be read at all."""
    try:
        body = request.body.decode("utf-8")
    except (UnicodeDecodeError, ValueError, OSError) as exc:
        logger.warning("unreadable notify: %s", exc.__class__.__name__)
        return None, "unreadable"
    headers = {name: request.headers.get(name, "") for name in NOTIFY_HEADERS}
    malformed = "" if request.content_type == "application/json" else "wrong_content_type"
    return {"headers": headers, "body": body}, malformed


def _resource(params: dict, apiv3_key: str) -> dict | None:
    """The decrypted `resource` of a notify body, or None. AES-256-GCM authenticates it (a tampered or foreign
    ciphertext does not decrypt), but not who sent the envelope: that is the signature's job."""
    try:
        envelope = json.loads(params.get("body") or "")
        resource = envelope["resource"]
        plain = aes_decrypt(nonce=resource["nonce"], ciphertext=resource["ciphertext"],
                            associated_data=resource.get("associated_data") or "", apiv3_key=apiv3_key)
        data = json.loads(plain) if plain else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return data if isinstance(data, dict) else None


def claim(params: dict) -> Claim:
    """Which order, transaction and amount the notify names (decrypted, not yet signature-checked)."""
    try:
        data = _resource(params if isinstance(params, dict) else {}, read_apiv3_key(settings.WECHATPAY_APIV3_KEY_FILE))
    except KeyFileError:
        data = None
    if not data:
        return Claim()
    amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
    return Claim(order_number=str(data.get("out_trade_no") or ""), trade_no=str(data.get("transaction_id") or ""),
                 amount=from_fen(amount.get("total")))


def _fresh(timestamp: str) -> bool:
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        return False
    return abs(time.time() - stamp) <= settings.WECHATPAY_NOTIFY_MAX_AGE_SECONDS


def parse_notify(params: dict, *, malformed: str = "") -> Notice | Rejection:
    """Verify a notify: Wechatpay-Signature over timestamp\\nnonce\\nbody\\n with the WeChat Pay public key (the
    library), a timestamp at most WECHATPAY_NOTIFY_MAX_AGE_SECONDS old (the library does not check it), the
    AES-256-GCM resource decrypted with the APIv3 key; then mchid, appid and the payment itself. The amount is
    compared with the order by the service (fulfilment); a refund's notify is marked as not a payment."""
    if malformed:
        return Rejection(malformed, signed=False)
    headers = params.get("headers") if isinstance(params.get("headers"), dict) else {}
    body = params.get("body")
    if not isinstance(body, str) or not all(isinstance(headers.get(h), str) and headers[h] for h in NOTIFY_HEADERS):
        return Rejection("missing_signature", signed=False)
    if headers["Wechatpay-Signature-Type"] != SIGNATURE_TYPE:
        return Rejection("bad_signature_type", signed=False)
    if headers["Wechatpay-Serial"] != settings.WECHATPAY_PUBLIC_KEY_ID:
        # Another key's id: never let the library go looking for platform certificates on the network.
        return Rejection("unknown_serial", signed=False)
    if not _fresh(headers["Wechatpay-Timestamp"]):
        return Rejection("old_timestamp", signed=False)
    try:
        message = client().callback(headers, body)
    except ProviderError:
        return Rejection("payment_config_invalid", signed=False)
    except Exception:  # noqa: BLE001 - wechatpayv3 raises bare Exception for unsupported algorithms / bad JSON
        logger.warning("notify the library could not read", exc_info=True)
        return Rejection("unreadable", signed=False)
    if not isinstance(message, dict) or not isinstance(message.get("resource"), dict):
        # None: the signature does not hold (a tampered body, another key), or the resource does not decrypt.
        return Rejection("bad_signature", signed=False)
    return _notice(message["event_type"] if isinstance(message.get("event_type"), str) else "", message["resource"])


def _notice(event_type: str, data: dict) -> Notice | Rejection:
    if data.get("mchid") != settings.WECHATPAY_MCHID:
        return Rejection("wrong_mchid", signed=True)
    order_number = str(data.get("out_trade_no") or "")
    if event_type.startswith("REFUND."):
        status = str(data.get("refund_status") or event_type)
        return Notice(order_number=order_number, refund=True,
                      trade=Trade(exists=True, status=f"refund {status}", summary=status, raw=data,
                                  trade_no=str(data.get("transaction_id") or "")))
    if data.get("appid") != settings.WECHATPAY_APPID:
        return Rejection("wrong_appid", signed=True)
    amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
    if amount.get("currency", "CNY") != "CNY":
        return Rejection("wrong_currency", signed=True)
    trade = _trade(data)
    # Only SUCCESS is a payment notify; REFUND (a later state of a paid trade) is not one to fulfil from.
    paid = event_type == "TRANSACTION.SUCCESS" and trade.status == "SUCCESS"
    return Notice(order_number=order_number,
                  trade=Trade(exists=True, paid=paid, closed=trade.closed, status=trade.status or "no trade_state",
                              trade_no=trade.trade_no, amount=trade.amount, paid_at=trade.paid_at,
                              summary=trade.summary, raw=data))


def parse_return(params: dict) -> Notice | Rejection:
    """Native pay has no return URL: the SPA polls instead."""
    return Rejection("no_return", signed=False)


def notify_answer(accepted: bool) -> NotifyAnswer:
    """WeChat stops retrying on HTTP 200/204 (the body is ignored); any 4xx/5xx with {"code": "FAIL"} is retried
    on its schedule (15s, 15s, 30s, 3m, ... over 24 hours)."""
    if accepted:
        return NotifyAnswer("", "", status=204)
    return NotifyAnswer(json.dumps({"code": "FAIL", "message": "失败"}, ensure_ascii=False),
                        "application/json; charset=utf-8", status=400)


class WechatPayProvider:
    """The protocol of base.PaymentProvider over this module's functions."""

    name = "wechat"
    title = "微信支付"
    key_fields = ("headers", "body")

    def __init__(self, *, pay_type: int):
        self.pay_type = pay_type

    def pay_url(self, request: PayRequest, *, device: str = "desktop") -> str:
        # Native on every device: a phone's browser shows the same QR code (long-press to scan in WeChat).
        return native_code_url(request)

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
        if total is None:  # WeChat needs the trade's total with every refund: ask it rather than guess
            total = query(out_trade_no=order_number).amount or amount
        return refund(out_trade_no=order_number, amount=amount, total=total, out_refund_no=request_no, reason=reason)

    def refund_query(self, *, order_number: str, request_no: str) -> RefundLookup:
        return refund_query(out_refund_no=request_no)
