"""Checkout's happy path over HTTP: quote, create with a coupon, cancel gives it back."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def coupon_for(db):
    from luffycityapi.apps.coupon.models import Coupon
    from luffycityapi.apps.coupon.services import coupon_grant

    def make(user, **terms):
        now = timezone.now()
        defaults = {"name": "满100减20", "discount": Coupon.Kind.AMOUNT, "amount": Decimal("20.00"),
                    "condition": Decimal("100.00"), "start_time": now - timedelta(days=1),
                    "end_time": now + timedelta(days=1)}
        coupon = Coupon.objects.create(**{**defaults, **terms})
        return coupon_grant(coupon_id=coupon.id, user_id=user.id)

    return make


def test_order_with_coupon_then_cancel_returns_it(auth_client, make_course, coupon_for,
                                                  django_capture_on_commit_callbacks):
    a, b = make_course(price="399.00"), make_course(price="99.99")
    log = coupon_for(auth_client.user)
    for course in (a, b):
        auth_client.post("/api/cart/", {"course_id": course.id}, format="json")

    enable = auth_client.get("/api/coupon/enable/").json()
    assert [c["user_coupon_id"] for c in enable["coupon_list"]] == [log.id]
    assert enable["coupon_list"][0]["deduction"] == "20.00"

    body = {"pay_type": 0, "user_coupon_id": log.id, "credit": 0}
    quote = auth_client.post("/api/orders/quote/", body, format="json").json()
    methods = {m["pay_type"]: m for m in quote.pop("pay_types")}
    assert quote == {"total_price": "498.99", "discount_price": "20.00", "real_price": "478.99",
                     "max_use_credit": 0, "credit": 0, "pay_type": 0}
    assert methods[0] == {"pay_type": 0, "name": "支付宝", "balance": None, "available": True}
    assert methods[2] == {"pay_type": 2, "name": "余额", "balance": "0.00", "available": False}

    with django_capture_on_commit_callbacks(execute=True):
        created = auth_client.post("/api/orders/", body, format="json")
    assert created.status_code == 201, created.content
    order = created.json()
    assert order["real_price"] == "478.99" and order["total_price"] == "498.99"
    assert 0 < order["order_timeout"] <= 900
    assert auth_client.get("/api/cart/").json()["cart"] == []
    log.refresh_from_db()
    assert log.order_id == order["id"]

    cancel = auth_client.post(f"/api/orders/{order['order_number']}/cancel/")
    assert cancel.status_code == 200 and cancel.json()["order_status"] == 2
    log.refresh_from_db()
    assert log.order_id is None and log.use_status == 0
    assert auth_client.post(f"/api/orders/{order['order_number']}/cancel/").status_code == 200


def test_credits_are_held_and_returned(make_user, client_for, make_course):
    user = make_user(credit=1000)
    client = client_for(user)
    course = make_course(price="100.00", credit=300)
    client.post("/api/cart/", {"course_id": course.id}, format="json")
    created = client.post("/api/orders/", {"pay_type": 0, "user_coupon_id": -1, "credit": 250}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["real_price"] == "75.00"
    user.refresh_from_db()
    assert user.credit == 750
    client.post(f"/api/orders/{created.json()['order_number']}/cancel/")
    user.refresh_from_db()
    assert user.credit == 1000
    assert sum(e["number"] for e in client.get("/api/users/credits/").json()["results"]) == 1000
