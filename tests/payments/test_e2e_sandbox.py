"""The whole payment, end to end over real HTTP: the shop (pytest-django's live server) talks to the local sandbox
gateway through python-alipay-sdk, the "browser" is a requests session clicking the sandbox cashier, and the
sandbox posts its signed notify back to the shop on its own thread."""
import threading
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import requests
from django.db import connections
from django.utils import timezone

from luffycityapi.apps.coupon.models import CouponLog
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.payments.models import PaymentEvent, PaymentIssue, Refund
from luffycityapi.apps.users.models import Credit, UserCourse

from .conftest import TIMEOUT, wait_for


def _notified(order_number):
    return PaymentEvent.objects.filter(kind="notify", order_number=order_number,
                                       outcome__in=("fulfilled", "duplicate")).exists()


def test_student_pays_with_a_coupon_on_the_sandbox_cashier(student, make_course, coupon_log):
    a, b = make_course(price="399.00"), make_course(price="99.99")
    order = student.order([a.id, b.id], coupon_id=coupon_log.id)
    assert order["real_price"] == "478.99"

    cashier = student.open_cashier(order["order_number"])
    paid = student.click(cashier, "pay")
    assert paid.status_code == 302
    back = urlsplit(paid.headers["Location"])
    assert back.path == "/alipay"

    result = student.call("GET", f"/api/payments/alipay/result/?{back.query}", 200).json()
    assert result["real_price"] == "478.99" and result["pay_time"]
    assert sorted(c["id"] for c in result["course_list"]) == sorted([a.id, b.id])

    wait_for(lambda: _notified(order["order_number"]), what="the sandbox's notify")
    db_order = Order.objects.get(order_number=order["order_number"])
    assert db_order.order_status == Order.Status.PAID and db_order.trade_no.startswith(timezone.localdate().strftime("%Y"))
    mine = student.call("GET", "/api/users/courses/", 200).json()
    assert sorted(row["course"]["id"] for row in mine) == sorted([a.id, b.id])
    coupon_log.refresh_from_db()
    assert coupon_log.use_status == CouponLog.Status.USED and coupon_log.order_id == db_order.id
    assert student.call("GET", f"/api/payments/alipay/query/{order['order_number']}/", 200).json()["order_status"] == 1
    assert {k: v for k, v in run_audit().items() if v} == {}


def test_student_pays_on_a_phone_through_the_wap_cashier(student, make_course, shop_env):
    course = make_course(price="66.60")
    order = student.order([course.id])

    cashier = student.open_cashier(order["order_number"], device="mobile")
    page = student.browser.get(cashier, timeout=TIMEOUT).text
    assert 'data-cashier="wap"' in page and "打开支付宝App付款" in page
    assert f'id="cashier-quit" href="{shop_env}/user/orders?status=0"' in page
    paid = student.click(cashier, "pay")
    assert paid.status_code == 302
    back = urlsplit(paid.headers["Location"])
    assert back.path == "/alipay" and "method=alipay.trade.wap.pay.return" in back.query

    result = student.call("GET", f"/api/payments/alipay/result/?{back.query}", 200).json()
    assert result["real_price"] == "66.60" and [c["id"] for c in result["course_list"]] == [course.id]
    wait_for(lambda: _notified(order["order_number"]), what="the sandbox's notify")
    assert Order.objects.get(order_number=order["order_number"]).order_status == Order.Status.PAID
    assert PaymentEvent.objects.get(kind="link", order_number=order["order_number"]).params["device"] == "mobile"


def test_lost_return_is_found_by_the_notify_and_by_polling(student, make_course):
    course = make_course(price="88.00")
    order = student.order([course.id])
    cashier = student.open_cashier(order["order_number"])
    student.sim("config", notify_order="never")  # Alipay's notify is late: only polling can know
    assert student.click(cashier, "pay").status_code == 302  # ...and the tab is closed without returning
    status = student.call("GET", f"/api/payments/alipay/query/{order['order_number']}/", 200).json()
    assert status["order_status"] == Order.Status.PAID
    student.sim(f"trades/{order['order_number']}/notify/resend")
    wait_for(lambda: PaymentEvent.objects.filter(kind="notify", outcome="duplicate").exists(), what="duplicate notify")
    assert UserCourse.objects.filter(user=student.user, course=course).count() == 1


def test_expiry_asks_the_gateway_then_closes_and_releases(student, make_course, coupon_log):
    course = make_course(price="200.00")
    order = student.order([course.id], coupon_id=coupon_log.id)
    cashier = student.open_cashier(order["order_number"])
    assert student.click(cashier, "login").status_code in (200, 302)  # the buyer scanned: a trade exists
    Order.objects.filter(pk=order["id"]).update(expire_time=timezone.now() - timedelta(seconds=1))
    from luffycityapi.apps.orders.tasks import sweep_expired_orders

    assert sweep_expired_orders() == 1
    db_order = Order.objects.get(pk=order["id"])
    assert db_order.order_status == Order.Status.TIMEOUT
    trade = requests.get(f"{student.base}/sandbox/alipay/__sim__/trades/{order['order_number']}", timeout=TIMEOUT).json()
    # Closed unpaid by our trade.close: no payment, no refund at the gateway.
    assert (trade["status"], trade["gmt_payment"], trade["refund_fee"], trade["refunds"]) == \
        ("TRADE_CLOSED", "", "0.00", [])
    assert trade["gmt_close"]
    coupon_log.refresh_from_db()
    assert coupon_log.order_id is None and coupon_log.use_status == CouponLog.Status.UNUSED
    kinds = list(PaymentEvent.objects.filter(order_number=order["order_number"], direction="out")
                 .order_by("id").values_list("kind", flat=True))
    assert kinds == ["link", "query", "close"]  # query first, then close, and only then release


def test_expiry_fulfils_a_payment_landing_between_its_query_and_its_close(student, make_course, coupon_log):
    """The deadline passes with the buyer on the cashier: expiry asks trade.query (WAIT_BUYER_PAY), and before its
    trade.close reaches Alipay the buyer pays (the sandbox holds the close with a `delay` fault). Alipay refuses
    the close (the trade is paid), so expiry asks again and fulfils: paid, coupon used, course granted, nothing
    released — and no notify was needed (it is held back until the end)."""
    course = make_course(price="200.00")
    order = student.order([course.id], coupon_id=coupon_log.id)
    number = order["order_number"]
    student.click(student.open_cashier(number), "login")  # a trade exists at Alipay, unpaid
    student.sim("config", notify_order="never")
    student.sim("faults", method="alipay.trade.close", kind="delay", count=1, seconds=1.5)
    Order.objects.filter(pk=order["id"]).update(expire_time=timezone.now() - timedelta(seconds=1))
    from luffycityapi.apps.orders.services import order_expire

    result = {}

    def expire():
        try:
            result["order"] = order_expire(order["id"])
        finally:
            connections.close_all()

    expiry = threading.Thread(target=expire)
    expiry.start()
    faults = f"{student.base}/sandbox/alipay/__sim__/faults"
    wait_for(lambda: requests.get(faults, timeout=TIMEOUT).json()["faults"][0]["remaining"] == 0,
             what="expiry's close to reach Alipay")
    assert PaymentEvent.objects.filter(order_number=number, kind="query", outcome="WAIT_BUYER_PAY").exists()
    paid = student.sim(f"trades/{number}/pay")  # the buyer pays while the close is on its way
    assert paid["paid_now"] is True
    expiry.join(timeout=TIMEOUT)
    assert not expiry.is_alive()

    db_order = Order.objects.get(pk=order["id"])
    assert result["order"].order_status == db_order.order_status == Order.Status.PAID
    assert db_order.trade_no == paid["trade"]["trade_no"]
    calls = list(PaymentEvent.objects.filter(order_number=number, direction="out").order_by("id")
                 .values_list("kind", "outcome", "response"))
    assert [(kind, outcome) for kind, outcome, _ in calls] == [
        ("link", "ok"), ("query", "WAIT_BUYER_PAY"), ("close", "already_paid"), ("query", "TRADE_SUCCESS")]
    assert calls[2][2] == {"result": "already_paid"}  # Alipay refused to close a paid trade
    coupon_log.refresh_from_db()
    assert coupon_log.use_status == CouponLog.Status.USED and coupon_log.order_id == db_order.id
    assert UserCourse.objects.filter(user=student.user, course=course).count() == 1
    assert not Credit.objects.filter(order_number=number, operation=Credit.Operation.RETURN).exists()
    trade = requests.get(f"{student.base}/sandbox/alipay/__sim__/trades/{number}", timeout=TIMEOUT).json()
    assert (trade["status"], trade["refund_fee"], trade["refunds"]) == ("TRADE_SUCCESS", "0.00", [])

    student.sim(f"trades/{number}/notify/resend")  # Alipay's notify, late: a duplicate, nothing changes
    wait_for(lambda: PaymentEvent.objects.filter(kind="notify", order_number=number, outcome="duplicate").exists(),
             what="the late notify")
    assert UserCourse.objects.filter(user=student.user, course=course).count() == 1
    assert {k: v for k, v in run_audit().items() if v} == {}


def test_expiry_fulfils_an_order_paid_at_alipay_whose_notify_never_came(student, make_course):
    course = make_course(price="66.00", credit=200)
    order = student.order([course.id], credit=100)
    cashier = student.open_cashier(order["order_number"])
    student.sim("config", notify_order="never")
    assert student.click(cashier, "pay").status_code == 302
    Order.objects.filter(pk=order["id"]).update(expire_time=timezone.now() - timedelta(seconds=1))
    from luffycityapi.apps.orders.tasks import sweep_expired_orders

    sweep_expired_orders()
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.PAID
    assert not Credit.objects.filter(order_number=order["order_number"], operation=Credit.Operation.RETURN).exists()
    assert UserCourse.objects.filter(user=student.user, course=course).exists()


def test_payment_after_cancel_is_refunded_through_the_gateway(student, make_course):
    course = make_course(price="120.00")
    order = student.order([course.id])
    cashier = student.open_cashier(order["order_number"])
    student.call("POST", f"/api/orders/{order['order_number']}/cancel/", 200)  # the cashier is still open...
    assert student.click(cashier, "pay").status_code == 302                    # ...and the buyer pays anyway
    refund = wait_for(lambda: Refund.objects.filter(status=Refund.Status.SUCCEEDED).first(), what="the refund")
    assert refund.out_request_no == f"L{order['order_number']}" and refund.amount == Decimal("120.00")
    issue = PaymentIssue.objects.get()
    assert issue.kind == PaymentIssue.Kind.LATE_PAYMENT and issue.status == PaymentIssue.Status.REFUNDED
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.CANCELLED
    assert not UserCourse.objects.filter(user=student.user).exists()
    trade = requests.get(f"{student.base}/sandbox/alipay/__sim__/trades/{order['order_number']}", timeout=TIMEOUT).json()
    # Paid, then refunded in full under the late-payment key: a full refund closes the trade at Alipay.
    assert [(r["out_request_no"], r["refund_amount"]) for r in trade["refunds"]] == [(f"L{order['order_number']}",
                                                                                     "120.00")]
    assert (trade["status"], trade["total_amount"], trade["refund_fee"]) == ("TRADE_CLOSED", "120.00", "120.00")
    assert trade["gmt_payment"] and trade["trade_no"] == issue.provider_trade_no
    assert {k: v for k, v in run_audit().items() if v} == {}


def test_zero_price_order_is_fulfilled_without_alipay(student, make_course):
    course = make_course(price="0.00")
    order = student.order([course.id])
    link = student.call("GET", f"/api/payments/alipay/{order['order_number']}/", 200).json()
    assert link["link"] is None and link["order_status"] == Order.Status.PAID
    assert UserCourse.objects.filter(user=student.user, course=course).exists()


@pytest.mark.parametrize("kind,status,code", [
    ("system_error", 503, "gateway_error"), ("unsigned_error", 502, "gateway_rejected"),
    ("bad_signature", 502, "gateway_bad_signature"), ("http_500", 503, "gateway_http_error"),
])
def test_gateway_faults_on_query_are_clear_errors_and_change_nothing(student, make_course, kind, status, code):
    order = student.order([make_course(price="10.00").id])
    cashier = student.open_cashier(order["order_number"])
    student.click(cashier, "login")
    student.sim("faults", method="alipay.trade.query", kind=kind, count=1)
    response = student.call("GET", f"/api/payments/alipay/query/{order['order_number']}/")
    assert response.status_code == status and response.json()["code"] == code, response.text
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.UNPAID


def test_gateway_slower_than_the_timeout_is_a_503(student, make_course, settings):
    settings.ALIPAY_TIMEOUT_SECONDS = 1
    order = student.order([make_course(price="10.00").id])
    student.open_cashier(order["order_number"])
    student.sim("faults", method="alipay.trade.query", kind="sleep", count=1, seconds=3)
    response = student.call("GET", f"/api/payments/alipay/query/{order['order_number']}/")
    assert response.status_code == 503 and response.json()["code"] == "gateway_timeout"


def test_return_with_a_tampered_signature_is_refused(student, make_course):
    order = student.order([make_course(price="10.00").id])
    cashier = student.open_cashier(order["order_number"])
    student.sim(f"trades/{order['order_number']}/return/tamper-next", field="signature")
    student.sim("config", notify_order="never")
    back = urlsplit(student.click(cashier, "pay").headers["Location"])
    response = student.call("GET", f"/api/payments/alipay/result/?{back.query}")
    assert response.status_code == 400 and response.json()["code"] == "return_signature_invalid"
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.UNPAID


# --- the sandbox's own duplicate and tampered notifies, delivered to the shop's real endpoint -------------------

def _books(student, number, coupon_log) -> tuple:
    """What a notify could change: the order, its courses, the coupon, the credit ledger."""
    order = Order.objects.get(order_number=number)
    coupon_log.refresh_from_db()
    return (order.order_status, order.trade_no, order.pay_time,
            UserCourse.objects.filter(user=student.user).count(), coupon_log.use_status, coupon_log.order_id,
            list(Credit.objects.filter(user=student.user).order_by("id").values_list("operation", "number")))


def _attempts(student, number) -> list:
    """The sandbox's log of its POSTs to the shop: (schedule number, HTTP status, body the shop answered)."""
    trade = requests.get(f"{student.base}/sandbox/alipay/__sim__/trades/{number}", timeout=TIMEOUT).json()
    (notification,) = trade["notifications"]
    assert notification["url"] == f"{student.base}/api/payments/alipay/notify"  # the shop's endpoint, not a sink
    return [(a["number"], a["http_status"], a["response_body"]) for a in notification["attempt_log"]]


def test_the_sandboxs_duplicate_notifies_are_success_and_change_nothing(student, make_course, coupon_log):
    course = make_course(price="150.00", credit=100)
    order = student.order([course.id], coupon_id=coupon_log.id)
    number = order["order_number"]
    assert student.click(student.open_cashier(number), "pay").status_code == 302
    wait_for(lambda: PaymentEvent.objects.filter(kind="notify", order_number=number, outcome="fulfilled").exists(),
             what="the sandbox's notify")
    # The shop records the event before it answers; the sandbox logs the attempt only after reading that answer.
    wait_for(lambda: _attempts(student, number), what="the sandbox's log of its first attempt")
    paid = _books(student, number, coupon_log)
    assert paid[0] == Order.Status.PAID and paid[3] == 1 and paid[4] == CouponLog.Status.USED

    answer = student.sim(f"trades/{number}/notify/duplicate", count=3)  # the same notify_id, three more POSTs

    assert [(a["http_status"], a["response_body"], a["success"]) for a in answer["attempts"]] == \
        [(200, "success", True)] * 3
    assert _attempts(student, number) == [(1, 200, "success")] + [(0, 200, "success")] * 3
    assert _books(student, number, coupon_log) == paid
    outcomes = list(PaymentEvent.objects.filter(kind="notify", order_number=number).order_by("id")
                    .values_list("outcome", flat=True))
    assert outcomes == ["fulfilled", "duplicate", "duplicate", "duplicate"]
    trade = requests.get(f"{student.base}/sandbox/alipay/__sim__/trades/{number}", timeout=TIMEOUT).json()
    assert (trade["status"], trade["refunds"]) == ("TRADE_SUCCESS", [])  # and nothing was refunded either
    assert {k: v for k, v in run_audit().items() if v} == {}


@pytest.mark.parametrize("field,verdict", [("signature", "bad_signature"), ("total_amount", "amount_mismatch")])
def test_the_sandboxs_tampered_notify_is_fail_and_changes_nothing(student, make_course, coupon_log, field, verdict):
    """The sandbox breaks the signature, or signs total_amount + 1.00 validly: the shop answers `fail` and the order
    stays as it was (an amount mismatch is also quarantined); Alipay's next, untampered attempt then fulfils."""
    course = make_course(price="150.00")
    order = student.order([course.id], coupon_id=coupon_log.id)
    number = order["order_number"]
    assert order["real_price"] == "130.00"  # the coupon takes 20.00 off
    student.sim("config", notify_order="never")  # each delivery is then a resend we make, in order
    assert student.click(student.open_cashier(number), "pay").status_code == 302
    before = _books(student, number, coupon_log)
    assert before[0] == Order.Status.UNPAID and before[4] == CouponLog.Status.UNUSED and before[5] == order["id"]

    student.sim(f"trades/{number}/notify/tamper-next", field=field)
    (attempt,) = student.sim(f"trades/{number}/notify/resend")["attempts"]

    assert (attempt["http_status"], attempt["response_body"], attempt["success"]) == (200, "fail", False)
    sent = attempt["params"]
    assert sent["total_amount"] == ("131.00" if field == "total_amount" else "130.00")
    assert _books(student, number, coupon_log) == before
    event = PaymentEvent.objects.get(kind="notify", order_number=number)
    assert (event.verdict, event.verified) == (verdict, field == "total_amount")
    assert event.outcome == ("rejected" if field == "signature" else "rejected: quarantined")
    issues = list(PaymentIssue.objects.values_list("kind", "amount", "provider_trade_no"))
    assert issues == ([] if field == "signature" else
                      [(PaymentIssue.Kind.AMOUNT_MISMATCH, Decimal("131.00"), sent["trade_no"])])

    (retry,) = student.sim(f"trades/{number}/notify/resend")["attempts"]  # Alipay retries, untampered
    assert (retry["response_body"], retry["params"]["total_amount"]) == ("success", "130.00")
    assert _attempts(student, number) == [(1, 200, "fail"), (2, 200, "success")]
    paid = _books(student, number, coupon_log)
    assert paid[0] == Order.Status.PAID and paid[3] == 1 and paid[4] == CouponLog.Status.USED
    assert {k: v for k, v in run_audit().items() if v} == {}
