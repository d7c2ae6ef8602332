"""Books tampered with behind the services' back: the invariants `manage.py audit` added for issue #6 catch it
(a coupon discount whose coupon was let go, so a second order could use it; a notify acknowledged for a trade
that is not the one the order was paid by)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from payments.conftest import notify_params, sign_params

from luffycityapi.apps.coupon.models import Coupon, CouponLog
from luffycityapi.apps.coupon.services import coupon_grant
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.audit import run_audit

pytestmark = pytest.mark.django_db


def _violations():
    return {name: v for name, v in run_audit().items() if v}


def _coupon_order(client, user, make_course):
    now = timezone.now()
    coupon = Coupon.objects.create(name="满100减20", amount=Decimal("20.00"), condition=Decimal("100.00"),
                                   start_time=now - timedelta(days=1), end_time=now + timedelta(days=1))
    log = coupon_grant(coupon_id=coupon.id, user_id=user.id)
    assert client.post("/api/cart/", {"course_id": make_course(price="150.00").id}, format="json").status_code == 201
    order = client.post("/api/orders/", {"pay_type": 0, "user_coupon_id": log.id, "credit": 0}, format="json").json()
    assert order["real_price"] == "130.00"
    return order, log


def test_an_order_that_let_go_of_its_coupon_is_reported(make_user, client_for, make_course, post_notify):
    user = make_user()
    client = client_for(user)
    order, log = _coupon_order(client, user, make_course)
    assert post_notify(sign_params(notify_params(order["order_number"], "130.00"))) == "success"
    assert _violations() == {}
    CouponLog.objects.filter(pk=log.pk).update(order=None, use_status=CouponLog.Status.UNUSED)  # usable again
    assert [name for name in _violations()] == ["coupons_consistent"]
    assert order["order_number"] in _violations()["coupons_consistent"][0]


def test_a_notify_for_another_trade_than_the_orders_is_reported(make_user, client_for, place_order, post_notify):
    client = client_for(make_user())
    order = place_order(client, "100.00")
    assert post_notify(sign_params(notify_params(order["order_number"], "100.00", trade_no="2026A1"))) == "success"
    assert _violations() == {}
    Order.objects.filter(pk=order["id"]).update(trade_no="2026B2")
    assert list(_violations()) == ["notifies_match_paid_orders"]
