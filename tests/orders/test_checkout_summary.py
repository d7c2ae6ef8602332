"""GET /api/orders/checkout/ (issue #17 item 5): the checkout page in one answer, each part equal to what the three
requests it replaces answer (cart/order, coupon/enable, quote with the default choice), the cart priced once."""
from decimal import Decimal as D

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .checkout_support import QUOTE_URL, body, put_in_cart

CHECKOUT_URL = "/api/orders/checkout/"


def test_the_summary_is_the_three_answers_it_replaces(auth_client, make_course, make_discount, coupon_for):
    discounted = make_course(price="200.00", credit=50)
    make_discount(discounted, value="0.50")
    plain = make_course(price="99.99")
    unselected = make_course(price="10.00")
    put_in_cart(auth_client, discounted, plain)
    put_in_cart(auth_client, unselected, selected=False)
    auth_client.user.credit = 120
    auth_client.user.save(update_fields=["credit"])
    coupon_for(auth_client.user, amount=D("5.00"), condition=D("0"))
    coupon_for(auth_client.user, amount=D("20.00"), condition=D("50.00"))

    response = auth_client.get(CHECKOUT_URL)

    assert response.status_code == 200
    summary = response.json()
    enable = auth_client.get("/api/coupon/enable/").json()
    assert summary["cart"] == auth_client.get("/api/cart/order/").json()["cart"]
    assert {line["id"] for line in summary["cart"]} == {discounted.id, plain.id}
    assert summary["coupon_list"] == enable["coupon_list"] and len(summary["coupon_list"]) == 2
    assert (summary["credit_to_money"], summary["has_credit"]) == (enable["credit_to_money"], 120)
    assert summary["unusable"] == enable["unusable"]
    # The quote is for the best coupon, preselected: the 20.00 one (its minimum of 50.00 is met).
    assert summary["user_coupon_id"] == summary["coupon_list"][0]["user_coupon_id"]
    assert summary["coupon_list"][0]["deduction"] == "20.00"
    assert summary["quote"] == auth_client.post(QUOTE_URL, body(coupon=summary["user_coupon_id"]), format="json").json()
    assert summary["quote"]["total_price"] == "199.99" and summary["quote_error"] is None


def test_an_empty_cart_has_no_quote_and_no_error(auth_client):
    summary = auth_client.get(CHECKOUT_URL).json()

    assert summary == {"cart": [], "coupon_list": [], "unusable": [], "user_coupon_id": -1,
                       "credit_to_money": summary["credit_to_money"], "has_credit": 0, "quote": None,
                       "quote_error": None}


def test_a_refused_checkout_answers_the_refusal_beside_the_lines(auth_client, make_course):
    course = make_course(price="50.00")
    put_in_cart(auth_client, course)
    created = auth_client.post("/api/orders/", body(), format="json")
    assert created.status_code == 201
    put_in_cart(auth_client, course)  # the course again, while its unpaid order holds it

    summary = auth_client.get(CHECKOUT_URL).json()

    assert [line["id"] for line in summary["cart"]] == [course.id]
    assert summary["quote"] is None
    assert summary["quote_error"] == {**auth_client.post(QUOTE_URL, body(), format="json").json()}
    assert summary["quote_error"]["code"] == "order_unpaid_exists"
    assert summary["quote_error"]["order_number"] == created.json()["order_number"]


def test_the_cart_is_priced_once(auth_client, make_course, coupon_for):
    """One read of the selected courses' prices from the database serves the coupons and the quote."""
    courses = [make_course(price="30.00") for _ in range(3)]
    put_in_cart(auth_client, *courses)
    coupon_for(auth_client.user, amount=D("5.00"), condition=D("0"))
    auth_client.get(CHECKOUT_URL)  # warm the catalogue cache

    with CaptureQueriesContext(connection) as queries:
        assert auth_client.get(CHECKOUT_URL).status_code == 200

    course_table = connection.ops.quote_name("ly_course")
    pricing = [q["sql"] for q in queries.captured_queries  # not the coupons' own course lists
               if f"FROM {course_table}" in q["sql"] and "ly_coupon_courses" not in q["sql"]]
    assert len(pricing) == 1, pricing
