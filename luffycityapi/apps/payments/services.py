"""The payment service: link, return relay, notify, query, close and refunds. Every path that learns of a
payment ends in orders.services.order_mark_paid (one locked, idempotent fulfilment). Gateway calls are never
made inside a database transaction, and every inbound message and outbound call is recorded first."""
import hashlib
import logging
from contextlib import contextmanager
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from luffycityapi.apps.orders import selectors as order_selectors
from luffycityapi.apps.orders import services as order_services
from luffycityapi.apps.orders.models import Order
from luffycityapi.core import metrics
from luffycityapi.core.errors import ShopError
from luffycityapi.core.money import parse_amount

from .models import PaymentEvent, PaymentIssue, Refund
from .providers import alipay as provider
from .providers.alipay import ProviderError, TradeState

logger = logging.getLogger("luffycityapi.payments")
Kind, Direction = PaymentEvent.Kind, PaymentEvent.Direction


# --- the event log -------------------------------------------------------------------------------------------

def _record(kind, direction, *, order_number="", params=None, trade_no="", verified=None, verdict="",
            outcome="pending") -> PaymentEvent:
    """Write one event; pass `outcome` when nothing further will happen (one insert instead of two)."""
    return PaymentEvent.objects.create(kind=kind, direction=direction, order_number=(order_number or "")[:64],
                                       params=_jsonable(params or {}), trade_no=(trade_no or "")[:64],
                                       verified=verified, verdict=verdict, outcome=outcome[:255])


def _finish(event: PaymentEvent, outcome: str, *, response=None, verified=None, verdict=None) -> None:
    event.outcome = outcome[:255]
    fields = ["outcome"]
    if response is not None:
        event.response, fields = _jsonable(response), fields + ["response"]
    if verified is not None:
        event.verified, fields = verified, fields + ["verified"]
    if verdict is not None:
        event.verdict, fields = verdict[:64], fields + ["verdict"]
    event.save(update_fields=fields)


@contextmanager
def _finishing(event: PaymentEvent):
    """Whatever escapes the block still gives the event an outcome (re-raised): none stays "pending" forever."""
    try:
        yield
    except Exception as exc:
        if event.outcome == "pending":
            _safe_finish(event, f"error: {getattr(exc, 'code', '') or type(exc).__name__}")
        raise


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k)[:200]: _jsonable(v) for k, v in list(value.items())[:200]}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value[:50]]
    if isinstance(value, (str, int, bool)) or value is None:
        return value[:4000] if isinstance(value, str) else value
    return str(value)[:4000]


# What an unverified notify keeps: its first keys (Alipay's own first), each cut short. Anyone can post one, so
# its record must stay small whatever the body's size: ~5 KB at most, even with every character escaped.
_SUMMARY_KEYS, _SUMMARY_KEY_CHARS, _SUMMARY_HEAD_CHARS = 16, 32, 16
_ALIPAY_KEYS = ("out_trade_no", "trade_no", "trade_status", "total_amount", "app_id", "seller_id", "notify_id",
                "notify_time", "sign_type", "sign")


def _unverified_summary(params: dict) -> dict:
    """A bounded record of an unverified message: key count, total size, a digest of the whole, and for the first
    keys [key, value length, value head]; enough to recognise a probe or a misconfigured sender."""
    ordered = [k for k in _ALIPAY_KEYS if k in params] + [k for k in params if k not in _ALIPAY_KEYS]
    content = "&".join(f"{k}={params[k]}" for k in sorted(params))
    return {"unverified": True, "keys": len(params), "chars": sum(len(k) + len(str(v)) for k, v in params.items()),
            "sha256": hashlib.sha256(content.encode("utf-8", "replace")).hexdigest(),
            "fields": [[k[:_SUMMARY_KEY_CHARS], len(str(params[k])), str(params[k])[:_SUMMARY_HEAD_CHARS]]
                       for k in ordered[:_SUMMARY_KEYS]]}


def _ask(kind, order_number: str, call, **params):
    """Make one outbound gateway call, recorded before and after."""
    event = _record(kind, Direction.OUTBOUND, order_number=order_number, params=params)
    with _finishing(event):
        try:
            with metrics.GATEWAY_SECONDS.labels(kind).time():
                answer = call(**params)
        except ProviderError as exc:
            metrics.GATEWAY_ERRORS.labels(kind, exc.code).inc()
            _finish(event, f"error: {exc.code}", response={"message": exc.message, "raw": _jsonable(exc.raw)})
            raise
    raw = getattr(answer, "raw", None)
    if raw is None:  # trade.close answers a word ("closed", "not_exist", "already_paid"): that is the outcome
        _finish(event, str(answer), response={"result": str(answer)})
    else:
        _finish(event, str(raw.get("trade_status") or raw.get("code") or "ok"), response=raw)
    return answer


# --- applying what the gateway says ----------------------------------------------------------------------------

def _apply_trade(order: Order, trade: TradeState) -> str:
    """Act on a verified paid trade for an order: fulfil it, or (paid after close) record and refund it."""
    outcome = _apply_paid_trade(order, trade)
    metrics.TRADE_OUTCOMES.labels(outcome).inc()
    return outcome


def _apply_paid_trade(order: Order, trade: TradeState) -> str:
    """_apply_trade's work, its outcome counted by the caller."""
    if trade.total_amount != order.real_price:
        _quarantine_amount(order, trade.trade_no, trade.total_amount)
        return "amount_mismatch"
    try:
        result = order_services.order_mark_paid(order_id=order.id, trade_no=trade.trade_no, pay_time=trade.pay_time)
    except order_services.OrderNotPayable:
        _late_payment(order, trade.trade_no, trade.total_amount)
        return "late_payment"
    return "fulfilled" if result.newly_paid else "duplicate"


def _settle_with_gateway(order: Order) -> Order:
    """Ask trade.query about an unpaid order and fulfil it when Alipay says it is paid."""
    trade = _ask(Kind.QUERY, order.order_number, provider.query, out_trade_no=order.order_number)
    if trade.paid:
        _apply_trade(order, trade)
    return Order.objects.get(pk=order.pk)


def trade_query(order_number: str) -> TradeState:
    """Ask trade.query about one order (recorded like every outbound call); raises ProviderError."""
    return _ask(Kind.QUERY, order_number, provider.query, out_trade_no=order_number)


def trade_apply(order: Order, trade: TradeState) -> str:
    """Act on a paid trade Alipay reported, through the one fulfilment path (reconciliation uses this):
    "fulfilled", "duplicate", "late_payment" (refunded) or "amount_mismatch" (quarantined)."""
    return _apply_trade(order, trade)


def _quarantine_amount(order: Order, trade_no: str, amount) -> None:
    try:
        PaymentIssue.objects.get_or_create(trade_no=trade_no or order.order_number,
                                           kind=PaymentIssue.Kind.AMOUNT_MISMATCH,
                                           defaults={"order": order, "amount": amount})
    except IntegrityError:  # the same mismatch recorded by a concurrent delivery
        pass


def _late_payment(order: Order, trade_no: str, amount: Decimal) -> None:
    """A payment for an order already cancelled or timed out: flag the order and refund the money."""
    with transaction.atomic():
        refund, _ = Refund.objects.get_or_create(
            out_request_no=f"L{order.order_number}",
            defaults={"order": order, "amount": amount, "reason": Refund.Reason.LATE_PAYMENT,
                      "remark": f"交易 {trade_no} 在订单关闭后支付"})
        issue, created = PaymentIssue.objects.get_or_create(
            trade_no=trade_no, kind=PaymentIssue.Kind.LATE_PAYMENT,
            defaults={"order": order, "amount": amount, "refund": refund, "status": PaymentIssue.Status.REFUNDING})
        if created:
            logger.warning("late payment %s for %s order %s: refunding", trade_no,
                           order.get_order_status_display(), order.order_number)
    transaction.on_commit(lambda: _queue_refund(refund.id))


def _queue_refund(refund_id: int) -> None:
    from .tasks import refund_execute_task

    try:
        refund_execute_task.delay(refund_id)
    except Exception:  # noqa: BLE001 - the broker being down must not lose the refund: the beat job retries it
        logger.exception("could not queue refund %s; the retry job will run it", refund_id)


# --- the endpoints' services ---------------------------------------------------------------------------------

# Which cashier the SPA asks for: "desktop" (the default) or "mobile" (a phone's browser).
DEVICES = ("desktop", "mobile")


def payment_link(*, user_id: int, order_number: str, device: str = "desktop") -> dict:
    """The cashier link for the user's unpaid, unexpired order, for the device the SPA names; a 0.00 order is
    fulfilled at once."""
    if device not in DEVICES:
        raise ShopError("支付设备参数有误，应为 desktop 或 mobile", code="device_invalid")
    order = order_selectors.order_of_user(user_id=user_id, order_number=order_number, with_lines=False)
    if order.order_status == Order.Status.PAID:
        raise ShopError("订单已支付，请勿重复支付", code="order_already_paid")
    if order.order_status != Order.Status.UNPAID:
        raise ShopError(f"订单{order.get_order_status_display()}，不能支付", code="order_not_payable")
    if order.expire_time <= timezone.now():
        raise ShopError("订单已超时，请重新下单", code="order_expired")
    if order.real_price == 0:
        event = _record(Kind.FREE, Direction.OUTBOUND, order_number=order.order_number)
        with _finishing(event):
            try:
                result = order_services.order_mark_paid(order_id=order.id, trade_no="")
            except order_services.OrderNotPayable:  # a cancel or the expiry took the lock first
                _finish(event, "rejected: order_not_payable")
                raise
        _finish(event, "fulfilled" if result.newly_paid else "duplicate")
        return {"pay_type": order.pay_type, "get_pay_type_display": order.get_pay_type_display(), "link": None,
                "order_status": Order.Status.PAID}
    link = provider.pay_url(device=device, out_trade_no=order.order_number, total_amount=order.real_price,
                            subject=order.name, time_expire=order.expire_time)
    _record(Kind.LINK, Direction.OUTBOUND, order_number=order.order_number, outcome="ok",
            params={"total_amount": str(order.real_price), "time_expire": str(order.expire_time), "device": device})
    return {"pay_type": order.pay_type, "get_pay_type_display": order.get_pay_type_display(), "link": link,
            "order_status": order.order_status}


def _check_alipay_message(params: dict) -> tuple[str, Order | None]:
    """Verify a return/notify: signature, app_id, seller_id (when configured), the order exists.
    Returns (verdict, order); verdict "ok" when all hold."""
    if not provider.verify(params):
        return "bad_signature", None
    if params.get("app_id") != settings.ALIPAY_APP_ID:
        return "wrong_app_id", None
    if settings.ALIPAY_SELLER_ID and params.get("seller_id") != settings.ALIPAY_SELLER_ID:
        return "wrong_seller_id", None
    try:
        # get(), not filter().first(): first() would compile the model's ORDER BY for a unique key, a third of
        # this lookup's cost on the duplicate-notify hot path.
        order = Order.objects.get(order_number=params.get("out_trade_no") or "")
    except Order.DoesNotExist:
        return "unknown_order", None
    return "ok", order


def _notify_verdict(params: dict, malformed: str) -> tuple[str, bool, Order | None]:
    """(verdict, verified, order) for a notify: "ok", or why it cannot be trusted."""
    if malformed:
        return malformed, False, None
    verdict, order = _check_alipay_message(params)
    if verdict != "ok":
        return verdict, verdict != "bad_signature", None
    if params.get("trade_status", "") in provider.PAID_STATUSES and not params.get("trade_no"):
        return "no_trade_no", True, None  # every Alipay payment has one; issues and refunds are keyed by it
    return "ok", True, order


def _settled_outcome(params: dict, order: Order) -> str | None:
    """The outcome of a verified notify that needs no action: not a payment, a refund notice, or a repeat of
    the payment already recorded on the order. None when it must be acted on."""
    status = params.get("trade_status", "")
    if status not in provider.PAID_STATUSES:
        return f"ignored: {status or 'no trade_status'}"  # WAIT_BUYER_PAY / TRADE_CLOSED carry no money
    if params.get("refund_fee") or params.get("out_biz_no"):
        return "ignored: refund notification"
    if (order.order_status in (Order.Status.PAID, Order.Status.REFUNDED) and order.trade_no == params["trade_no"]
            and parse_amount(params.get("total_amount")) == order.real_price):
        return "duplicate"
    return None


def payment_notify(params: dict, *, malformed: str = "") -> str:
    """Handle Alipay's asynchronous notification; answers "success" only once its effect is committed, "fail"
    for anything unverifiable (with nothing changed). Every notify is recorded before anything is acted on;
    one that needs no action (rejected, ignored, a repeat) is recorded once with its outcome."""
    base = {"kind": Kind.NOTIFY, "direction": Direction.INBOUND, "order_number": str(params.get("out_trade_no", "")),
            "trade_no": str(params.get("trade_no", "")), "params": params}
    verdict, verified, order = _notify_verdict(params, malformed)
    metrics.NOTIFIES.labels(verdict).inc()
    if verdict != "ok":
        # Unverified, it is anyone's: a bounded summary. Alipay-signed (wrong app, unknown order), it is kept whole.
        _record(**(base if verified else {**base, "params": _unverified_summary(params)}),
                verified=verified, verdict=verdict, outcome="rejected")
        return "fail"
    settled = _settled_outcome(params, order)
    if settled:
        metrics.TRADE_OUTCOMES.labels(settled).inc()
        _record(**base, verified=True, verdict="ok", outcome=settled)
        return "success"
    event = _record(**base, verified=True, verdict="ok")
    trade = TradeState(exists=True, status=params["trade_status"], trade_no=params["trade_no"],
                       total_amount=parse_amount(params.get("total_amount")),
                       pay_time=provider.parse_beijing_time(params.get("gmt_payment")), raw=params)
    try:
        with transaction.atomic():  # the outcome commits with its effect: one commit, and never one without the other
            outcome = _apply_trade(order, trade)
            if outcome == "amount_mismatch":
                _finish(event, "rejected: quarantined", verdict="amount_mismatch")
            else:
                _finish(event, outcome)
    except DatabaseError:
        logger.exception("notify for %s rolled back; Alipay will retry", order.order_number)
        _safe_finish(event, "error: database")
        return "fail"
    return "fail" if outcome == "amount_mismatch" else "success"


def _safe_finish(event, outcome, **kwargs) -> None:
    try:
        _finish(event, outcome, **kwargs)
    except DatabaseError:
        logger.warning("could not record the outcome of payment event %s", event.pk)


def payment_return(*, user_id: int, params: dict) -> Order:
    """The return relay: verify the signed parameters, then confirm with trade.query (never fulfil on the
    return alone). Returns the order, paid when Alipay confirms it."""
    event = _record(Kind.RETURN, Direction.INBOUND, order_number=str(params.get("out_trade_no", "")),
                    trade_no=str(params.get("trade_no", "")), params=params)
    verdict, order = _check_alipay_message(params)
    if verdict != "ok" or order.user_id != user_id:
        _finish(event, "rejected", verified=verdict != "bad_signature", verdict=verdict if verdict != "ok" else "not_owner")
        if verdict == "bad_signature":
            raise ShopError("支付结果签名无效", code="return_signature_invalid")
        raise ShopError("支付结果无效或订单不存在", code="return_invalid", status=404 if verdict in ("unknown_order", "ok") else 400)
    if order.order_status == Order.Status.UNPAID:
        try:
            order = _settle_with_gateway(order)
        except ProviderError as exc:
            # The return verified, but Alipay could not confirm it: say so on the event (not "pending"
            # forever); the SPA's poll or the next relay asks again.
            _finish(event, f"error: {exc.code}", verified=True, verdict="ok")
            raise
    _finish(event, f"order_status={order.order_status}", verified=True, verdict="ok")
    if order.order_status == Order.Status.PAID:
        return order
    if order.order_status == Order.Status.UNPAID:
        raise ShopError("支付宝尚未确认这笔支付，请稍后刷新", code="payment_pending")
    raise ShopError(f"订单{order.get_order_status_display()}，到账款项将原路退回", code="order_closed",
                    order_status=order.order_status)


def payment_query(*, user_id: int, order_number: str) -> Order:
    """The SPA's poll: while unpaid, ask the gateway (and fulfil if paid), at most once per order every
    PAYMENT_QUERY_GATEWAY_SECONDS across all workers; the polls in between answer from the database."""
    order = order_selectors.order_of_user(user_id=user_id, order_number=order_number, with_lines=False)
    if order.order_status == Order.Status.UNPAID and _gateway_turn(order.order_number):
        order = _settle_with_gateway(order)
    return order


def _gateway_turn(order_number: str) -> bool:
    """True for the one poll that may ask the gateway now: an atomic add (Redis SET NX EX) that only the first
    caller in the window wins. A notify fulfils in the database, so the polls between still see a payment."""
    seconds = settings.PAYMENT_QUERY_GATEWAY_SECONDS
    return seconds <= 0 or cache.add(f"payments:query-gate:{order_number}", 1, timeout=seconds)


def payment_close_order(order_id: int, new_status: int) -> Order:
    """The ORDER_CLOSE_HANDLER (cancel and expiry): trade.query first; if paid, fulfil; else trade.close, and
    only then release coupon and credits. A gateway failure leaves the order unchanged (the sweeper retries)."""
    order = Order.objects.get(pk=order_id)
    if order.order_status != Order.Status.UNPAID:
        return order
    if not PaymentEvent.objects.filter(order_number=order.order_number, kind=Kind.LINK).exists():
        # No cashier link was ever issued, so Alipay cannot know this trade: nothing to ask or close.
        return order_services.order_release(order_id=order.id, new_status=new_status)
    order = _settle_with_gateway(order)
    if order.order_status != Order.Status.UNPAID:
        return order
    outcome = _ask(Kind.CLOSE, order.order_number, provider.close, out_trade_no=order.order_number)
    if outcome == "already_paid":  # paid between our query and the close
        order = _settle_with_gateway(order)
        if order.order_status != Order.Status.UNPAID:
            return order
    return order_services.order_release(order_id=order.id, new_status=new_status)


def refund_execute(refund_id: int) -> Refund:
    """Carry out a stored refund (idempotent by its out_request_no). It succeeds only when fund_change is "Y"
    or a refund query confirms it for the stored amount; a retryable gateway failure, or a query confirming
    another amount (the reason recorded), leaves it pending for the retry job."""
    refund = Refund.objects.select_related("order").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    if refund.amount <= 0:
        # Nothing paid in money for these lines (a 0.00 order, or credits covered them): no trade to refund,
        # and Alipay refuses 0.00; the refund still settles the courses and credits.
        return _refund_settled(refund, Refund.Status.SUCCEEDED, answer={"note": "退款金额为 0.00，未调用支付宝"})
    Refund.objects.filter(pk=refund.pk).update(attempts=refund.attempts + 1)
    number = refund.order.order_number
    failure = ""
    try:
        answer = _ask(Kind.REFUND, number, provider.refund, out_trade_no=number, amount=refund.amount,
                      out_request_no=refund.out_request_no, reason=refund.get_reason_display())
        confirmed, gateway_answer = answer.fund_change, answer.raw
        if not confirmed:
            found = _ask(Kind.REFUND_QUERY, number, provider.refund_query, out_trade_no=number,
                         out_request_no=refund.out_request_no)
            confirmed, gateway_answer = found.found, found.raw
            if confirmed and found.refund_amount != refund.amount:
                # Money moved under our request number, but not this refund's amount: no confirmation of it.
                # Not failed either: "failed" means nothing moved and lets the courses be refunded again, which
                # could refund twice. It stays pending (visible in admin with the reason) and is asked again.
                confirmed = False
                failure = f"退款查询金额不符：支付宝确认 {found.refund_amount} 元，本次退款 {refund.amount} 元"
                logger.error("refund %s of order %s: the refund query confirms %s, not %s", refund.out_request_no,
                             number, found.refund_amount, refund.amount)
    except ProviderError as exc:
        if exc.retryable:
            return refund
        return _refund_settled(refund, Refund.Status.FAILED, failure=exc.message, answer=exc.raw)
    return _refund_settled(refund, Refund.Status.SUCCEEDED if confirmed else Refund.Status.PENDING,
                           failure=failure, answer=gateway_answer)


def _refund_settled(refund: Refund, status: int, *, failure: str = "", answer=None) -> Refund:
    """Record a refund's outcome once (PENDING → SUCCEEDED/FAILED) and apply its effects in the same
    transaction; a still-pending outcome records the gateway's answer and why it is not settled (or clears
    that reason). A refund already settled is returned as it is."""
    from .refund_effects import apply_refund_outcome

    with transaction.atomic():
        # Lock order: order → refund → payment issue → user → coupon log (the effects touch all of them).
        Order.objects.select_for_update().filter(pk=refund.order_id).values_list("id", flat=True).first()
        locked = Refund.objects.select_for_update().select_related("order").get(pk=refund.pk)
        if locked.status != Refund.Status.PENDING:
            return locked
        locked.status, locked.failure, locked.gateway_answer = status, failure[:255], _jsonable(answer)
        locked.save(update_fields=["status", "failure", "gateway_answer", "updated_time"])
        apply_refund_outcome(locked)
        metrics.REFUNDS.labels(Refund.Status(status).name.lower()).inc()
    return locked


def pending_refund_ids(limit: int = 100) -> list[int]:
    """Refunds still waiting for a confirmation from Alipay (the retry job's work list)."""
    return list(Refund.objects.filter(status=Refund.Status.PENDING).order_by("id").values_list("id", flat=True)[:limit])
