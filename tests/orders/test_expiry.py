"""Expiry: an overdue unpaid order times out through the beat sweeper (orders.sweep_expired) and through its
countdown task (orders.expire); coupon and credits come back exactly once; paid and cancelled orders are never
touched."""
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from orders.checkout_support import ORDERS_URL, balance, body, ledger_sum, put_in_cart, return_entries

from luffycityapi.apps.coupon.models import CouponLog
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.orders.services import order_expire, order_mark_paid
from luffycityapi.apps.orders.tasks import order_expire_task, sweep_expired_orders
from luffycityapi.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(two_orders):
    return two_orders


def overdue(*orders):
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(expire_time=timezone.now() - timedelta(seconds=1))


def status(order) -> int:
    return Order.objects.values_list("order_status", flat=True).get(pk=order.pk)


def assert_released_once(placed):
    user, order = placed["user"], placed["credit"]
    assert balance(user.id) == 1000 == ledger_sum(user.id)
    assert [e.number for e in return_entries(order.order_number)] == [200]
    log = CouponLog.objects.get(pk=placed["log"].pk)
    assert (log.order_id, log.use_status) == (None, CouponLog.Status.UNUSED)


def test_the_tasks_are_registered_under_their_names():
    assert celery_app.tasks["orders.sweep_expired"].name == sweep_expired_orders.name == "orders.sweep_expired"
    assert celery_app.tasks["orders.expire"].name == order_expire_task.name == "orders.expire"
    assert any(entry["task"] == "orders.sweep_expired" for entry in celery_app.conf.beat_schedule.values())


def test_the_sweeper_expires_overdue_orders_and_releases_once(placed):
    assert balance(placed["user"].id) == 800
    assert sweep_expired_orders() == 0  # nothing is overdue yet
    sweep_expired_orders.delay()
    assert status(placed["credit"]) == status(placed["coupon"]) == Order.Status.UNPAID

    overdue(placed["credit"], placed["coupon"])
    sweep_expired_orders.delay()  # eager in this suite: runs the registered task as the beat would
    assert status(placed["credit"]) == status(placed["coupon"]) == Order.Status.TIMEOUT
    for _ in range(2):  # again: nothing left to do
        assert sweep_expired_orders() == 0
        sweep_expired_orders.delay()
        order_expire_task.delay(placed["credit"].id)
    assert_released_once(placed)


def test_the_countdown_task_expires_only_after_the_deadline(placed):
    order_expire_task.delay(placed["credit"].id)
    assert status(placed["credit"]) == Order.Status.UNPAID  # not yet due: untouched
    assert balance(placed["user"].id) == 800

    overdue(placed["credit"], placed["coupon"])
    order_expire_task.delay(placed["credit"].id)
    order_expire_task.delay(placed["coupon"].id)
    order_expire_task.delay(placed["credit"].id)
    sweep_expired_orders.delay()
    assert status(placed["credit"]) == status(placed["coupon"]) == Order.Status.TIMEOUT
    assert_released_once(placed)


def test_the_detail_shows_a_timed_out_order(placed):
    overdue(placed["credit"])
    sweep_expired_orders.delay()
    data = placed["client"].get(f"{ORDERS_URL}{placed['credit'].order_number}/").json()
    assert (data["order_status"], data["get_order_status_display"]) == (3, "超时取消")


def test_a_paid_order_is_never_expired(placed):
    order_mark_paid(order_id=placed["coupon"].pk, trade_no="T-1")
    overdue(placed["coupon"])
    sweep_expired_orders.delay()
    order_expire_task.delay(placed["coupon"].id)
    assert status(placed["coupon"]) == Order.Status.PAID
    log = CouponLog.objects.get(pk=placed["log"].pk)
    assert (log.order_id, log.use_status) == (placed["coupon"].pk, CouponLog.Status.USED)


def test_expiring_a_cancelled_order_is_a_no_op(placed):
    client, order = placed["client"], placed["credit"]
    assert client.post(f"{ORDERS_URL}{order.order_number}/cancel/").status_code == 200
    overdue(order)
    order_expire(order.id)
    order_expire_task.delay(order.id)
    sweep_expired_orders.delay()
    assert status(order) == Order.Status.CANCELLED
    assert [e.number for e in return_entries(order.order_number)] == [200]
    assert balance(placed["user"].id) == 1000 == ledger_sum(placed["user"].id)


def test_expiring_a_missing_order_does_not_break_the_task(db):
    assert order_expire(987654321) is None
    order_expire_task.delay(987654321)  # a deleted order: nothing to do, no error


@override_settings(ORDER_TIMEOUT_SECONDS=60)
def test_the_deadline_follows_order_timeout_seconds(auth_client, make_course):
    put_in_cart(auth_client, make_course())
    created = auth_client.post(ORDERS_URL, body(), format="json").json()
    assert 55 <= created["order_timeout"] <= 60
    order = Order.objects.get(pk=created["id"])
    assert timedelta(seconds=55) <= order.expire_time - order.created_time <= timedelta(seconds=61)
