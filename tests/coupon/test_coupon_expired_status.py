"""CouponLog status 2 "已过期" is derived, never stored: a coupon nobody used or holds is expired as soon as its
coupon kind's window has ended, and usable again the moment staff extend the window. The admin (column and filter),
/api/coupon/enable/ and the checkout all read it the same way."""
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from orders.checkout_support import ORDERS_URL, QUOTE_URL, body, put_in_cart

from luffycityapi.apps.cart import store as cart_store
from luffycityapi.apps.coupon.models import Coupon, CouponLog
from luffycityapi.apps.orders.services import order_mark_paid

pytestmark = pytest.mark.django_db

UNUSED, USED, EXPIRED = CouponLog.Status.UNUSED, CouponLog.Status.USED, CouponLog.Status.EXPIRED


@pytest.fixture
def admin_browser(make_user):
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def _end(coupon, delta):
    Coupon.objects.filter(pk=coupon.pk).update(end_time=timezone.now() + delta)


def _statuses() -> dict:
    return dict(CouponLog.objects.with_status(timezone.now()).values_list("id", "status_now"))


@pytest.fixture
def three(auth_client, make_course, coupon_for):
    """An idle coupon, one used by a paid order, one held by an unpaid order; then all three kinds end."""
    client, user = auth_client, auth_client.user
    idle = coupon_for(user)
    used = coupon_for(user)
    put_in_cart(client, make_course(price="200.00"))
    paid = client.post(ORDERS_URL, body(coupon=used.id), format="json").json()
    order_mark_paid(order_id=paid["id"], trade_no="T-USED")
    held = coupon_for(user)
    cart_store.set_all_selected(user.id, False)  # the paid course (its cart cleanup runs only after commit)
    put_in_cart(client, make_course(price="300.00"))
    unpaid = client.post(ORDERS_URL, body(coupon=held.id), format="json").json()
    assert "order_number" in unpaid, unpaid
    assert _statuses() == {idle.id: UNUSED, used.id: USED, held.id: UNUSED}
    for log in (idle, used, held):
        _end(log.coupon, -timedelta(minutes=1))
    return {"client": client, "idle": idle, "used": used, "held": held, "unpaid": unpaid}


def test_an_unused_coupon_past_its_end_is_expired_a_used_or_held_one_is_not(three):
    assert _statuses() == {three["idle"].id: EXPIRED, three["used"].id: USED, three["held"].id: UNUSED}
    assert CouponLog.objects.get(pk=three["idle"].pk).use_status == UNUSED  # derived, not written


def test_a_held_coupon_given_back_after_its_end_is_expired(three):
    client = three["client"]
    assert client.post(f"{ORDERS_URL}{three['unpaid']['order_number']}/cancel/").status_code == 200
    assert _statuses()[three["held"].id] == EXPIRED


def test_an_expired_coupon_is_not_offered_and_refused_at_checkout(auth_client, make_course, coupon_for):
    log = coupon_for(auth_client.user)
    put_in_cart(auth_client, make_course(price="200.00"))
    assert [c["user_coupon_id"] for c in auth_client.get("/api/coupon/enable/").json()["coupon_list"]] == [log.id]
    _end(log.coupon, -timedelta(seconds=1))
    assert auth_client.get("/api/coupon/enable/").json()["coupon_list"] == []
    for url in (QUOTE_URL, ORDERS_URL):
        response = auth_client.post(url, body(coupon=log.id), format="json")
        assert (response.status_code, response.json()["code"]) == (400, "coupon_expired"), response.content


def test_extending_the_window_makes_an_expired_coupon_usable_again(auth_client, make_course, coupon_for):
    log = coupon_for(auth_client.user)
    put_in_cart(auth_client, make_course(price="200.00"))
    _end(log.coupon, -timedelta(seconds=1))
    assert _statuses()[log.id] == EXPIRED
    _end(log.coupon, timedelta(days=7))  # staff extend it (or seed_demo on an old database)
    assert _statuses()[log.id] == UNUSED
    assert [c["user_coupon_id"] for c in auth_client.get("/api/coupon/enable/").json()["coupon_list"]] == [log.id]
    assert auth_client.post(QUOTE_URL, body(coupon=log.id), format="json").json()["discount_price"] == "20.00"


def _rows(page: str, label: str) -> int:
    return page.count(f'<td class="field-status_display">{label}</td>')


def test_the_admin_shows_and_filters_the_derived_status(admin_browser, three):
    page = admin_browser.get("/admin/coupon/couponlog/").content.decode()
    assert (_rows(page, "已过期"), _rows(page, "已使用"), _rows(page, "未使用")) == (1, 1, 1)
    expired = admin_browser.get("/admin/coupon/couponlog/", {"status": str(EXPIRED)})
    assert expired.status_code == 200
    assert (_rows(expired.content.decode(), "已过期"), _rows(expired.content.decode(), "未使用")) == (1, 0)
    unused = admin_browser.get("/admin/coupon/couponlog/", {"status": str(UNUSED)}).content.decode()
    assert (_rows(unused, "已过期"), _rows(unused, "未使用")) == (0, 1)  # only the one an unpaid order holds
    detail = admin_browser.get(f"/admin/coupon/couponlog/{three['idle'].pk}/change/").content.decode()
    assert "已过期" in detail
    assert admin_browser.get("/admin/coupon/couponlog/", {"status": "x"}).status_code == 200  # no 500
