"""The calls we make to a provider for an order: the cashier link, the status query (the SPA's poll, the return's
confirmation, reconciliation) and the close at cancel or expiry. Gateway calls are never made inside a database
transaction, and each is recorded (events.ask)."""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from luffycityapi.apps.orders import selectors as order_selectors
from luffycityapi.apps.orders import services as order_services
from luffycityapi.apps.orders.models import Order
from luffycityapi.core.errors import ShopError

from . import events
from .fulfilment import apply_trade
from .models import PaymentEvent
from .providers.base import BalanceProvider, CloseResult, PayRequest, PaymentProvider, Trade
from .providers.registry import provider_for

Kind, Direction = PaymentEvent.Kind, PaymentEvent.Direction


# Which cashier the SPA asks for: "desktop" (the default) or "mobile" (a phone's browser).
DEVICES = ("desktop", "mobile")


@dataclass(frozen=True)
class PaymentLink:
    """The cashier link for an order (serializers.PaymentLinkSerializer); `link` is None for a 0.00 order, paid at
    once."""

    pay_type: int
    get_pay_type_display: str
    link: str | None
    order_status: int


@dataclass(frozen=True)
class WalletPayment:
    """An order paid from the wallet, and the balance left (serializers.WalletPaymentSerializer)."""

    order_number: str
    order_status: int
    get_order_status_display: str
    pay_time: datetime | None
    real_price: Decimal
    pay_type: int
    get_pay_type_display: str
    money: Decimal


def payment_link(provider: PaymentProvider, *, user_id: int, order_number: str,
                 device: str = "desktop") -> PaymentLink:
    """The provider's cashier link for the user's unpaid, unexpired order, for the device the SPA names; a 0.00
    order is fulfilled at once."""
    if device not in DEVICES:
        raise ShopError("支付设备参数有误，应为 desktop 或 mobile", code="device_invalid")
    order = order_selectors.order_of_user(user_id=user_id, order_number=order_number, with_lines=False)
    if order.order_status == Order.Status.PAID:
        raise ShopError("订单已支付，请勿重复支付", code="order_already_paid")
    if order.order_status != Order.Status.UNPAID:
        raise ShopError(f"订单{order.get_order_status_display()}，不能支付", code="order_not_payable")
    if order.expire_time <= timezone.now():
        raise ShopError("订单已超时，请重新下单", code="order_expired")
    if order.pay_type != provider.pay_type:
        raise ShopError(f"该订单不使用{provider.title}支付", code="pay_type_mismatch")
    if order.real_price == 0:
        event = events.record(Kind.FREE, Direction.OUTBOUND, provider=provider, order_number=order.order_number)
        with events.finishing(event):
            try:
                result = order_services.order_mark_paid(order_id=order.id, trade_no="")
            except order_services.OrderNotPayable:  # a cancel or the expiry took the lock first
                events.finish(event, "rejected: order_not_payable")
                raise
        events.finish(event, "fulfilled" if result.newly_paid else "duplicate")
        return PaymentLink(order.pay_type, provider.title, None, Order.Status.PAID)
    link = provider.pay_url(PayRequest(order_number=order.order_number, amount=order.real_price, subject=order.name,
                                       expire_at=order.expire_time), device=device)
    events.record(Kind.LINK, Direction.OUTBOUND, provider=provider, order_number=order.order_number, outcome="ok",
                  params={"amount": str(order.real_price), "expire_at": str(order.expire_time),
                          "device": device})
    return PaymentLink(order.pay_type, provider.title, link, order.order_status)


def payment_charge(provider: BalanceProvider, *, user_id: int, order_number: str) -> Order:
    """Pay the user's unpaid order from a balance the shop holds (the wallet), all or nothing: recorded first, then
    in one transaction the order and user are locked (order → user), the order is checked unpaid and unexpired,
    the balance is charged and the order goes through the one fulfilment path. A balance too small raises (4xx)
    with nothing written; an order already paid is answered as it is (a second POST charges nothing)."""
    order = order_selectors.order_of_user(user_id=user_id, order_number=order_number, with_lines=False)
    if order.pay_type != provider.pay_type:
        raise ShopError(f"该订单不使用{provider.title}支付", code="pay_type_mismatch")
    if order.order_status in (Order.Status.PAID, Order.Status.REFUNDED):
        return order  # a repeat (double click, retry): nothing is charged again
    event = events.record(Kind.CHARGE, Direction.OUTBOUND, provider=provider, order_number=order.order_number,
                          params={"amount": str(order.real_price)})
    with events.finishing(event):
        with transaction.atomic():
            order = order_services.order_lock(order.id)
            if order.order_status in (Order.Status.PAID, Order.Status.REFUNDED):
                outcome = "duplicate"  # a concurrent charge of the same order won the lock
            else:
                if order.order_status != Order.Status.UNPAID:
                    raise ShopError(f"订单{order.get_order_status_display()}，不能支付", code="order_not_payable",
                                    status=409)
                if order.expire_time <= timezone.now():
                    raise ShopError("订单已超时，请重新下单", code="order_expired", status=409)
                if order.real_price > 0:
                    trade = provider.charge(PayRequest(order_number=order.order_number, amount=order.real_price,
                                                       subject=order.name, expire_at=order.expire_time),
                                            user_id=order.user_id)
                else:  # a 0.00 order moves no money: no ledger entry
                    trade = Trade(exists=True, paid=True, status="FREE", amount=order.real_price)
                outcome = apply_trade(provider, order, trade)
                if outcome != "fulfilled":  # the order is locked and unpaid: nothing else may come of it
                    raise RuntimeError(f"charge of {order.order_number} came to {outcome}")
                event.provider_trade_no = trade.trade_no[:64]
                event.save(update_fields=["provider_trade_no"])
            events.finish(event, outcome, response=getattr(trade, "raw", None) if outcome == "fulfilled" else None)
    return Order.objects.get(pk=order.pk)


def wallet_payment(provider: BalanceProvider, *, user_id: int, order_number: str) -> WalletPayment:
    """payment_charge, answered with the order's status and the balance left after it."""
    order = payment_charge(provider, user_id=user_id, order_number=order_number)
    return WalletPayment(order.order_number, order.order_status, order.get_order_status_display(), order.pay_time,
                         order.real_price, order.pay_type, provider.title, provider.balance(user_id))


def trade_query(order: Order) -> Trade:
    """Ask the order's provider about its trade (recorded like every outbound call); raises ProviderError."""
    provider = provider_for(order.pay_type)
    return events.ask(Kind.QUERY, provider, order.order_number, provider.query)


def settle_with_gateway(order: Order) -> Order:
    """Ask the provider about an unpaid order and fulfil it when the provider says it is paid."""
    trade = trade_query(order)
    if trade.paid:
        apply_trade(provider_for(order.pay_type), order, trade)
    return Order.objects.get(pk=order.pk)


def payment_query(*, user_id: int, order_number: str) -> Order:
    """The SPA's poll: while unpaid, ask the gateway (and fulfil if paid), at most once per order every
    PAYMENT_QUERY_GATEWAY_SECONDS across all workers; the polls in between answer from the database."""
    order = order_selectors.order_of_user(user_id=user_id, order_number=order_number, with_lines=False)
    if order.order_status == Order.Status.UNPAID and _gateway_turn(order.order_number):
        order = settle_with_gateway(order)
    return order


def _gateway_turn(order_number: str) -> bool:
    """True for the one poll that may ask the gateway now: an atomic add (Redis SET NX EX) that only the first
    caller in the window wins. A notify fulfils in the database, so the polls between still see a payment."""
    seconds = settings.PAYMENT_QUERY_GATEWAY_SECONDS
    return seconds <= 0 or cache.add(f"payments:query-gate:{order_number}", 1, timeout=seconds)


def payment_close_order(order_id: int, new_status: int) -> Order:
    """What closes an unpaid order (cancel and expiry; installed as the orders app's close handler): ask the
    provider first; if paid, fulfil; else close the trade there, and only then release coupon and credits. A
    gateway failure leaves the order unchanged (the sweeper retries)."""
    order = Order.objects.get(pk=order_id)
    if order.order_status != Order.Status.UNPAID:
        return order
    if not PaymentEvent.objects.filter(order_number=order.order_number, kind=Kind.LINK).exists():
        # No cashier link was ever issued, so the provider cannot know this trade: nothing to ask or close.
        return order_services.order_release(order_id=order.id, new_status=new_status)
    order = settle_with_gateway(order)
    if order.order_status != Order.Status.UNPAID:
        return order
    provider = provider_for(order.pay_type)
    outcome = events.ask(Kind.CLOSE, provider, order.order_number, provider.close)
    if outcome == CloseResult.ALREADY_PAID:  # paid between our query and the close
        order = settle_with_gateway(order)
        if order.order_status != Order.Status.UNPAID:
            return order
    return order_services.order_release(order_id=order.id, new_status=new_status)
