"""Reconciliation: ask each order's provider about its trade and repair drift through the normal payment services,
so a lost notify is found within minutes, not at the order's expiry.

- Unpaid orders whose cashier link was issued more than RECONCILE_UNPAID_AFTER_SECONDS ago (and that have not
  expired yet: the expiry job asks at the deadline) are asked about every run; a payment found is fulfilled
  (or quarantined/refunded) exactly as a notify would be.
- Once a day (and by `manage.py reconcile`), every order paid in the last RECONCILE_LOOKBACK_HOURS and every
  order closed in that window after a link was issued are asked too; what disagrees is stored as a
  ReconciliationMismatch row (one per order, kind and day), the daily report shown in admin.
No call is made inside a database transaction; one order's gateway failure does not stop the others."""
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from luffycityapi.apps.orders.models import Order

from .fulfilment import apply_trade
from .models import PaymentEvent, PaymentIssue, ReconciliationMismatch, Refund
from .outbound import trade_query
from .providers.base import ProviderError
from .providers.registry import provider_for

logger = logging.getLogger("luffycityapi.payments.reconcile")
Mismatch = ReconciliationMismatch


@dataclass
class ReconcileReport:
    checked: int = 0
    repaired: int = 0
    mismatches: int = 0
    errors: list = field(default_factory=list)

    def merge(self, other: "ReconcileReport") -> "ReconcileReport":
        return ReconcileReport(self.checked + other.checked, self.repaired + other.repaired,
                               self.mismatches + other.mismatches, self.errors + other.errors)


def _link_issued(before):
    return Exists(PaymentEvent.objects.filter(order_number=OuterRef("order_number"), kind=PaymentEvent.Kind.LINK,
                                              created_time__lte=before))


def unpaid_to_check(now=None, limit: int = 500) -> list[Order]:
    """Unpaid, unexpired orders whose cashier link is older than the grace period (the buyer had time to pay)."""
    now = now or timezone.now()
    before = now - timedelta(seconds=settings.RECONCILE_UNPAID_AFTER_SECONDS)
    return list(Order.objects.filter(order_status=Order.Status.UNPAID, expire_time__gt=now)
                .filter(_link_issued(before)).order_by("created_time")[:limit])


def _record(order: Order, kind: str, trade, resolution: str, detail: str, our_status=None) -> None:
    try:
        Mismatch.objects.update_or_create(
            day=timezone.localdate(), order_number=order.order_number, kind=kind,
            defaults={"order": order, "our_status": order.order_status if our_status is None else our_status,
                      "our_amount": order.real_price, "provider": provider_for(order.pay_type).name,
                      "provider_status": trade.status if trade.exists else "NOT_EXIST",
                      "provider_amount": trade.amount, "provider_trade_no": trade.trade_no,
                      "resolution": resolution, "detail": detail[:255]})
    except IntegrityError:  # the same mismatch recorded by a concurrent run
        pass


_OUTCOMES = {  # what applying a trade the provider says is paid did to an order we had as unpaid/closed
    "fulfilled": (Mismatch.Kind.PAID_THERE_NOT_HERE, Mismatch.Resolution.REPAIRED, "通知丢失，已按{title}补记支付并发放课程"),
    "late_payment": (Mismatch.Kind.PAID_THERE_NOT_HERE, Mismatch.Resolution.REFUNDING, "订单关闭后到账，已转自动退款"),
    "amount_mismatch": (Mismatch.Kind.AMOUNT_DIFFERS, Mismatch.Resolution.OPEN, "到账金额与订单不符，已隔离"),
}


def _settle(order: Order, report: ReconcileReport) -> None:
    """Ask about an order we do not have as paid; apply a payment the provider knows of."""
    status_before = order.order_status
    trade = trade_query(order)
    report.checked += 1
    if not trade.paid:
        return
    outcome = apply_trade(provider_for(order.pay_type), order, trade)
    if outcome in _OUTCOMES:
        kind, resolution, detail = _OUTCOMES[outcome]
        _record(order, kind, trade, resolution, detail.format(title=provider_for(order.pay_type).title),
                our_status=status_before)
        report.mismatches += 1
        report.repaired += resolution != Mismatch.Resolution.OPEN
        logger.warning("reconciliation: order %s %s", order.order_number, outcome)


def reconcile_unpaid(now=None) -> ReconcileReport:
    """Find payments whose notify was lost: ask about unpaid orders well before their deadline."""
    report = ReconcileReport()
    for order in unpaid_to_check(now):
        try:
            _settle(order, report)
        except ProviderError as exc:
            report.errors.append(f"{order.order_number}: {exc.code}")
    return report


def _refunded_money(order: Order):
    return Refund.objects.filter(order=order, status=Refund.Status.SUCCEEDED,
                                 reason=Refund.Reason.ADMIN).aggregate(s=Sum("amount"))["s"] or 0


def _check_settled(order: Order, report: ReconcileReport) -> None:
    """A paid (or refunded) order must have a paid trade of the same amount at its provider; a trade closed by
    refunds is fine once our refunds account for all its money."""
    trade = trade_query(order)
    report.checked += 1
    if not trade.exists or (not trade.paid and not trade.closed):
        _record(order, Mismatch.Kind.HERE_NOT_THERE, trade, Mismatch.Resolution.OPEN,
                f"本地已支付，{provider_for(order.pay_type).title}无此收款")
        report.mismatches += 1
    elif trade.amount != order.real_price:
        _record(order, Mismatch.Kind.AMOUNT_DIFFERS, trade, Mismatch.Resolution.OPEN,
                f"本地 {order.real_price}，{provider_for(order.pay_type).title} {trade.amount}")
        report.mismatches += 1
    elif trade.closed and order.order_status == Order.Status.PAID \
            and _refunded_money(order) != order.real_price:
        _record(order, Mismatch.Kind.HERE_NOT_THERE, trade, Mismatch.Resolution.OPEN,
                f"{provider_for(order.pay_type).title}交易已关闭（全额退款？），本地订单仍为已支付")
        report.mismatches += 1


def recent_to_check(now=None):
    """The last day's paid orders (money taken through a provider) and closed orders that had a link issued and no
    quarantined payment yet."""
    now = now or timezone.now()
    since = now - timedelta(hours=settings.RECONCILE_LOOKBACK_HOURS)
    settled = Order.objects.filter(order_status__in=(Order.Status.PAID, Order.Status.REFUNDED), pay_time__gte=since,
                                   real_price__gt=0).order_by("pay_time")
    issues = PaymentIssue.objects.filter(order=OuterRef("pk"))
    closed = (Order.objects.filter(order_status__in=(Order.Status.CANCELLED, Order.Status.TIMEOUT),
                                   updated_time__gte=since, real_price__gt=0)
              .filter(_link_issued(now)).exclude(Exists(issues)).order_by("updated_time"))
    return list(settled), list(closed)


def reconcile_recent(now=None) -> ReconcileReport:
    """The daily report: every payment of the last day checked against its provider, and closed orders that may
    still have been paid for there."""
    report = ReconcileReport()
    settled, closed = recent_to_check(now)
    for order, check in [(o, _check_settled) for o in settled] + [(o, _settle) for o in closed]:
        try:
            check(order, report)
        except ProviderError as exc:
            report.errors.append(f"{order.order_number}: {exc.code}")
    return report


def reconcile_all(now=None) -> ReconcileReport:
    """Both passes (what `manage.py reconcile` runs)."""
    return reconcile_unpaid(now).merge(reconcile_recent(now))
