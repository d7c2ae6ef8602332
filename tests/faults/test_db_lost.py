"""The database connection lost in the middle of fulfilment (MariaDB): the notify's transaction has locked the
order row and waits for the user row, which another connection holds; at that moment that other connection
KILLs the notify's connection. Everything the notify did is rolled back, Alipay gets `fail`, and its retry
succeeds, once. A real lost connection (KILL), no mocks."""
import threading
import time
from urllib.parse import urlencode

import pytest
from django.db import connection, connections
from django.test import Client
from payments.conftest import notify_params, sign_params

from luffycityapi.apps.coupon.models import CouponLog
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.users.models import Credit, UserCourse

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def _raw_connection():
    import MySQLdb  # here, not at the top: the embedded stack's install has no MySQL driver to collect with

    db = connection.settings_dict
    conn = MySQLdb.connect(host=db["HOST"] or "127.0.0.1", port=int(db["PORT"] or 3306), user=db["USER"],
                           passwd=db["PASSWORD"] or "", db=db["NAME"], charset="utf8mb4")
    conn.autocommit(False)
    return conn


def _waiting_on(cursor, table: str, timeout=10.0) -> int:
    """The id of the connection whose FOR UPDATE on `table` waits for our lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cursor.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()"
                       " AND INFO LIKE %s AND INFO LIKE %s", (f"%{table}%", "%FOR UPDATE%"))
        row = cursor.fetchone()
        if row:
            return row[0]
        time.sleep(0.02)
    pytest.fail(f"nobody waited for the lock on {table}")


def _post(params) -> tuple[int, str]:
    try:
        response = Client().post("/api/payments/alipay/notify", urlencode(params),
                                 content_type="application/x-www-form-urlencoded; charset=utf-8")
        return response.status_code, response.content.decode()
    finally:
        connections.close_all()


def test_connection_killed_mid_fulfilment_rolls_back_answers_fail_and_the_retry_succeeds(
        make_user, client_for, place_order, coupon_log_for):
    user = make_user(credit=500)
    client = client_for(user)
    log = coupon_log_for(user)
    order = place_order(client, "150.00", user_coupon_id=log.id)
    params = sign_params(notify_params(order["order_number"], order["real_price"]))

    blocker = _raw_connection()
    cursor = blocker.cursor()
    cursor.execute("SELECT id FROM ly_users WHERE id = %s FOR UPDATE", (user.id,))  # order_mark_paid waits here
    answer = {}
    notify = threading.Thread(target=lambda: answer.setdefault("first", _post(params)))
    notify.start()
    victim = _waiting_on(cursor, "ly_users")
    cursor.execute(f"KILL CONNECTION {int(victim)}")
    notify.join(timeout=30)
    blocker.rollback()
    blocker.close()

    assert answer["first"] == (200, "fail")  # Alipay will retry
    paid = Order.objects.get(pk=order["id"])
    assert paid.order_status == Order.Status.UNPAID and paid.trade_no == ""
    assert not UserCourse.objects.filter(user=user).exists()
    assert CouponLog.objects.get(pk=log.pk).use_status == CouponLog.Status.UNUSED

    assert _post(params) == (200, "success")  # Alipay's retry
    assert _post(params) == (200, "success")  # and a duplicate of it
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.PAID
    assert UserCourse.objects.filter(user=user).count() == 1
    assert CouponLog.objects.get(pk=log.pk).use_status == CouponLog.Status.USED
    assert not Credit.objects.filter(operation=Credit.Operation.RETURN).exists()
    assert {k: v for k, v in run_audit().items() if v} == {}
