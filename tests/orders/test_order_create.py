"""POST /api/orders/: prices from the database, unique numbers, detail rows, the cart after commit, refusals that
leave nothing half-done."""
from decimal import Decimal as D

import pytest
from orders.checkout_support import (ORDERS_URL, QUOTE_URL, assert_error, balance, body, ledger_sum,
                                     order_snapshot, put_in_cart)

from luffycityapi.apps.coupon.models import CouponLog
from luffycityapi.apps.courses.models import CourseDiscount
from luffycityapi.apps.orders.models import Order, OrderDetail
from luffycityapi.apps.orders.numbers import next_order_number
from luffycityapi.apps.users.models import Credit, UserCourse

pytestmark = pytest.mark.django_db


def cart_ids(client) -> dict[int, bool]:
    return {row["id"]: row["selected"] for row in client.get("/api/cart/").json()["cart"]}


def test_prices_come_from_the_database_only(auth_client, make_course):
    course = make_course(price="1579.00")
    put_in_cart(auth_client, course)
    forged = body(total_price="0.01", real_price="0.01", price="0.01", discount_price="1578.99",
                  courses=[{"id": course.id, "price": "0.01"}])
    created = auth_client.post(ORDERS_URL, forged, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["real_price"] == "1579.00" and created.json()["total_price"] == "1579.00"
    order = Order.objects.get(order_number=created.json()["order_number"])
    assert (order.total_price, order.discount_price, order.real_price) == (D("1579.00"), D("0.00"), D("1579.00"))
    assert order.order_courses.get().real_price == D("1579.00")


def test_created_order_shape_and_detail_rows(auth_client, make_course, make_discount):
    plain = make_course(price="399.00")
    sale = make_course(price="699.00")
    make_discount(sale, kind=CourseDiscount.Kind.FIXED, value="499.00", name="双十二限时优惠")
    put_in_cart(auth_client, plain, sale)
    created = auth_client.post(ORDERS_URL, body(), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert set(data) >= {"id", "order_number", "order_timeout", "total_price", "real_price"}
    assert data["total_price"] == "898.00" and data["real_price"] == "898.00"
    assert 890 <= data["order_timeout"] <= 900
    order = Order.objects.get(pk=data["id"])
    assert order.user_id == auth_client.user.id and order.order_status == Order.Status.UNPAID
    rows = {d.course_id: (d.name, d.price, d.real_price, d.discount_name) for d in order.order_courses.all()}
    assert rows == {plain.id: (plain.name, D("399.00"), D("399.00"), ""),
                    sale.id: (sale.name, D("699.00"), D("499.00"), "双十二限时优惠")}


def test_order_numbers_are_unique_when_created_quickly(make_user, client_for, make_course,
                                                      django_capture_on_commit_callbacks):
    numbers = set()
    for _ in range(3):
        client = client_for(make_user())
        for _ in range(10):
            put_in_cart(client, make_course(price="10.00"))
            with django_capture_on_commit_callbacks(execute=True):
                created = client.post(ORDERS_URL, body(), format="json")
            assert created.status_code == 201, created.content
            numbers.add(created.json()["order_number"])
    assert len(numbers) == 30 == Order.objects.count()
    burst = {next_order_number(7) for _ in range(2000)}
    assert len(burst) == 2000


def test_selected_items_leave_the_cart_after_commit_unselected_stay(auth_client, make_course,
                                                                       django_capture_on_commit_callbacks):
    bought, kept = make_course(), make_course()
    put_in_cart(auth_client, bought)
    put_in_cart(auth_client, kept, selected=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = auth_client.post(ORDERS_URL, body(), format="json")
        assert created.status_code == 201, created.content
        assert cart_ids(auth_client) == {bought.id: True, kept.id: False}  # not before the commit
    assert callbacks
    for callback in callbacks:
        callback()
    assert cart_ids(auth_client) == {kept.id: False}
    assert [d.course_id for d in OrderDetail.objects.filter(order_id=created.json()["id"])] == [bought.id]


def test_a_paid_order_leaves_the_cart_when_the_creates_cleanup_was_lost(auth_client, make_course,
                                                                        django_capture_on_commit_callbacks):
    """A worker killed between the create's commit and its cart cleanup left the ordered courses selected; once the
    order is paid they would be refused at the next checkout. The fulfilment clears them too."""
    from luffycityapi.apps.orders.services import order_mark_paid

    bought, next_one = make_course(), make_course()
    put_in_cart(auth_client, bought)
    with django_capture_on_commit_callbacks(execute=False):  # the create's callbacks never run: the worker died
        created = auth_client.post(ORDERS_URL, body(), format="json")
    assert created.status_code == 201, created.content
    assert cart_ids(auth_client) == {bought.id: True}
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order_id=created.json()["id"], trade_no="T-LOST-CLEANUP")
    assert cart_ids(auth_client) == {}
    put_in_cart(auth_client, next_one)
    assert auth_client.post(ORDERS_URL, body(), format="json").status_code == 201


def test_an_already_purchased_course_is_refused(auth_client, make_course):
    owned, other = make_course(), make_course()
    put_in_cart(auth_client, owned, other)
    UserCourse.objects.create(user=auth_client.user, course=owned, order_number="LY-OLD")
    before = order_snapshot()
    for url in (QUOTE_URL, ORDERS_URL):
        refused = assert_error(auth_client.post(url, body(), format="json"), 400, "course_already_purchased")
        assert refused["course_ids"] == [owned.id]
    assert order_snapshot() == before


def test_a_course_in_an_unpaid_order_is_refused_with_that_order(auth_client, make_course):
    course = make_course()
    put_in_cart(auth_client, course)
    first = auth_client.post(ORDERS_URL, body(), format="json").json()
    put_in_cart(auth_client, make_course())  # the course is still in the cart (no commit callback ran)
    before = order_snapshot()
    for url in (QUOTE_URL, ORDERS_URL):
        refused = assert_error(auth_client.post(url, body(), format="json"), 400, "order_unpaid_exists")
        assert refused["order_number"] == first["order_number"]
    assert order_snapshot() == before
    # once that order is cancelled the course can be ordered again
    auth_client.post(f"{ORDERS_URL}{first['order_number']}/cancel/")
    assert auth_client.post(ORDERS_URL, body(), format="json").status_code == 201


def test_another_users_unpaid_order_does_not_block(make_user, client_for, make_course):
    course = make_course()
    for _ in range(2):
        client = client_for(make_user())
        put_in_cart(client, course)
        assert client.post(ORDERS_URL, body(), format="json").status_code == 201


@pytest.mark.parametrize("url", [ORDERS_URL, QUOTE_URL])
def test_an_empty_cart_is_refused(auth_client, make_course, url):
    assert_error(auth_client.post(url, body(), format="json"), 400, "cart_empty")
    put_in_cart(auth_client, make_course(), selected=False)  # nothing selected is empty too
    assert_error(auth_client.post(url, body(), format="json"), 400, "cart_empty")
    assert not Order.objects.exists()


@pytest.mark.parametrize("payload, status, code", [
    ('{"pay_type": 0, "credit": ', 400, "malformed_request"),
    ("[1, 2]", 400, "invalid"),
    ('{"pay_type": 0, "user_coupon_id": -1, "credit": "lots"}', 400, "invalid"),
    ('{"pay_type": 0, "user_coupon_id": -1, "credit": 1.5}', 400, "invalid"),
    ('{"pay_type": 0, "user_coupon_id": -1, "credit": null}', 400, "invalid"),
    ('{"pay_type": 0, "user_coupon_id": -1, "credit": -10}', 400, "invalid"),
    ('{"pay_type": 0, "user_coupon_id": "abc", "credit": 0}', 400, "invalid"),
    ('{"pay_type": 0, "user_coupon_id": -7, "credit": 0}', 400, "invalid"),
    ('{"pay_type": 0, "user_coupon_id": 99999999, "credit": 0}', 404, "coupon_not_found"),
    ('{"pay_type": 9, "user_coupon_id": -1, "credit": 0}', 400, "pay_type_invalid"),
    ('{"pay_type": "alipay", "user_coupon_id": -1, "credit": 0}', 400, "invalid"),
    ('{"pay_type": 0, "user_coupon_id": -1, "credit": 100000000000}', 400, "invalid"),
])
@pytest.mark.parametrize("url", [ORDERS_URL, QUOTE_URL])
def test_bad_input_is_a_4xx_and_nothing_half_done(make_user, client_for, make_course, coupon_for, url, payload,
                                                   status, code):
    user = make_user(credit=500)
    client = client_for(user)
    course = make_course(price="200.00", credit=100)
    put_in_cart(client, course)
    coupon_for(user)
    before = order_snapshot()
    response = client.post(url, payload, content_type="application/json")
    assert_error(response, status, code)
    assert order_snapshot() == before
    assert cart_ids(client) == {course.id: True}


def test_a_refused_create_changes_no_credit_coupon_or_stock(make_user, client_for, make_course, coupon_for):
    user = make_user(credit=50)
    client = client_for(user)
    put_in_cart(client, make_course(price="200.00", credit=100))
    log = coupon_for(user)
    before = order_snapshot()
    assert_error(client.post(ORDERS_URL, body(credit=60), format="json"), 400, "credit_insufficient")
    assert_error(client.post(ORDERS_URL, body(coupon=log.id, credit=10), format="json"), 400, "coupon_and_credit")
    assert order_snapshot() == before
    assert balance(user.id) == 50 == ledger_sum(user.id)
    assert CouponLog.objects.get(pk=log.pk).order_id is None


def test_credits_are_held_with_a_ledger_entry(make_user, client_for, make_course):
    user = make_user(credit=1000)
    client = client_for(user)
    put_in_cart(client, make_course(price="100.00", credit=300))
    created = client.post(ORDERS_URL, body(credit=250), format="json").json()
    assert created["real_price"] == "75.00"
    assert balance(user.id) == 750 == ledger_sum(user.id)
    spend = Credit.objects.get(user=user, operation=Credit.Operation.SPEND)
    assert (spend.number, spend.order_number) == (-250, created["order_number"])


def test_unauthenticated_checkout_is_401(api_client):
    assert_error(api_client.post(ORDERS_URL, body(), format="json"), 401, "not_authenticated")
    assert_error(api_client.post(QUOTE_URL, body(), format="json"), 401, "not_authenticated")
    assert_error(api_client.get(ORDERS_URL), 401, "not_authenticated")
