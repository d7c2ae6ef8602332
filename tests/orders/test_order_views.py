"""GET /api/orders/ (status filter, pagination, newest first, courses, no N+1), GET /api/orders/<no>/ and
POST /api/orders/<no>/cancel/ (unpaid only, coupon and credits back with a ledger entry, idempotent);
another user's order is a 404."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from orders.checkout_support import (ORDERS_URL, assert_error, balance, body, ledger_sum, put_in_cart,
                                     return_entries)

from luffycityapi.apps.coupon.models import CouponLog
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.orders.services import order_mark_paid
from luffycityapi.apps.users.models import Credit

pytestmark = pytest.mark.django_db


@pytest.fixture
def order_for(make_course, django_capture_on_commit_callbacks):
    """Place an order for new courses through the API; returns the response body."""
    def place(client, *prices, credit=0, coupon=-1, course_credit=0):
        courses = [make_course(price=p, credit=course_credit) for p in (prices or ("100.00",))]
        put_in_cart(client, *courses)
        with django_capture_on_commit_callbacks(execute=True):
            created = client.post(ORDERS_URL, body(coupon=coupon, credit=credit), format="json")
        assert created.status_code == 201, created.content
        return created.json()

    return place


def cancel(client, number):
    return client.post(f"{ORDERS_URL}{number}/cancel/")


# --- list ------------------------------------------------------------------------------------------------------

def test_list_is_newest_first_with_courses(auth_client, order_for):
    first = order_for(auth_client, "10.00")
    second = order_for(auth_client, "20.00", "30.00")
    listed = auth_client.get(ORDERS_URL).json()
    assert listed["count"] == 2
    assert [o["order_number"] for o in listed["results"]] == [second["order_number"], first["order_number"]]
    top = listed["results"][0]
    assert top["order_status"] == 0 and top["get_order_status_display"] == "未支付"
    assert top["total_price"] == "50.00" and top["real_price"] == "50.00"
    assert sorted(c["real_price"] for c in top["courses"]) == ["20.00", "30.00"]
    assert {"id", "name", "price", "real_price", "discount_name"} <= set(top["courses"][0])


def test_list_status_filter(auth_client, order_for):
    unpaid = order_for(auth_client)
    cancelled = order_for(auth_client)
    paid = order_for(auth_client)
    cancel(auth_client, cancelled["order_number"])
    order_mark_paid(order_id=paid["id"], trade_no="T1")
    for status, expected in [("0", unpaid), ("1", paid), ("2", cancelled)]:
        listed = auth_client.get(ORDERS_URL, {"status": status}).json()
        assert [o["order_number"] for o in listed["results"]] == [expected["order_number"]], status
    assert auth_client.get(ORDERS_URL, {"status": "3"}).json()["count"] == 0
    assert auth_client.get(ORDERS_URL, {"status": ""}).json()["count"] == 3


@pytest.mark.parametrize("bad", ["5", "-1", "abc", "1.0", "0,1"])
def test_list_invalid_status_is_400(auth_client, bad):
    assert_error(auth_client.get(ORDERS_URL, {"status": bad}), 400, "status_invalid")


def test_list_pagination(auth_client, order_for):
    numbers = [order_for(auth_client)["order_number"] for _ in range(12)][::-1]
    page1 = auth_client.get(ORDERS_URL).json()
    page2 = auth_client.get(ORDERS_URL, {"page": 2}).json()
    assert page1["count"] == page2["count"] == 12
    assert [o["order_number"] for o in page1["results"]] == numbers[:10]
    assert [o["order_number"] for o in page2["results"]] == numbers[10:]
    assert page1["next"] and page2["next"] is None
    small = auth_client.get(ORDERS_URL, {"size": 5, "page": 3}).json()
    assert [o["order_number"] for o in small["results"]] == numbers[10:]
    assert auth_client.get(ORDERS_URL, {"page": 9}).status_code == 404


def test_list_shows_only_my_orders(auth_client, make_user, client_for, order_for):
    order_for(client_for(make_user()))
    mine = order_for(auth_client)
    assert [o["order_number"] for o in auth_client.get(ORDERS_URL).json()["results"]] == [mine["order_number"]]


def test_list_has_no_n_plus_1(auth_client, order_for):
    order_for(auth_client, "10.00", "20.00")
    with CaptureQueriesContext(connection) as one:
        assert auth_client.get(ORDERS_URL).status_code == 200
    for _ in range(6):
        order_for(auth_client, "10.00", "20.00", "30.00")
    with CaptureQueriesContext(connection) as seven:
        response = auth_client.get(ORDERS_URL)
    assert len(response.json()["results"]) == 7
    assert len(seven.captured_queries) == len(one.captured_queries), [q["sql"] for q in seven.captured_queries]


# --- detail ----------------------------------------------------------------------------------------------------

def test_detail(auth_client, order_for):
    placed = order_for(auth_client, "399.00", "99.99")
    detail = auth_client.get(f"{ORDERS_URL}{placed['order_number']}/")
    assert detail.status_code == 200
    data = detail.json()
    assert data["order_number"] == placed["order_number"] and data["order_status"] == 0
    assert (data["total_price"], data["real_price"], data["credit"], data["pay_time"]) == ("498.99", "498.99", 0,
                                                                                         None)
    assert data["get_order_status_display"] == "未支付"
    assert sorted(c["price"] for c in data["courses"]) == ["399.00", "99.99"]


def test_another_users_order_is_404_on_detail_and_cancel(auth_client, make_user, client_for, order_for):
    theirs = order_for(client_for(make_user()))
    other = assert_error(auth_client.get(f"{ORDERS_URL}{theirs['order_number']}/"), 404, "order_not_found")
    missing = assert_error(auth_client.get(f"{ORDERS_URL}LY-NOPE/"), 404, "order_not_found")
    assert other == missing
    assert_error(cancel(auth_client, theirs["order_number"]), 404, "order_not_found")
    assert Order.objects.get(pk=theirs["id"]).order_status == Order.Status.UNPAID


# --- cancel ----------------------------------------------------------------------------------------------------

def test_cancel_returns_credits_with_a_ledger_entry_once(make_user, client_for, order_for):
    user = make_user(credit=1000)
    client = client_for(user)
    placed = order_for(client, "100.00", credit=300, course_credit=300)
    assert balance(user.id) == 700
    first = cancel(client, placed["order_number"])
    assert first.status_code == 200 and first.json()["order_status"] == Order.Status.CANCELLED
    again = cancel(client, placed["order_number"])
    assert again.status_code == 200 and again.json()["order_status"] == Order.Status.CANCELLED
    assert balance(user.id) == 1000 == ledger_sum(user.id)
    returned = return_entries(placed["order_number"])
    assert [(e.number, e.operation) for e in returned] == [(300, Credit.Operation.RETURN)]


def test_cancel_gives_the_coupon_back(auth_client, order_for, coupon_for):
    log = coupon_for(auth_client.user)
    placed = order_for(auth_client, "150.00", coupon=log.id)
    assert placed["real_price"] == "130.00"
    assert CouponLog.objects.get(pk=log.pk).order_id == placed["id"]
    assert cancel(auth_client, placed["order_number"]).status_code == 200
    log.refresh_from_db()
    assert (log.order_id, log.use_status, log.use_time) == (None, CouponLog.Status.UNUSED, None)
    assert [c["user_coupon_id"] for c in auth_client.get("/api/coupon/enable/").json()["coupon_list"]] == []  # cart empty
    assert not return_entries(placed["order_number"])  # no credits were spent, so no ledger entry


def test_cancelling_a_paid_order_is_refused(make_user, client_for, order_for, coupon_for):
    user = make_user(credit=100)
    client = client_for(user)
    log = coupon_for(user)
    placed = order_for(client, "200.00", coupon=log.id)
    order_mark_paid(order_id=placed["id"], trade_no="T-PAID")
    assert_error(cancel(client, placed["order_number"]), 400, "order_not_cancellable")
    order = Order.objects.get(pk=placed["id"])
    assert order.order_status == Order.Status.PAID
    log.refresh_from_db()
    assert (log.order_id, log.use_status) == (order.id, CouponLog.Status.USED)
    assert balance(user.id) == 100 == ledger_sum(user.id)


def test_cancelling_a_timed_out_order_is_refused(auth_client, order_for):
    placed = order_for(auth_client)
    Order.objects.filter(pk=placed["id"]).update(order_status=Order.Status.TIMEOUT)
    assert_error(cancel(auth_client, placed["order_number"]), 400, "order_not_cancellable")


def test_order_timeout_counts_down_only_while_unpaid(auth_client, order_for):
    placed = order_for(auth_client)
    Order.objects.filter(pk=placed["id"]).update(expire_time=timezone.now() + timedelta(seconds=120))
    assert 110 <= auth_client.get(f"{ORDERS_URL}{placed['order_number']}/").json()["order_timeout"] <= 120
    cancel(auth_client, placed["order_number"])
    assert auth_client.get(f"{ORDERS_URL}{placed['order_number']}/").json()["order_timeout"] == 0
