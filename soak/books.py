"""The verdict: wait until everything has landed, then every order against the sandbox's own record of its
trade (paid orders paid once and never refunded; released orders never left with money taken), and
`manage.py audit` over the whole database."""
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal

from harness.stack import ROOT
from soak.shop import PAID, sim, stats, wsim


def settle(max_wait: float):
    """Wait until no order is unpaid and no refund pending (expiry countdowns, the sweeper, refund retries)."""
    from django.db import connections

    from luffycityapi.apps.orders.models import Order
    from luffycityapi.apps.payments.models import Refund

    deadline = time.monotonic() + max_wait
    while True:
        unpaid = Order.objects.filter(order_status=Order.Status.UNPAID).count()
        pending = Refund.objects.filter(status=Refund.Status.PENDING).count()
        connections.close_all()
        if not unpaid and not pending:
            return
        if time.monotonic() > deadline:
            stats.violation(f"not settled after {max_wait:.0f}s: {unpaid} unpaid orders, {pending} pending refunds")
            return
        time.sleep(1.0)


def check_books(students: list) -> Counter:
    """Every order against the sandbox's own record of the trade."""
    from luffycityapi.apps.orders.models import Order
    from luffycityapi.apps.payments.models import PaymentIssue, Refund

    trades = {}
    listing = sim("trades", http="GET").json()
    for t in listing if isinstance(listing, list) else listing.get("trades", []):
        trades[t["out_trade_no"]] = t
    fates = {o["order_number"]: o["fate"] for s in students for o in s.orders}
    tally = Counter()
    for order in Order.objects.all():
        if order.pay_type == Order.PayType.WECHAT:
            _check_wechat(order, fates.get(order.order_number, "?"), tally)
            continue
        trade = trades.get(order.order_number)
        if trade is not None and "gmt_payment" not in trade:
            trade = sim(f"trades/{order.order_number}", http="GET").json()
        ever_paid = bool(trade and trade.get("gmt_payment"))
        refunded = Decimal(trade["refund_fee"]) if trade and trade.get("refund_fee") else Decimal("0")
        fate = fates.get(order.order_number, "?")
        label = order.get_order_status_display()
        if order.pay_type == Order.PayType.WALLET:  # paid inside the shop: the audit checks its ledger entry
            tally["wallet paid" if order.order_status == Order.Status.PAID else f"wallet {label}"] += 1
            if order.order_status != Order.Status.PAID:
                stats.violation(f"wallet order {order.order_number} ended {label}")
            continue
        if order.kind == Order.Kind.TOPUP:
            tally["top-ups"] += 1
        if order.order_status == Order.Status.PAID:
            tally["paid"] += 1
            if not ever_paid or trade["status"] not in PAID:
                stats.violation(f"order {order.order_number} paid but the gateway says {trade and trade['status']}")
            elif trade["trade_no"] != order.trade_no or Decimal(trade["total_amount"]) != order.real_price:
                stats.violation(f"order {order.order_number} paid by {order.trade_no} {order.real_price}, the gateway "
                                f"says {trade['trade_no']} {trade['total_amount']}")
            elif refunded:
                stats.violation(f"order {order.order_number} paid but refunded {refunded} at the gateway")
        elif order.order_status in (Order.Status.CANCELLED, Order.Status.TIMEOUT):
            tally["cancelled" if order.order_status == Order.Status.CANCELLED else "timed out"] += 1
            if ever_paid:
                tally["late payments refunded"] += 1
                refund = Refund.objects.filter(order=order, status=Refund.Status.SUCCEEDED).first()
                if refund is None or refunded != Decimal(trade["total_amount"]):
                    stats.violation(f"order {order.order_number} {label} after a payment at the gateway, refunded "
                                    f"{refunded} of {trade['total_amount']} (refund row {refund})")
                if not PaymentIssue.objects.filter(order=order, kind=PaymentIssue.Kind.LATE_PAYMENT).exists():
                    stats.violation(f"order {order.order_number}: late payment not flagged")
            elif trade is not None and trade["status"] == "WAIT_BUYER_PAY" and fate != "expire_link_only" and \
                    fate != "cancel_then_pay":
                stats.violation(f"order {order.order_number} {label} but its trade is still open at the gateway")
        else:
            tally[label] += 1
            stats.violation(f"order {order.order_number} ended {label}")
        if fate == "pay" and order.order_status != Order.Status.PAID:
            stats.violation(f"order {order.order_number} was paid at the gateway but is {label}")
    tally["amount mismatches quarantined"] = PaymentIssue.objects.filter(
        kind=PaymentIssue.Kind.AMOUNT_MISMATCH).count()
    return tally


def _check_wechat(order, fate: str, tally: Counter) -> None:
    """A WeChat Pay order against the WeChat sandbox's record: paid once, for the order's amount, never refunded."""
    from luffycityapi.apps.orders.models import Order

    r = wsim(f"orders/{order.order_number}", http="GET")
    trade = r.json() if r.status_code == 200 else None
    if order.order_status == Order.Status.PAID:
        tally["paid"] += 1
        tally["paid with WeChat Pay"] += 1
        if not trade or trade["trade_state"] != "SUCCESS":
            state = trade and trade["trade_state"]
            stats.violation(f"wechat order {order.order_number} paid but the gateway says {state}")
        elif trade["transaction_id"] != order.trade_no or Decimal(trade["amount"]["total"]) / 100 != order.real_price:
            stats.violation(f"wechat order {order.order_number} paid by {order.trade_no} {order.real_price}, the "
                            f"gateway says {trade['transaction_id']} {trade['amount']['total']} fen")
    else:
        stats.violation(f"wechat order {order.order_number} ended {order.get_order_status_display()} ({fate})")


def run_audit(env: dict) -> tuple[int, str]:
    """`manage.py audit` against the soak's database: (exit status, what it printed)."""
    out = subprocess.run([sys.executable, "manage.py", "audit"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    return out.returncode, (out.stdout + out.stderr).strip()
