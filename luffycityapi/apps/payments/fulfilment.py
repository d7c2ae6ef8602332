"""What a verified payment does to its order: the one fulfilment path (orders.services.order_mark_paid), or, when
the payment does not fit, a quarantined issue (wrong amount) or an automatic refund (paid after the order closed)."""
import logging
from decimal import Decimal

from django.db import IntegrityError, transaction

from luffycityapi.apps.orders import services as order_services
from luffycityapi.apps.orders.models import Order
from luffycityapi.core import metrics
from luffycityapi.core.queue import enqueue

from .models import PaymentIssue, Refund
from .providers.base import PaymentProvider, Trade

logger = logging.getLogger("luffycityapi.payments")


def apply_trade(provider: PaymentProvider, order: Order, trade: Trade) -> str:
    """Act on a verified paid trade for an order: "fulfilled", "duplicate", "late_payment" (recorded and
    refunded) or "amount_mismatch" (quarantined); the outcome is counted for /metrics."""
    outcome = _apply_paid_trade(provider, order, trade)
    metrics.TRADE_OUTCOMES.labels(outcome).inc()
    return outcome


def _apply_paid_trade(provider: PaymentProvider, order: Order, trade: Trade) -> str:
    if trade.amount != order.real_price:
        _quarantine_amount(provider, order, trade.trade_no, trade.amount)
        return "amount_mismatch"
    try:
        result = order_services.order_mark_paid(order_id=order.id, trade_no=trade.trade_no, pay_time=trade.paid_at)
    except order_services.OrderNotPayable:
        _late_payment(provider, order, trade.trade_no, trade.amount)
        return "late_payment"
    return "fulfilled" if result.newly_paid else "duplicate"


def _quarantine_amount(provider: PaymentProvider, order: Order, trade_no: str, amount) -> None:
    try:
        PaymentIssue.objects.get_or_create(provider_trade_no=trade_no or order.order_number,
                                           kind=PaymentIssue.Kind.AMOUNT_MISMATCH,
                                           defaults={"order": order, "amount": amount, "provider": provider.name})
    except IntegrityError:  # the same mismatch recorded by a concurrent delivery
        pass


def _late_payment(provider: PaymentProvider, order: Order, trade_no: str, amount: Decimal) -> None:
    """A payment for an order already cancelled or timed out: flag the order and refund the money."""
    with transaction.atomic():
        refund, _ = Refund.objects.get_or_create(
            out_request_no=f"L{order.order_number}",
            defaults={"order": order, "amount": amount, "reason": Refund.Reason.LATE_PAYMENT,
                      "remark": f"交易 {trade_no} 在订单关闭后支付"})
        issue, created = PaymentIssue.objects.get_or_create(
            provider_trade_no=trade_no, kind=PaymentIssue.Kind.LATE_PAYMENT,
            defaults={"order": order, "amount": amount, "refund": refund, "status": PaymentIssue.Status.REFUNDING,
                      "provider": provider.name})
        if created:
            logger.warning("late payment %s for %s order %s: refunding", trade_no,
                           order.get_order_status_display(), order.order_number)
    transaction.on_commit(lambda: _queue_refund(refund.id))


def _queue_refund(refund_id: int) -> None:
    try:
        enqueue("payments.refund_execute", refund_id)
    except Exception:  # noqa: BLE001 - the broker being down must not lose the refund: the beat job retries it
        logger.exception("could not queue refund %s; the retry job will run it", refund_id)
