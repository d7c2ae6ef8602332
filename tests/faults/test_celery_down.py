"""The Celery worker down when an order expires: nothing happens at the deadline, and once a real worker
subprocess starts, the order (whose cashier the buyer opened, so expiry must ask the gateway and close the trade)
is timed out exactly once, even though both its countdown task and a sweeper run were waiting for the worker."""
import time

import pytest
import requests
from django.test import override_settings
from orders.test_celery_worker import not_eager, wait_for_status, worker  # noqa: F401  (fixtures)
from payments.conftest import TIMEOUT

from luffycityapi.apps.coupon.models import CouponLog
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.users.models import Credit, User
from luffycityapi.celery import app as celery_app

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def test_an_order_due_while_the_worker_is_down_expires_once_when_it_returns(
        student, make_course, coupon_log, not_eager, worker, monkeypatch, redis_conn):  # noqa: F811
    gateway = f"{student.base}/sandbox/alipay/gateway.do"
    monkeypatch.setenv("ALIPAY_GATEWAY", gateway)  # the worker asks the live shop's sandbox gateway
    with_credit = make_course(price="100.00", credit=300)
    with_coupon = make_course(price="150.00")
    with override_settings(ORDER_TIMEOUT_SECONDS=2):
        credit_order = student.order([with_credit.id], credit=300)
        coupon_order = student.order([with_coupon.id], coupon_id=coupon_log.id)
    for order in (credit_order, coupon_order):
        cashier = student.open_cashier(order["order_number"])
        student.click(cashier, "login")  # the trade exists at Alipay: expiry must close it there
    assert User.objects.get(pk=student.user.pk).credit == 200

    time.sleep(2.5)  # past both deadlines, with no worker
    celery_app.send_task("orders.sweep_expired")  # beat's sweeper fires too, and waits in the queue as well
    assert redis_conn.llen("celery") == 3
    assert set(Order.objects.filter(user=student.user).values_list("order_status", flat=True)) == {Order.Status.UNPAID}

    proc = worker()
    for order in (credit_order, coupon_order):
        wait_for_status(order["id"], Order.Status.TIMEOUT, proc)
    deadline = time.monotonic() + 20
    while redis_conn.llen("celery") and time.monotonic() < deadline:  # let every queued task run
        time.sleep(0.2)
    time.sleep(1.0)

    returns = Credit.objects.filter(order_number=credit_order["order_number"], operation=Credit.Operation.RETURN)
    assert list(returns.values_list("number", flat=True)) == [300]  # once, not once per task
    assert User.objects.get(pk=student.user.pk).credit == 500
    assert CouponLog.objects.get(pk=coupon_log.pk).order_id is None
    for order in (credit_order, coupon_order):
        trade = requests.get(f"{student.base}/sandbox/alipay/__sim__/trades/{order['order_number']}",
                             timeout=TIMEOUT).json()
        assert trade["status"] == "TRADE_CLOSED"
    assert {k: v for k, v in run_audit().items() if v} == {}
