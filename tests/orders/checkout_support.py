"""Shared helpers and fixtures for the checkout tests (tests/orders and tests/coupon import them through their
conftest.py). Everything runs against the real database and Redis; nothing is mocked."""
from datetime import timedelta
from decimal import Decimal

import pytest
from api_asserts import assert_error  # noqa: F401  (re-exported for the checkout tests)
from django.db.models import Sum
from django.utils import timezone

ORDERS_URL = "/api/orders/"
QUOTE_URL = "/api/orders/quote/"


def body(coupon=-1, credit=0, **extra) -> dict:
    return {"pay_type": 0, "user_coupon_id": coupon, "credit": credit, **extra}


def put_in_cart(client, *courses, selected=True):
    for course in courses:
        response = client.post("/api/cart/", {"course_id": course.id}, format="json")
        assert response.status_code == 201, response.content
        if not selected:
            client.patch("/api/cart/", {"course_id": course.id, "selected": False}, format="json")


def ledger_sum(user_id) -> int:
    from luffycityapi.apps.users.models import Credit

    return Credit.objects.filter(user_id=user_id).aggregate(total=Sum("number"))["total"] or 0


def balance(user_id) -> int:
    from luffycityapi.apps.users.models import User

    return User.objects.values_list("credit", flat=True).get(pk=user_id)


def return_entries(order_number) -> list:
    from luffycityapi.apps.users.models import Credit

    return list(Credit.objects.filter(order_number=order_number, operation=Credit.Operation.RETURN))


def order_snapshot() -> dict:
    """Everything a refused checkout must leave untouched."""
    from luffycityapi.apps.coupon.models import Coupon, CouponLog
    from luffycityapi.apps.orders.models import Order, OrderDetail
    from luffycityapi.apps.users.models import Credit, User

    return {"orders": Order.objects.count(), "details": OrderDetail.objects.count(),
            "ledger": Credit.objects.count(),
            "credits": dict(User.objects.values_list("id", "credit")),
            "logs": list(CouponLog.objects.order_by("id").values_list("id", "order_id", "use_status", "use_time")),
            "stock": dict(Coupon.objects.values_list("id", "remaining"))}


@pytest.fixture
def make_coupon(db):
    """A coupon kind; defaults: 满100减20 for every course, valid from yesterday to tomorrow."""
    from luffycityapi.apps.coupon.models import Coupon

    def make(courses=(), **terms):
        now = timezone.now()
        defaults = {"name": "满100减20", "discount": Coupon.Kind.AMOUNT, "amount": Decimal("20.00"),
                    "condition": Decimal("100.00"), "start_time": now - timedelta(days=1),
                    "end_time": now + timedelta(days=1)}
        coupon = Coupon.objects.create(**{**defaults, **terms})
        if courses:
            coupon.courses.set(courses)
        return coupon

    return make


@pytest.fixture
def grant(db):
    """Give a user one coupon through the service (stock and per-user limit apply)."""
    from luffycityapi.apps.coupon.services import coupon_grant

    def give(user, coupon):
        return coupon_grant(coupon_id=coupon.id, user_id=user.id)

    return give


@pytest.fixture
def coupon_for(make_coupon, grant):
    """A fresh coupon kind (terms as keyword arguments) granted to the user; returns the CouponLog."""
    def make(user, courses=(), **terms):
        return grant(user, make_coupon(courses=courses, **terms))

    return make


@pytest.fixture
def two_orders(make_user, client_for, make_course, coupon_for):
    """A student with 1000 credits and two unpaid orders: "credit" spends 200 credits on a 100.00 course,
    "coupon" holds a 满100减20 coupon ("log") on a 300.00 course."""
    from luffycityapi.apps.orders.models import Order

    user = make_user(credit=1000)
    client = client_for(user)
    put_in_cart(client, make_course(price="100.00", credit=200))
    with_credit = client.post(ORDERS_URL, body(credit=200), format="json").json()
    log = coupon_for(user)
    client.put("/api/cart/", {"selected": False}, format="json")  # (no commit here, so nothing cleaned the cart)
    put_in_cart(client, make_course(price="300.00"))
    with_coupon = client.post(ORDERS_URL, body(coupon=log.id), format="json").json()
    assert "id" in with_credit and "id" in with_coupon, (with_credit, with_coupon)
    return {"user": user, "client": client, "credit": Order.objects.get(pk=with_credit["id"]),
            "coupon": Order.objects.get(pk=with_coupon["id"]), "log": log}
