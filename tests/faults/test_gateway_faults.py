"""The gateway down (a closed port), slower than the timeout (sandbox `sleep`: the call IS processed, the answer
comes too late), unsigned or badly signed, on link, query, close (cancel) and refund: a clear 502/503 or a later
retry, and no state change. Over real HTTP against the live shop and its sandbox gateway; nothing is mocked."""
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import requests
from payments.conftest import TIMEOUT, wait_for

from luffycityapi.apps.coupon.models import CouponLog
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments import tasks as payment_tasks
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.payments.models import PaymentEvent, PaymentIssue, Refund
from luffycityapi.apps.users.models import Credit

pytestmark = pytest.mark.timeout(90)

# Sandbox fault kind -> the shop's answer. system_error, http_500 and unsigned_error do nothing at Alipay;
# bad_signature (like sleep) is an answer we cannot trust to a call Alipay DID carry out.
DONE_ANYWAY = {"bad_signature", "sleep"}
FAULTS = [
    ("system_error", 503, "gateway_error"),
    ("http_500", 503, "gateway_http_error"),
    ("unsigned_error", 502, "gateway_rejected"),
    ("bad_signature", 502, "gateway_bad_signature"),
]


def _trade(student, number) -> dict:
    return requests.get(f"{student.base}/sandbox/alipay/__sim__/trades/{number}", timeout=TIMEOUT).json()


def _held(order_id) -> tuple:
    """What an unpaid order holds: its status, its reserved coupon logs, credits returned for it."""
    order = Order.objects.get(pk=order_id)
    coupons = list(CouponLog.objects.filter(order_id=order_id).values_list("use_status", flat=True))
    returned = Credit.objects.filter(order_number=order.order_number, operation=Credit.Operation.RETURN).count()
    return order.order_status, coupons, returned


def _opened_order(student, make_course, coupon_log):
    """An unpaid order with a coupon, whose cashier the buyer opened (so closing it must ask the gateway)."""
    order = student.order([make_course(price="150.00").id], coupon_id=coupon_log.id)
    cashier = student.open_cashier(order["order_number"])
    student.click(cashier, "login")
    assert _held(order["id"]) == (Order.Status.UNPAID, [CouponLog.Status.UNUSED], 0)
    return order


def _cancel(student, order):
    return student.call("POST", f"/api/orders/{order['order_number']}/cancel/")


def _cancelled_cleanly(student, order):
    assert _cancel(student, order).status_code == 200
    assert _held(order["id"]) == (Order.Status.CANCELLED, [], 0)
    assert _trade(student, order["order_number"])["status"] == "TRADE_CLOSED"
    assert {k: v for k, v in run_audit().items() if v} == {}


# --- close (cancel) ------------------------------------------------------------------------------------------

def test_cancel_with_the_gateway_down_is_a_503_and_changes_nothing(student, make_course, coupon_log, settings,
                                                                   closed_port):
    order = _opened_order(student, make_course, coupon_log)
    gateway = settings.ALIPAY_GATEWAY
    settings.ALIPAY_GATEWAY = f"http://127.0.0.1:{closed_port}/gateway.do"

    response = _cancel(student, order)

    assert response.status_code == 503 and response.json()["code"] == "gateway_unreachable", response.text
    assert _held(order["id"]) == (Order.Status.UNPAID, [CouponLog.Status.UNUSED], 0)
    settings.ALIPAY_GATEWAY = gateway  # the gateway is back: the same cancel now goes through, once
    _cancelled_cleanly(student, order)


@pytest.mark.parametrize("kind,status,code", FAULTS)
def test_cancel_with_a_faulty_gateway_is_a_clear_error_and_changes_nothing(student, make_course, coupon_log,
                                                                           kind, status, code):
    order = _opened_order(student, make_course, coupon_log)
    student.sim("faults", method="alipay.trade.close", kind=kind, count=1)

    response = _cancel(student, order)

    assert response.status_code == status and response.json()["code"] == code, response.text
    assert _held(order["id"]) == (Order.Status.UNPAID, [CouponLog.Status.UNUSED], 0)
    trade = _trade(student, order["order_number"])
    assert trade["status"] == ("TRADE_CLOSED" if kind in DONE_ANYWAY else "WAIT_BUYER_PAY")
    _cancelled_cleanly(student, order)  # the retry: closed at Alipay (now or already), released here once


def test_cancel_answered_after_the_timeout_is_a_503_and_the_retry_finds_the_trade_closed(
        student, make_course, coupon_log, settings):
    """`sleep`: Alipay closed the trade but we never heard. The order stays unpaid (coupon held) until the next
    try, which learns from the gateway that the trade is closed and releases the order once."""
    settings.ALIPAY_TIMEOUT_SECONDS = 1
    order = _opened_order(student, make_course, coupon_log)
    student.sim("faults", method="alipay.trade.close", kind="sleep", count=1, seconds=2.5)

    response = _cancel(student, order)

    assert response.status_code == 503 and response.json()["code"] == "gateway_timeout", response.text
    assert _held(order["id"]) == (Order.Status.UNPAID, [CouponLog.Status.UNUSED], 0)
    wait_for(lambda: _trade(student, order["order_number"])["status"] == "TRADE_CLOSED", what="the late close")
    _cancelled_cleanly(student, order)


# --- query ---------------------------------------------------------------------------------------------------

def test_query_with_the_gateway_down_is_a_503_and_changes_nothing(student, make_course, settings, closed_port):
    order = student.order([make_course(price="10.00").id])
    student.open_cashier(order["order_number"])
    settings.ALIPAY_GATEWAY = f"http://127.0.0.1:{closed_port}/gateway.do"

    response = student.call("GET", f"/api/payments/alipay/query/{order['order_number']}/")

    assert response.status_code == 503 and response.json()["code"] == "gateway_unreachable", response.text
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.UNPAID
    assert PaymentEvent.objects.get(kind="query").outcome == "error: gateway_unreachable"  # recorded, not lost


def _paid_without_notify(student, make_course):
    """The buyer pays on the cashier, the notify is held back: the return relay is all the shop has heard."""
    order = student.order([make_course(price="10.00").id])
    cashier = student.open_cashier(order["order_number"])
    student.sim("config", notify_order="never")
    back = urlsplit(student.click(cashier, "pay").headers["Location"])
    return order, back.query


@pytest.mark.parametrize("fault", ["gateway_down", "system_error"])
def test_return_relay_whose_query_fails_records_the_error_and_the_next_relay_confirms(student, make_course, settings,
                                                                                     closed_port, fault):
    """The return verifies but trade.query cannot be asked: a clear 503, the order stays unpaid, and the return's
    PaymentEvent says why instead of staying "pending" forever."""
    order, query = _paid_without_notify(student, make_course)
    gateway = settings.ALIPAY_GATEWAY
    if fault == "gateway_down":
        settings.ALIPAY_GATEWAY = f"http://127.0.0.1:{closed_port}/gateway.do"
    else:
        student.sim("faults", method="alipay.trade.query", kind="system_error", count=1)
    code = {"gateway_down": "gateway_unreachable", "system_error": "gateway_error"}[fault]

    response = student.call("GET", f"/api/payments/alipay/result/?{query}")

    assert response.status_code == 503 and response.json()["code"] == code, response.text
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.UNPAID
    event = PaymentEvent.objects.get(kind="return")
    assert (event.outcome, event.verified, event.verdict) == (f"error: {code}", True, "ok")
    assert PaymentEvent.objects.get(kind="query").outcome == f"error: {code}"

    settings.ALIPAY_GATEWAY = gateway  # the gateway answers again: the same relay confirms the payment
    assert student.call("GET", f"/api/payments/alipay/result/?{query}", 200).json()["real_price"] == "10.00"
    outcomes = list(PaymentEvent.objects.filter(kind="return").order_by("id").values_list("outcome", flat=True))
    assert outcomes == [f"error: {code}", f"order_status={Order.Status.PAID}"]


# --- link (signed here, never sent by us: the browser takes it to the gateway) -------------------------------

@pytest.mark.parametrize("which", ["ALIPAY_APP_PRIVATE_KEY_FILE", "ALIPAY_PUBLIC_KEY_FILE"])
@pytest.mark.parametrize("content", [None, b"-----BEGIN RSA PRIVATE KEY-----\ngarbage\n-----END RSA PRIVATE KEY-----\n"])
def test_link_with_a_broken_key_is_a_clear_503_not_a_crash(auth_client, place_order, settings, tmp_path, which,
                                                           content):
    order = place_order(auth_client, "100.00")
    path = tmp_path / "key.pem"
    if content is not None:
        path.write_bytes(content)
    setattr(settings, which, str(path))

    response = auth_client.get(f"/api/payments/alipay/{order['order_number']}/")

    assert response.status_code == 503, response.content
    body = response.json()
    assert body["code"] == "payment_config_invalid" and "key.pem" not in body["errmsg"]  # no paths to the client
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.UNPAID
    assert not PaymentEvent.objects.filter(kind="link").exists()  # no link was issued


# --- refund (of a payment that arrived after the order was cancelled) ----------------------------------------

def _late_payment(student, make_course, before_pay=lambda: None, price="120.00"):
    """Cancel with the cashier open (never logged in: nothing to close at Alipay), then the buyer pays anyway:
    a late payment the shop must refund. The refund runs at once (eager Celery) against whatever gateway is set
    by `before_pay`."""
    order = student.order([make_course(price=price).id])
    cashier = student.open_cashier(order["order_number"])
    student.call("POST", f"/api/orders/{order['order_number']}/cancel/", 200)
    before_pay()
    assert student.click(cashier, "pay").status_code == 302
    refund = wait_for(lambda: Refund.objects.filter(order_id=order["id"], attempts__gte=1).first(),
                      what="the first refund attempt")
    return order, refund


def _refunded_once(student, order, amount):
    payment_tasks.retry_pending_refunds()  # the beat job, once the gateway is back
    payment_tasks.retry_pending_refunds()  # and again: nothing more happens
    refund = Refund.objects.get(order_id=order["id"])
    assert refund.status == Refund.Status.SUCCEEDED
    assert PaymentIssue.objects.get(order_id=order["id"]).status == PaymentIssue.Status.REFUNDED
    trade = _trade(student, order["order_number"])
    assert [r["refund_amount"] for r in trade["refunds"]] == [amount] and trade["refund_fee"] == amount
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.CANCELLED
    assert {k: v for k, v in run_audit().items() if v} == {}


def test_refund_with_the_gateway_down_stays_pending_and_the_retry_refunds_once(student, make_course, settings,
                                                                                closed_port):
    gateway = settings.ALIPAY_GATEWAY

    def gateway_down():
        settings.ALIPAY_GATEWAY = f"http://127.0.0.1:{closed_port}/gateway.do"

    order, refund = _late_payment(student, make_course, gateway_down)

    assert refund.status == Refund.Status.PENDING
    assert PaymentIssue.objects.get(order_id=order["id"]).status == PaymentIssue.Status.REFUNDING
    assert _trade(student, order["order_number"])["refund_fee"] == "0.00"
    settings.ALIPAY_GATEWAY = gateway
    _refunded_once(student, order, "120.00")


@pytest.mark.parametrize("kind", ["system_error", "http_500", "bad_signature", "sleep"])
def test_refund_on_a_faulty_gateway_stays_pending_and_the_retry_refunds_once(student, make_course, settings, kind):
    """`sleep` and `bad_signature` are the nasty ones: Alipay refunded but we never heard (or cannot trust what
    we heard). The retry repeats the same out_request_no, Alipay answers fund_change "N", and the refund query
    confirms it: refunded once, not twice."""
    settings.ALIPAY_TIMEOUT_SECONDS = 1
    student.sim("faults", method="alipay.trade.refund", kind=kind, count=1, seconds=2.5)
    order, refund = _late_payment(student, make_course)

    assert refund.status == Refund.Status.PENDING
    if kind in DONE_ANYWAY:
        wait_for(lambda: _trade(student, order["order_number"])["refund_fee"] == "120.00", what="the late refund")
    else:
        assert _trade(student, order["order_number"])["refund_fee"] == "0.00"
    _refunded_once(student, order, "120.00")


def test_refund_refused_unsigned_moves_no_money_and_is_flagged_for_staff(student, make_course):
    """An unsigned gateway-level refusal (40002) will not get better by asking again: the refund is failed,
    the late payment stays open for staff, and no money moved."""
    student.sim("faults", method="alipay.trade.refund", kind="unsigned_error", count=1)
    order, refund = _late_payment(student, make_course)

    # The attempt counter moves before the gateway call; the verdict lands when the call returns.
    refund = wait_for(lambda: Refund.objects.filter(pk=refund.pk, status=Refund.Status.FAILED).first(),
                      what="the refused refund to be failed")
    assert PaymentIssue.objects.get(order_id=order["id"]).status == PaymentIssue.Status.OPEN
    assert _trade(student, order["order_number"])["refund_fee"] == "0.00"
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.CANCELLED
    assert Decimal(refund.amount) == Decimal("120.00")
