"""The same pricing rules through the HTTP contract: POST /api/orders/quote/ and POST /api/orders/ give the same
exact amounts, and the order row stores them. Refusals leave nothing behind."""
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.test import override_settings
from django.utils import timezone
from orders.checkout_support import ORDERS_URL, QUOTE_URL, assert_error, body, order_snapshot, put_in_cart

from luffycityapi.apps.coupon.models import Coupon, CouponLog
from luffycityapi.apps.courses.models import CourseCategory, CourseDiscount
from luffycityapi.apps.orders.models import Order

pytestmark = pytest.mark.django_db


def both(client, payload) -> tuple[dict, Order]:
    """Quote then create with one body; they must agree. Returns (quote, the stored order)."""
    quoted = client.post(QUOTE_URL, payload, format="json")
    assert quoted.status_code == 200, quoted.content
    created = client.post(ORDERS_URL, payload, format="json")
    assert created.status_code == 201, created.content
    q, c = quoted.json(), created.json()
    assert (c["total_price"], c["real_price"]) == (q["total_price"], q["real_price"])
    order = Order.objects.get(order_number=c["order_number"])
    assert (order.total_price, order.discount_price, order.real_price) == (
        D(q["total_price"]), D(q["discount_price"]), D(q["real_price"]))
    assert order.credit == payload.get("credit", 0)
    return q, order


def refused_both(client, payload, status, code):
    before = order_snapshot()
    assert_error(client.post(QUOTE_URL, payload, format="json"), status, code)
    assert_error(client.post(ORDERS_URL, payload, format="json"), status, code)
    assert order_snapshot() == before


def amounts(q) -> tuple:
    return q["total_price"], q["discount_price"], q["real_price"]


def test_percent_88_on_99_99(auth_client, make_course, coupon_for):
    put_in_cart(auth_client, make_course(price="99.99"))
    log = coupon_for(auth_client.user, discount=Coupon.Kind.PERCENT, rate=D("0.88"), condition=D("0"))
    q, order = both(auth_client, body(coupon=log.id))
    assert amounts(q) == ("99.99", "12.00", "87.99")
    log.refresh_from_db()
    assert log.order_id == order.id


def test_half_cent_rounds_up(auth_client, make_course, coupon_for):
    put_in_cart(auth_client, make_course(price="10.05"))
    log = coupon_for(auth_client.user, discount=Coupon.Kind.PERCENT, rate=D("0.50"), condition=D("0"))
    q, _ = both(auth_client, body(coupon=log.id))
    assert amounts(q) == ("10.05", "5.03", "5.02")


@pytest.mark.parametrize("price, ok", [("100.00", True), ("99.99", False)])
def test_minimum_spend_boundary(auth_client, make_course, coupon_for, price, ok):
    put_in_cart(auth_client, make_course(price=price))
    log = coupon_for(auth_client.user)  # 满100减20
    if ok:
        q, _ = both(auth_client, body(coupon=log.id))
        assert amounts(q) == ("100.00", "20.00", "80.00")
    else:
        refused_both(auth_client, body(coupon=log.id), 400, "coupon_condition_unmet")


def test_coupon_only_on_undiscounted_courses(auth_client, make_course, make_discount, coupon_for):
    discounted = make_course(price="1000.00")
    make_discount(discounted, kind=CourseDiscount.Kind.PERCENT, value="0.50")  # sells at 500.00
    plain = make_course(price="80.00")
    log = coupon_for(auth_client.user, discount=Coupon.Kind.PERCENT, rate=D("0.50"), condition=D("0"))

    put_in_cart(auth_client, discounted)
    refused_both(auth_client, body(coupon=log.id), 400, "coupon_not_applicable")

    put_in_cart(auth_client, plain)
    q, order = both(auth_client, body(coupon=log.id))
    # half of the dearest ELIGIBLE course (80.00), not of the discounted 500.00 one
    assert amounts(q) == ("580.00", "40.00", "540.00")
    lines = {d.course_id: d for d in order.order_courses.all()}
    assert (lines[discounted.id].price, lines[discounted.id].real_price) == (D("1000.00"), D("500.00"))
    assert lines[discounted.id].discount_name == "限时折扣"
    assert (lines[plain.id].price, lines[plain.id].real_price, lines[plain.id].discount_name) == (
        D("80.00"), D("80.00"), "")


def test_minimum_spend_counts_only_eligible_courses(auth_client, make_course, make_discount, coupon_for):
    discounted = make_course(price="600.00")
    make_discount(discounted, kind=CourseDiscount.Kind.FIXED, value="500.00")
    put_in_cart(auth_client, discounted, make_course(price="99.99"))
    refused_both(auth_client, body(coupon=coupon_for(auth_client.user).id), 400, "coupon_condition_unmet")


def test_percent_coupon_on_the_dearest_course(auth_client, make_course, coupon_for):
    put_in_cart(auth_client, make_course(price="100.00"), make_course(price="300.00"), make_course(price="200.00"))
    log = coupon_for(auth_client.user, discount=Coupon.Kind.PERCENT, rate=D("0.90"), condition=D("0"))
    q, _ = both(auth_client, body(coupon=log.id))
    assert amounts(q) == ("600.00", "30.00", "570.00")


def test_category_scope(auth_client, make_course, coupon_for):
    python, web = CourseCategory.objects.create(name="Python"), CourseCategory.objects.create(name="前端")
    py_course, web_course = make_course(price="300.00", category=python), make_course(price="500.00", category=web)
    log = coupon_for(auth_client.user, discount=Coupon.Kind.PERCENT, rate=D("0.90"), condition=D("0"),
                     scope=Coupon.Scope.CATEGORY, category=python)
    put_in_cart(auth_client, web_course)
    refused_both(auth_client, body(coupon=log.id), 400, "coupon_not_applicable")
    put_in_cart(auth_client, py_course)
    q, _ = both(auth_client, body(coupon=log.id))
    assert amounts(q) == ("800.00", "30.00", "770.00")  # 10 % of the Python course, not of the dearer one


def test_listed_courses_scope(auth_client, make_course, coupon_for):
    listed, other = make_course(price="60.00"), make_course(price="500.00")
    log = coupon_for(auth_client.user, courses=[listed], amount=D("100.00"), condition=D("50.00"),
                     scope=Coupon.Scope.COURSES)
    put_in_cart(auth_client, other)
    refused_both(auth_client, body(coupon=log.id), 400, "coupon_not_applicable")
    put_in_cart(auth_client, listed)
    q, _ = both(auth_client, body(coupon=log.id))
    assert amounts(q) == ("560.00", "60.00", "500.00")  # capped at the listed course's 60.00


def test_total_never_below_zero(auth_client, make_course, coupon_for):
    put_in_cart(auth_client, make_course(price="30.00"))
    log = coupon_for(auth_client.user, amount=D("50.00"), condition=D("0"))
    q, _ = both(auth_client, body(coupon=log.id))
    assert amounts(q) == ("30.00", "30.00", "0.00")


def test_a_free_course(make_user, client_for, make_course, make_discount):
    client = client_for(make_user(credit=1000))
    course = make_course(price="99.00", credit=50)
    make_discount(course, kind=CourseDiscount.Kind.FREE, value="0", name="限时免费")
    put_in_cart(client, course)
    refused_both(client, body(credit=1), 400, "credit_over_limit")
    q, order = both(client, body())
    assert amounts(q) == ("0.00", "0.00", "0.00") and q["max_use_credit"] == 0
    detail = order.order_courses.get()
    assert (detail.price, detail.real_price, detail.discount_name) == (D("99.00"), D("0.00"), "限时免费")


def test_credits(make_user, client_for, make_course):
    client = client_for(make_user(credit=1000))
    put_in_cart(client, make_course(price="100.00", credit=300))
    quoted = client.post(QUOTE_URL, body(), format="json").json()
    assert {k: v for k, v in quoted.items() if k != "pay_types"} == {
        "total_price": "100.00", "discount_price": "0.00", "real_price": "100.00", "max_use_credit": 300, "credit": 0,
        "pay_type": 0}
    assert {"pay_type": 0, "name": "支付宝", "balance": None, "available": True} in quoted["pay_types"]
    q, _ = both(client, body(credit=300))
    assert amounts(q) == ("100.00", "30.00", "70.00")


def test_credits_over_the_allowance(make_user, client_for, make_course):
    client = client_for(make_user(credit=1000))
    put_in_cart(client, make_course(price="100.00", credit=300))
    refused_both(client, body(credit=301), 400, "credit_over_limit")


def test_credits_over_the_balance(make_user, client_for, make_course):
    client = client_for(make_user(credit=100))
    put_in_cart(client, make_course(price="100.00", credit=300))
    assert client.post(QUOTE_URL, body(), format="json").json()["max_use_credit"] == 100
    refused_both(client, body(credit=101), 400, "credit_insufficient")


def test_coupon_and_credits_together_refused(make_user, client_for, make_course, coupon_for):
    user = make_user(credit=1000)
    client = client_for(user)
    put_in_cart(client, make_course(price="200.00", credit=300))
    refused_both(client, body(coupon=coupon_for(user).id, credit=10), 400, "coupon_and_credit")


@override_settings(CREDIT_TO_MONEY=100)
def test_credit_to_money_is_read_from_settings(make_user, client_for, make_course):
    client = client_for(make_user(credit=1000))
    put_in_cart(client, make_course(price="5.00", credit=1000))
    assert client.post(QUOTE_URL, body(), format="json").json()["max_use_credit"] == 500  # the order's worth
    q, _ = both(client, body(credit=250))
    assert amounts(q) == ("5.00", "2.50", "2.50")
    assert client.get("/api/coupon/enable/").json()["credit_to_money"] == 100


# --- which coupons may be used at all --------------------------------------------------------------------------

def _cart_and(client, make_course):
    put_in_cart(client, make_course(price="200.00"))


def test_expired_coupon(auth_client, make_course, coupon_for):
    _cart_and(auth_client, make_course)
    now = timezone.now()
    log = coupon_for(auth_client.user)  # granted while valid, then it runs out
    Coupon.objects.filter(pk=log.coupon_id).update(start_time=now - timedelta(days=2),
                                                  end_time=now - timedelta(seconds=1))
    refused_both(auth_client, body(coupon=log.id), 400, "coupon_expired")
    CouponLog.objects.filter(pk=log.pk).update(use_status=CouponLog.Status.EXPIRED)
    refused_both(auth_client, body(coupon=log.id), 400, "coupon_expired")


def test_coupon_not_yet_valid(auth_client, make_course, coupon_for):
    _cart_and(auth_client, make_course)
    now = timezone.now()
    log = coupon_for(auth_client.user, start_time=now + timedelta(hours=1), end_time=now + timedelta(days=1))
    refused_both(auth_client, body(coupon=log.id), 400, "coupon_not_started")


def test_used_coupon(auth_client, make_course, coupon_for):
    _cart_and(auth_client, make_course)
    log = coupon_for(auth_client.user)
    CouponLog.objects.filter(pk=log.pk).update(use_status=CouponLog.Status.USED, use_time=timezone.now())
    refused_both(auth_client, body(coupon=log.id), 400, "coupon_used")


def test_disabled_coupon(auth_client, make_course, coupon_for):
    _cart_and(auth_client, make_course)
    log = coupon_for(auth_client.user, is_show=False)
    refused_both(auth_client, body(coupon=log.id), 400, "coupon_disabled")


def test_coupon_reserved_by_another_unpaid_order(auth_client, make_course, coupon_for,
                                                 django_capture_on_commit_callbacks):
    first, second = make_course(price="200.00"), make_course(price="300.00")
    log = coupon_for(auth_client.user)
    put_in_cart(auth_client, first)
    with django_capture_on_commit_callbacks(execute=True):  # the ordered course leaves the cart
        created = auth_client.post(ORDERS_URL, body(coupon=log.id), format="json")
    assert created.status_code == 201, created.content
    put_in_cart(auth_client, second)
    refused_both(auth_client, body(coupon=log.id), 400, "coupon_reserved")
    assert auth_client.get("/api/coupon/enable/").json()["coupon_list"] == []
    # cancelling the first order frees it for the second
    auth_client.post(f"{ORDERS_URL}{created.json()['order_number']}/cancel/")
    q, order = both(auth_client, body(coupon=log.id))
    assert amounts(q) == ("300.00", "20.00", "280.00")


def test_another_users_coupon_looks_like_a_missing_one(auth_client, make_user, make_course, coupon_for):
    _cart_and(auth_client, make_course)
    theirs = coupon_for(make_user())
    missing_id = theirs.id + 1000
    before = order_snapshot()
    for url in (QUOTE_URL, ORDERS_URL):
        other = assert_error(auth_client.post(url, body(coupon=theirs.id), format="json"), 404, "coupon_not_found")
        missing = assert_error(auth_client.post(url, body(coupon=missing_id), format="json"), 404,
                               "coupon_not_found")
        assert other == missing
    assert order_snapshot() == before


def test_enable_lists_usable_coupons_best_first(auth_client, make_user, make_course, coupon_for):
    put_in_cart(auth_client, make_course(price="99.99"))
    now = timezone.now()
    small = coupon_for(auth_client.user, amount=D("5.00"), condition=D("0"))
    best = coupon_for(auth_client.user, discount=Coupon.Kind.PERCENT, rate=D("0.88"), condition=D("0"))
    coupon_for(auth_client.user)  # 满100减20: 99.99 is one cent short
    expired = coupon_for(auth_client.user, amount=D("50.00"), condition=D("0"))
    Coupon.objects.filter(pk=expired.coupon_id).update(end_time=now - timedelta(seconds=1))
    coupon_for(make_user(), amount=D("90.00"), condition=D("0"))  # someone else's
    listed = auth_client.get("/api/coupon/enable/").json()["coupon_list"]
    assert [(c["user_coupon_id"], c["deduction"]) for c in listed] == [(best.id, "12.00"), (small.id, "5.00")]
    assert listed[0]["sale"] == "*0.88" and listed[1]["sale"] == "-5.00"
