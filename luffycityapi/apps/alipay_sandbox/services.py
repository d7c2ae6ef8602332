"""Every state change of a sandbox order/trade, each inside transaction.atomic() on a select_for_update()-locked
row, checking the current state first. Lock order: trade row → config row (merchant balance)."""
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q

from . import notify, state
from .models import SandboxConfig, SandboxRefund, SandboxTrade

Status = SandboxTrade.Status
Method = SandboxTrade.Method
# product_code each browser cashier takes. Wap: QUICK_WAP_WAY is what Alipay documents; QUICK_WAP_PAY is what
# python-alipay-sdk's wap method sends, accepted like the real gateway is said to (protocol §9.4 S24).
PRODUCT_CODES = {Method.PAGE_PAY: ("FAST_INSTANT_TRADE_PAY",), Method.WAP_PAY: ("QUICK_WAP_WAY", "QUICK_WAP_PAY")}
OPEN_STATES = (Status.NOT_CREATED, Status.WAIT_BUYER_PAY)
PAID_STATES = (Status.TRADE_SUCCESS, Status.TRADE_FINISHED)
MAX_AMOUNT = Decimal("100000000")
MIN_AMOUNT = Decimal("0.01")
DEFAULT_TIMEOUT = timedelta(days=15)  # page pay's default when neither timeout_express nor time_expire is given
_OUT_TRADE_NO = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_TIMEOUT_EXPRESS = re.compile(r"^(\d+)([mhd])$")


class BusinessError(Exception):
    """A refusal Alipay reports as 40004 Business Failed (or an HTML error page for page pay)."""

    def __init__(self, sub_code: str, sub_msg: str):
        self.sub_code, self.sub_msg = sub_code, sub_msg
        super().__init__(f"{sub_code}: {sub_msg}")


def invalid(sub_msg: str) -> BusinessError:
    """ACQ.INVALID_PARAMETER with a message naming the field."""
    return BusinessError("ACQ.INVALID_PARAMETER", sub_msg)


def parse_amount(value, name: str, minimum: Decimal = MIN_AMOUNT) -> Decimal:
    """An amount from biz_content (JSON number or string): at most two decimals, within Alipay's range."""
    if value is None or value == "" or isinstance(value, bool):
        raise invalid(f"缺少必选参数 {name}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid(f"参数 {name} 不是合法的金额") from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise invalid(f"参数 {name} 最多两位小数")
    if amount < minimum or amount > MAX_AMOUNT:
        raise invalid(f"参数 {name} 超出范围 [{minimum}, {MAX_AMOUNT}]")
    return amount


@dataclass
class PagePayRequest:
    """What alipay.trade.page.pay (or its phone twin, wap.pay) asks for, already validated."""

    app_id: str
    out_trade_no: str
    total_amount: Decimal
    subject: str
    body: str
    passback_params: str
    return_url: str
    notify_url: str
    charset: str
    sign_type: str
    expires_at: datetime | None = None
    method: str = Method.PAGE_PAY
    quit_url: str = ""
    extras: dict = field(default_factory=dict)


def _http_url(value, name: str) -> str:
    value = value or ""
    if value and (len(value) > 256 or not re.match(r"^https?://[^\s]+$", value)):
        raise invalid(f"参数 {name} 必须是不超过256个字符的 http(s) 地址")
    return value


def validate_page_pay(app_id: str, common: dict, biz: dict, now, method: str = Method.PAGE_PAY) -> PagePayRequest:
    """Check page.pay's (or wap.pay's: another product_code, plus quit_url) business params (S7, S24) and compute
    the order's expiry from time_expire/timeout_express."""
    out_trade_no = biz.get("out_trade_no")
    if not isinstance(out_trade_no, str) or not _OUT_TRADE_NO.match(out_trade_no):
        raise invalid("参数 out_trade_no 必须是1-64位字母、数字或下划线")
    total_amount = parse_amount(biz.get("total_amount"), "total_amount")
    subject = biz.get("subject")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 256:
        raise invalid("参数 subject 必须是1-256个字符")
    if biz.get("product_code") not in PRODUCT_CODES[method]:
        raise invalid(f"product_code参数不得为空，且目前仅支持{PRODUCT_CODES[method][0]}")
    body = biz.get("body") or ""
    passback = biz.get("passback_params") or ""
    if not isinstance(body, str) or len(body) > 128:
        raise invalid("参数 body 最长128个字符")
    if not isinstance(passback, str) or len(passback) > 512:
        raise invalid("参数 passback_params 最长512个字符")
    return PagePayRequest(
        app_id=app_id, out_trade_no=out_trade_no, total_amount=total_amount, subject=subject, body=body,
        passback_params=passback, return_url=_http_url(common.get("return_url"), "return_url"),
        notify_url=_http_url(common.get("notify_url"), "notify_url"), charset=common.get("charset") or "utf-8",
        sign_type=common["sign_type"], expires_at=_expiry(biz, now), method=method,
        # Only the phone cashier has a way back half-way; page pay ignores the field like Alipay.
        quit_url=_http_url(biz.get("quit_url"), "quit_url") if method == Method.WAP_PAY else "",
    )


def _expiry(biz: dict, now) -> datetime:
    """time_expire (absolute, Beijing time) wins over timeout_express (relative: Nm/Nh/Nd, or 1c = midnight)."""
    time_expire = biz.get("time_expire")
    if time_expire:
        try:
            return datetime.strptime(str(time_expire), state.TIME_FORMAT).replace(tzinfo=state.BEIJING)
        except ValueError:
            raise invalid("参数 time_expire 格式必须为 yyyy-MM-dd HH:mm:ss") from None
    express = biz.get("timeout_express")
    if not express:
        return now + DEFAULT_TIMEOUT
    if express == "1c":
        local = now.astimezone(state.BEIJING)
        return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    match = _TIMEOUT_EXPRESS.match(str(express))
    if not match:
        raise invalid("参数 timeout_express 取值范围 1m～15d，不接受小数点")
    number, unit = int(match.group(1)), match.group(2)
    delta = {"m": timedelta(minutes=number), "h": timedelta(hours=number), "d": timedelta(days=number)}[unit]
    if not timedelta(minutes=1) <= delta <= timedelta(days=15):
        raise invalid("参数 timeout_express 取值范围 1m～15d")
    return now + delta


def _lock(pk: int) -> SandboxTrade:
    return SandboxTrade.objects.select_for_update().get(pk=pk)


def _notifies_closed(trade: SandboxTrade, config: SandboxConfig) -> bool:
    """Whether TRADE_CLOSED is notified: always for wap trades, for page pay only where switched on (§3.1, S26)."""
    return trade.method == Method.WAP_PAY or config.notify_closed


def _close(trade: SandboxTrade, config: SandboxConfig, now) -> None:
    """Close a locked open order/trade; notify TRADE_CLOSED where _notifies_closed says so."""
    trade.status = Status.TRADE_CLOSED
    trade.gmt_close = now
    trade.save(update_fields=["status", "gmt_close"])
    if trade.is_trade and _notifies_closed(trade, config):
        notify.enqueue(trade, "close", config)


def expire_if_due(trade: SandboxTrade, config: SandboxConfig, now) -> bool:
    """Close a locked open trade whose expiry passed (Alipay closes unpaid trades on time); returns if it did."""
    if trade.status in OPEN_STATES and trade.expires_at and trade.expires_at <= now:
        _close(trade, config, now)
        return True
    return False


def open_page_pay(request: PagePayRequest) -> SandboxTrade:
    """Create the pending cashier order, or re-use the existing one under the re-use rules of §1.3 (S8)."""
    try:
        return _open_page_pay(request)
    except IntegrityError:
        # Two first requests for one out_trade_no raced; the unique constraint let one in. Re-use it.
        return _open_page_pay(request)


def _open_page_pay(request: PagePayRequest) -> SandboxTrade:
    config = state.get_config()
    now = state.sandbox_now(config)
    with transaction.atomic():
        trade = (SandboxTrade.objects.select_for_update()
                 .filter(app_id=request.app_id, out_trade_no=request.out_trade_no).first())
        if trade is None:
            trade = SandboxTrade.objects.create(
                app_id=request.app_id, out_trade_no=request.out_trade_no, token=state.new_token(),
                subject=request.subject, body=request.body, total_amount=request.total_amount,
                passback_params=request.passback_params, return_url=request.return_url,
                notify_url=request.notify_url, charset=request.charset, sign_type=request.sign_type,
                expires_at=request.expires_at, method=request.method, quit_url=request.quit_url,
            )
            # A time_expire already in the past gives an order that is closed from the start.
            expire_if_due(trade, config, now)
            return trade
        expire_if_due(trade, config, now)
        if trade.status in PAID_STATES:
            raise BusinessError("ACQ.TRADE_HAS_SUCCESS", "交易已经支付")
        if trade.status == Status.TRADE_CLOSED:
            raise BusinessError("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
        if (trade.total_amount, trade.subject, trade.body) != (request.total_amount, request.subject, request.body):
            raise BusinessError("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
        # Same order again: the same cashier; the latest return/notify URLs and cashier (desktop/phone) count.
        trade.return_url, trade.notify_url = request.return_url, request.notify_url
        trade.passback_params, trade.cancelled_by_buyer = request.passback_params, False
        trade.method, trade.quit_url = request.method, request.quit_url
        trade.save(update_fields=["return_url", "notify_url", "passback_params", "cancelled_by_buyer", "method",
                                  "quit_url"])
        return trade


def _login_locked(trade: SandboxTrade, config: SandboxConfig, now) -> None:
    if trade.status == Status.NOT_CREATED:
        trade.trade_no = state.new_trade_no(config)
        trade.status = Status.WAIT_BUYER_PAY
        trade.gmt_create = now
        trade.buyer_id, trade.buyer_logon_id = state.buyer()
        trade.save(update_fields=["trade_no", "status", "gmt_create", "buyer_id", "buyer_logon_id"])


def buyer_login(trade_pk: int) -> SandboxTrade:
    """The buyer scans/logs in on the cashier: the order becomes a trade (WAIT_BUYER_PAY). Idempotent."""
    config = state.get_config()
    now = state.sandbox_now(config)
    with transaction.atomic():
        trade = _lock(trade_pk)
        if not expire_if_due(trade, config, now):
            _login_locked(trade, config, now)
        return trade


@dataclass
class PaymentResult:
    """What a payment attempt produced: the trade, whether this call paid it, and the notification to send."""

    trade: SandboxTrade
    paid_now: bool
    notification_id: int | None
    notify_order: str


def buyer_pay(trade_pk: int) -> PaymentResult:
    """The buyer confirms (logging in first if needed): WAIT_BUYER_PAY → TRADE_SUCCESS, balance, notify.
    Paying a paid trade is a no-op; a closed/expired one stays closed."""
    config = state.get_config()
    now = state.sandbox_now(config)
    with transaction.atomic():
        trade = _lock(trade_pk)
        if expire_if_due(trade, config, now) or trade.status not in OPEN_STATES:
            return PaymentResult(trade, False, None, config.notify_order)
        _login_locked(trade, config, now)
        trade.status = Status.TRADE_SUCCESS
        trade.gmt_payment = now
        trade.save(update_fields=["status", "gmt_payment"])
        _adjust_balance(trade.total_amount)
        notification = notify.enqueue(trade, "payment", config)
        return PaymentResult(trade, True, notification.pk if notification else None, config.notify_order)


def buyer_cancel(trade_pk: int) -> SandboxTrade:
    """The buyer gives up on the cashier. Alipay changes nothing: a created trade stays WAIT_BUYER_PAY."""
    with transaction.atomic():
        trade = _lock(trade_pk)
        trade.cancelled_by_buyer = True
        trade.save(update_fields=["cancelled_by_buyer"])
        return trade


def _adjust_balance(delta: Decimal) -> None:
    config = SandboxConfig.objects.select_for_update().get(pk=1)
    config.merchant_balance += delta
    config.save(update_fields=["merchant_balance"])


def find_trade(app_id: str, biz: dict, *, for_update: bool = False) -> SandboxTrade | None:
    """The trade a server API names by trade_no (wins) or out_trade_no; None if Alipay would not know it."""
    trade_no, out_trade_no = biz.get("trade_no"), biz.get("out_trade_no")
    if not trade_no and not out_trade_no:
        raise invalid("out_trade_no 和 trade_no 不能同时为空")
    rows = SandboxTrade.objects.filter(app_id=app_id)
    rows = rows.select_for_update() if for_update else rows
    condition = Q(trade_no=str(trade_no)) if trade_no else Q(out_trade_no=str(out_trade_no))
    return rows.filter(condition).first()


def expire_by_lookup(app_id: str, biz: dict) -> None:
    """Apply a due expiry before a read (query, refund query) so they never report a stale open trade."""
    config = state.get_config()
    with transaction.atomic():
        trade = find_trade(app_id, biz, for_update=True)
        if trade is not None:
            expire_if_due(trade, config, state.sandbox_now(config))


def api_close(app_id: str, biz: dict) -> SandboxTrade:
    """alipay.trade.close: only WAIT_BUYER_PAY closes; an order the buyer never opened is TRADE_NOT_EXIST
    (and stays payable on the cashier until it expires)."""
    config = state.get_config()
    now = state.sandbox_now(config)
    with transaction.atomic():
        trade = find_trade(app_id, biz, for_update=True)
        if trade is None or not trade.is_trade:
            raise BusinessError("ACQ.TRADE_NOT_EXIST", "交易不存在")
        expire_if_due(trade, config, now)
        if trade.status != Status.WAIT_BUYER_PAY:
            raise BusinessError("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        _close(trade, config, now)
        return trade


@dataclass
class RefundResult:
    """The trade after the refund, the refund row, and whether money moved in this call."""

    trade: SandboxTrade
    refund: SandboxRefund
    fund_change: bool


def api_refund(app_id: str, biz: dict) -> RefundResult:
    """alipay.trade.refund with Alipay's rules (§4.4): out_request_no idempotency, cumulative refund_fee,
    balance check, full refund → TRADE_CLOSED, partial refund → a TRADE_SUCCESS notify with refund fields."""
    config = state.get_config()
    now = state.sandbox_now(config)
    amount = parse_amount(biz.get("refund_amount"), "refund_amount")
    reason = str(biz.get("refund_reason") or "")[:256]
    with transaction.atomic():
        trade = find_trade(app_id, biz, for_update=True)
        if trade is None or not trade.is_trade:
            raise BusinessError("ACQ.TRADE_NOT_EXIST", "交易不存在")
        expire_if_due(trade, config, now)
        out_request_no = str(biz.get("out_request_no") or trade.out_trade_no)
        previous = trade.refunds.filter(out_request_no=out_request_no).first()
        if previous is not None:
            if previous.refund_amount != amount:
                raise BusinessError("ACQ.DISCORDANT_REPEAT_REQUEST", "不一致的请求")
            return RefundResult(trade, previous, False)
        if trade.status == Status.TRADE_FINISHED:
            raise BusinessError("ACQ.TRADE_HAS_FINISHED", "交易已完结")
        if trade.status != Status.TRADE_SUCCESS:
            raise BusinessError("ACQ.TRADE_STATUS_ERROR", "交易状态非法")
        if not biz.get("out_request_no") and amount != trade.total_amount:
            raise BusinessError("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额与订单金额不一致")
        if trade.refund_fee + amount > trade.total_amount:
            raise BusinessError("ACQ.REASON_TRADE_REFUND_FEE_ERR", "退款金额无效")
        balance = SandboxConfig.objects.select_for_update().get(pk=1).merchant_balance
        if balance < amount:
            raise BusinessError("ACQ.SELLER_BALANCE_NOT_ENOUGH", "卖家余额不足")
        _adjust_balance(-amount)
        refund = trade.refunds.create(out_request_no=out_request_no, refund_amount=amount,
                                      refund_reason=reason, gmt_refund_pay=now)
        trade.refund_fee += amount
        fields = ["refund_fee"]
        if trade.refund_fee == trade.total_amount:
            trade.status, trade.gmt_close = Status.TRADE_CLOSED, now
            fields += ["status", "gmt_close"]
        trade.save(update_fields=fields)
        if trade.status == Status.TRADE_SUCCESS or _notifies_closed(trade, config):
            notify.enqueue(trade, "refund", config, refund=refund)
        return RefundResult(trade, refund, True)


def expire_overdue(limit: int = 200) -> int:
    """Close every open order/trade whose expiry passed (the beat job calls this, so a TRADE_CLOSED notify, when
    switched on, goes out on time even if nobody looks at the trade); returns how many were closed."""
    config = state.get_config()
    now = state.sandbox_now(config)
    overdue = list(SandboxTrade.objects.filter(status__in=OPEN_STATES, expires_at__lte=now)
                   .values_list("pk", flat=True)[:limit])
    closed = 0
    for pk in overdue:
        with transaction.atomic():
            closed += expire_if_due(_lock(pk), config, now)
    return closed


def run_due_work() -> dict:
    """What the beat job (and __sim__/notifications/deliver-due) does: close overdue orders, then deliver every
    due notify attempt (a TRADE_CLOSED notify, when switched on, is due at once)."""
    closed = expire_overdue()
    return {"closed": closed, "attempts": notify.deliver_due()}


# --- forced transitions for the control API (__sim__) ---

def force_close(trade_pk: int) -> SandboxTrade:
    """Close an open order/trade now, as if the merchant or Alipay had closed it."""
    config = state.get_config()
    with transaction.atomic():
        trade = _lock(trade_pk)
        if trade.status in OPEN_STATES:
            _close(trade, config, state.sandbox_now(config))
        return trade


def force_expire(trade_pk: int) -> SandboxTrade:
    """Move the expiry to now and apply it (an open order/trade becomes TRADE_CLOSED)."""
    config = state.get_config()
    now = state.sandbox_now(config)
    with transaction.atomic():
        trade = _lock(trade_pk)
        if trade.status in OPEN_STATES:
            trade.expires_at = now
            trade.save(update_fields=["expires_at"])
            expire_if_due(trade, config, now)
        return trade


def force_finish(trade_pk: int) -> SandboxTrade:
    """TRADE_SUCCESS → TRADE_FINISHED (refund window over); no notify, as for page pay."""
    with transaction.atomic():
        trade = _lock(trade_pk)
        if trade.status == Status.TRADE_SUCCESS:
            trade.status = Status.TRADE_FINISHED
            trade.save(update_fields=["status"])
        return trade
