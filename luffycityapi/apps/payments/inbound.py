"""Messages a provider sends us: the asynchronous notify and the return relayed by the SPA. Each is recorded
before anything is acted on, verified by its provider, and matched to an order; a payment it reports goes through
the one fulfilment path. A return is never believed on its own: the provider is asked (outbound.settle_with_gateway)."""
import logging

from django.db import DatabaseError, transaction

from luffycityapi.apps.orders import selectors as order_selectors
from luffycityapi.apps.orders.models import Order
from luffycityapi.core import metrics
from luffycityapi.core.errors import ShopError
from luffycityapi.core.schema import LateRefundSerializer

from . import events
from .fulfilment import apply_trade
from .models import PaymentEvent
from .outbound import settle_with_gateway
from .providers.base import Notice, PaymentProvider, ProviderError, Rejection
from .selectors import late_payment_refund

logger = logging.getLogger("luffycityapi.payments")
Kind, Direction = PaymentEvent.Kind, PaymentEvent.Direction


def _order_of(notice: Notice) -> Order | None:
    return order_selectors.order_by_number(notice.order_number)


def _notify_verdict(message: Notice | Rejection) -> tuple[str, bool, Order | None]:
    """(verdict, verified, order) for a notify: "ok", or why it cannot be trusted."""
    if isinstance(message, Rejection):
        return message.verdict, message.signed, None
    order = _order_of(message)
    if order is None:
        return "unknown_order", True, None
    if message.trade.paid and not message.trade.trade_no:
        return "no_trade_no", True, None  # every real payment has one; issues and refunds are keyed by it
    return "ok", True, order


def _settled_outcome(notice: Notice, order: Order) -> str | None:
    """The outcome of a verified notify that needs no action: not a payment, a refund notice, or a repeat of
    the payment already recorded on the order. None when it must be acted on."""
    trade = notice.trade
    if not trade.paid:
        return f"ignored: {trade.status}"  # waiting or closed: no money moved
    if notice.refund:
        return "ignored: refund notification"
    if (order.order_status in (Order.Status.PAID, Order.Status.REFUNDED) and order.trade_no == trade.trade_no
            and trade.amount == order.real_price):
        return "duplicate"
    return None


def payment_notify(provider: PaymentProvider, params: dict, *, malformed: str = "") -> bool:
    """Handle a provider's asynchronous notification: True (answer "accepted") only once its effect is
    committed, False for anything unverifiable (with nothing changed). Every notify is recorded before anything
    is acted on; one that needs no action (rejected, ignored, a repeat) is recorded once with its outcome."""
    claim = provider.claim(params)
    base = {"kind": Kind.NOTIFY, "direction": Direction.INBOUND, "provider": provider,
            "order_number": claim.order_number, "trade_no": claim.trade_no, "params": params}
    message = provider.parse_notify(params, malformed=malformed)
    verdict, verified, order = _notify_verdict(message)
    metrics.NOTIFIES.labels(verdict).inc()
    if verdict != "ok":
        # Unverified, it is anyone's: a bounded summary. Signed by the provider (wrong app, unknown order), it is
        # kept whole.
        params_kept = params if verified else events.unverified_summary(params, provider.key_fields)
        events.record(**{**base, "params": params_kept}, verified=verified, verdict=verdict, outcome="rejected")
        return False
    settled = _settled_outcome(message, order)
    if settled:
        metrics.TRADE_OUTCOMES.labels(settled).inc()
        events.record(**base, verified=True, verdict="ok", outcome=settled)
        return True
    event = events.record(**base, verified=True, verdict="ok")
    try:
        with transaction.atomic():  # the outcome commits with its effect: one commit, and never one without the other
            outcome = apply_trade(provider, order, message.trade)
            if outcome == "amount_mismatch":
                events.finish(event, "rejected: quarantined", verdict="amount_mismatch")
            else:
                events.finish(event, outcome)
    except DatabaseError:
        logger.exception("notify for %s rolled back; the provider will retry", order.order_number)
        events.safe_finish(event, "error: database")
        return False
    return outcome != "amount_mismatch"


def payment_return(provider: PaymentProvider, *, user_id: int, params: dict) -> Order:
    """The return relay: verify the signed parameters, then confirm with the provider (never fulfil on the
    return alone). Returns the order, paid when the provider confirms it."""
    claim = provider.claim(params)
    event = events.record(Kind.RETURN, Direction.INBOUND, provider=provider, order_number=claim.order_number,
                          trade_no=claim.trade_no, params=params)
    message = provider.parse_return(params)
    if isinstance(message, Rejection):
        verdict, order = message.verdict, None
    else:
        order = _order_of(message)
        verdict = "ok" if order is not None else "unknown_order"
    if verdict != "ok" or order.user_id != user_id:
        events.finish(event, "rejected", verified=verdict != "bad_signature",
                      verdict=verdict if verdict != "ok" else "not_owner")
        if verdict == "bad_signature":
            raise ShopError("支付结果签名无效", code="return_signature_invalid")
        raise ShopError("支付结果无效或订单不存在", code="return_invalid",
                        status=404 if verdict in ("unknown_order", "ok") else 400)
    if order.order_status == Order.Status.UNPAID:
        try:
            order = settle_with_gateway(order)
        except ProviderError as exc:
            # The return verified, but the provider could not confirm it: say so on the event (not "pending"
            # forever); the SPA's poll or the next relay asks again.
            events.finish(event, f"error: {exc.code}", verified=True, verdict="ok")
            raise
    events.finish(event, f"order_status={order.order_status}", verified=True, verdict="ok")
    if order.order_status == Order.Status.PAID:
        return order
    if order.order_status == Order.Status.UNPAID:
        raise ShopError(f"{provider.title}尚未确认这笔支付，请稍后刷新", code="payment_pending")
    # Paid after the order had closed: the student's result page says so and shows the refund's state.
    raise ShopError(f"订单{order.get_order_status_display()}，到账款项将原路退回", code="order_closed",
                    order_status=order.order_status, order_number=order.order_number,
                    refund=LateRefundSerializer(late_payment_refund(order)).data)
