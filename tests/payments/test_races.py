"""Real concurrency on MariaDB: many deliveries of one payment, and a payment racing the expiry, against the live
server's threads (each request on its own database connection)."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from django.db import connections
from django.utils import timezone

from luffycityapi.apps.coupon.models import CouponLog
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.payments.models import PaymentEvent
from luffycityapi.apps.users.models import Credit, UserCourse

from .conftest import TIMEOUT, notify_params, sign_params

pytestmark = pytest.mark.mariadb


def _together(calls):
    """Run the callables at the same instant (a barrier), each in its own thread; returns their results."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            return call()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _post_notify(base, params):
    return lambda: requests.post(f"{base}/api/payments/alipay/notify", data=urlencode(params), timeout=TIMEOUT,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"}).text


def test_the_same_notify_twenty_times_at_once_fulfils_once(student, make_course):
    course = make_course(price="100.00")
    order = student.order([course.id])
    params = sign_params(notify_params(order["order_number"], "100.00"))
    answers = _together([_post_notify(student.base, params)] * 20)
    assert answers == ["success"] * 20
    outcomes = list(PaymentEvent.objects.filter(kind="notify").values_list("outcome", flat=True))
    assert outcomes.count("fulfilled") == 1 and outcomes.count("duplicate") == 19
    assert UserCourse.objects.filter(user=student.user, course=course).count() == 1
    assert {k: v for k, v in run_audit().items() if v} == {}


def test_notify_return_and_query_at_once_fulfil_once(student, make_course):
    course = make_course(price="50.00")
    order = student.order([course.id])
    number = order["order_number"]
    cashier = student.open_cashier(number)
    student.sim("config", notify_order="never")
    back = urlsplit(student.click(cashier, "pay").headers["Location"])
    trade = requests.get(f"{student.base}/sandbox/alipay/__sim__/trades/{number}", timeout=TIMEOUT).json()
    trade_no = trade.get("trade_no") or trade.get("trade", {}).get("trade_no")
    params = sign_params(notify_params(number, "50.00", trade_no=trade_no))
    results = _together([
        _post_notify(student.base, params),
        lambda: student.call("GET", f"/api/payments/alipay/result/?{back.query}").status_code,
        lambda: student.call("GET", f"/api/payments/alipay/query/{number}/").status_code,
    ])
    assert results == ["success", 200, 200]
    assert Order.objects.get(order_number=number).order_status == Order.Status.PAID
    assert UserCourse.objects.filter(user=student.user, course=course).count() == 1
    assert {k: v for k, v in run_audit().items() if v} == {}


@pytest.mark.parametrize("round_", range(3))
def test_notify_against_expiry_at_the_same_instant_is_consistent(student, make_course, coupon_log, round_):
    course = make_course(price="300.00", credit=1000)
    order = student.order([course.id], coupon_id=coupon_log.id)
    number = order["order_number"]
    cashier = student.open_cashier(number)
    student.click(cashier, "login")  # a trade exists at the gateway, unpaid
    Order.objects.filter(pk=order["id"]).update(expire_time=timezone.now() - timedelta(seconds=1))
    params = sign_params(notify_params(number, order["real_price"]))
    from luffycityapi.apps.orders.services import order_expire

    def expire():
        try:
            return order_expire(order["id"]).order_status
        except Exception as exc:  # noqa: BLE001 - reported in the assertion below
            return repr(exc)

    answer, expired_status = _together([_post_notify(student.base, params), expire])
    final = Order.objects.get(pk=order["id"])
    log = CouponLog.objects.get(pk=coupon_log.pk)
    returns = Credit.objects.filter(order_number=number, operation=Credit.Operation.RETURN).count()
    owned = UserCourse.objects.filter(user=student.user, course=course).exists()
    assert answer == "success"
    if final.order_status == Order.Status.PAID:  # the payment won: consumed, granted, nothing released
        assert log.use_status == CouponLog.Status.USED and owned and returns == 0
    else:  # the expiry won: released once; the payment is a late payment, refunded, never granted
        assert final.order_status == Order.Status.TIMEOUT, (final.order_status, expired_status)
        assert log.use_status == CouponLog.Status.UNUSED and log.order_id is None and not owned
        assert PaymentEvent.objects.filter(kind="notify", outcome="late_payment").exists()
    assert {k: v for k, v in run_audit().items() if v} == {}
