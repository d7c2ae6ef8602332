"""Django admin for checkout: the order and coupon pages render for a superuser, the cancel action releases
through the service, the coupon grant action grants."""
from decimal import Decimal as D

import pytest
from django.test import Client
from orders.checkout_support import balance, ledger_sum, return_entries

from luffycityapi.apps.coupon.models import Coupon, CouponLog
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.orders.services import order_mark_paid

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(make_user):
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def orders(two_orders):
    """The student's 200-credit order stays unpaid; the coupon one is paid."""
    order_mark_paid(order_id=two_orders["coupon"].pk, trade_no="2026TRADE")
    return {"student": two_orders["user"], "unpaid": two_orders["credit"],
            "paid": Order.objects.get(pk=two_orders["coupon"].pk), "log": two_orders["log"]}


def ok(response):
    assert response.status_code == 200, response.content[:2000]
    return response.content.decode()


def test_order_pages_render(admin_browser, orders):
    page = ok(admin_browser.get("/admin/orders/order/"))
    assert orders["unpaid"].order_number in page and orders["paid"].order_number in page
    ok(admin_browser.get("/admin/orders/order/", {"order_status__exact": "0"}))
    ok(admin_browser.get("/admin/orders/order/", {"q": orders["student"].mobile}))
    for order in (orders["unpaid"], orders["paid"]):
        change = ok(admin_browser.get(f"/admin/orders/order/{order.pk}/change/"))
        assert order.order_number in change and str(order.real_price) in change


def test_coupon_pages_render(admin_browser, orders):
    coupon = orders["log"].coupon
    assert coupon.name in ok(admin_browser.get("/admin/coupon/coupon/"))
    ok(admin_browser.get(f"/admin/coupon/coupon/{coupon.pk}/change/"))
    ok(admin_browser.get("/admin/coupon/coupon/add/"))
    ok(admin_browser.get("/admin/coupon/couponlog/"))
    ok(admin_browser.get(f"/admin/coupon/couponlog/{orders['log'].pk}/change/"))


def test_cancel_action_releases_unpaid_orders_only(admin_browser, orders):
    student = orders["student"]
    assert balance(student.id) == 800
    response = admin_browser.post("/admin/orders/order/", {
        "action": "cancel_unpaid", "_selected_action": [orders["unpaid"].pk, orders["paid"].pk]}, follow=True)
    assert "已取消 1 个订单" in ok(response)
    assert Order.objects.get(pk=orders["unpaid"].pk).order_status == Order.Status.CANCELLED
    assert Order.objects.get(pk=orders["paid"].pk).order_status == Order.Status.PAID
    assert balance(student.id) == 1000 == ledger_sum(student.id)
    assert [e.number for e in return_entries(orders["unpaid"].order_number)] == [200]
    # once more: idempotent
    admin_browser.post("/admin/orders/order/", {"action": "cancel_unpaid",
                                                "_selected_action": [orders["unpaid"].pk]})
    assert [e.number for e in return_entries(orders["unpaid"].order_number)] == [200]


def test_admin_cannot_edit_money_or_status(admin_browser, orders):
    order = orders["unpaid"]
    admin_browser.post(f"/admin/orders/order/{order.pk}/change/", {
        "name": "x", "order_desc": "", "real_price": "0.01", "order_status": "1"})
    order.refresh_from_db()
    assert (order.real_price, order.order_status) == (D("80.00"), Order.Status.UNPAID)


def test_grant_action_asks_for_mobiles_then_grants(admin_browser, make_user, make_coupon):
    coupon = make_coupon(total=10, remaining=10)
    first, second = make_user(), make_user()
    form = admin_browser.post("/admin/coupon/coupon/", {"action": "grant_to_users",
                                                        "_selected_action": [coupon.pk]})
    assert 'name="mobiles"' in ok(form)
    assert not CouponLog.objects.exists()

    done = admin_browser.post("/admin/coupon/coupon/", {
        "action": "grant_to_users", "_selected_action": [coupon.pk], "apply": "1",
        "mobiles": f"{first.mobile}, {second.mobile}\n13000000000"}, follow=True)
    page = ok(done)
    assert "已发放 2 张优惠券" in page and "13000000000" in page  # the unknown mobile is named
    assert sorted(CouponLog.objects.filter(coupon=coupon).values_list("user_id", flat=True)) == sorted(
        [first.id, second.id])
    assert Coupon.objects.get(pk=coupon.pk).remaining == 8

    # the per-user limit (1) holds: granting again gives nothing and says why
    again = admin_browser.post("/admin/coupon/coupon/", {
        "action": "grant_to_users", "_selected_action": [coupon.pk], "apply": "1", "mobiles": first.mobile},
        follow=True)
    assert "已发放 0 张优惠券" in ok(again)
    assert CouponLog.objects.filter(coupon=coupon).count() == 2


def test_new_coupon_stock_starts_full(admin_browser):
    from django.utils import timezone

    now = timezone.localtime()
    response = admin_browser.post("/admin/coupon/coupon/add/", {
        "name": "满200减30", "discount": "1", "amount": "30.00", "rate": "1.00", "condition": "200.00",
        "scope": "0", "start_time_0": now.strftime("%Y-%m-%d"), "start_time_1": "00:00:00",
        "end_time_0": "2099-01-01", "end_time_1": "00:00:00", "total": "50", "per_user_limit": "1",
        "is_show": "on"})
    assert response.status_code == 302, response.content[:3000]
    coupon = Coupon.objects.get(name="满200减30")
    assert (coupon.total, coupon.remaining) == (50, 50)


def _edit(admin_browser, coupon, **changes):
    data = {"name": coupon.name, "discount": str(coupon.discount), "amount": str(coupon.amount),
            "rate": str(coupon.rate), "condition": str(coupon.condition), "scope": str(coupon.scope),
            "start_time_0": "2020-01-01", "start_time_1": "00:00:00", "end_time_0": "2099-01-01",
            "end_time_1": "00:00:00", "total": str(coupon.total), "per_user_limit": str(coupon.per_user_limit),
            "is_show": "on", **changes}
    return admin_browser.post(f"/admin/coupon/coupon/{coupon.pk}/change/", data)


def test_raising_a_coupons_total_restocks_it_and_lowering_below_issued_is_refused(admin_browser, make_user,
                                                                                  make_coupon, grant):
    coupon = make_coupon(total=2, remaining=2)
    grant(make_user(), coupon)
    grant(make_user(), coupon)
    assert Coupon.objects.get(pk=coupon.pk).remaining == 0

    assert _edit(admin_browser, coupon, total="5").status_code == 302
    assert (Coupon.objects.get(pk=coupon.pk).total, Coupon.objects.get(pk=coupon.pk).remaining) == (5, 3)
    grant(make_user(), coupon)  # the new stock can be granted

    refused = _edit(admin_browser, Coupon.objects.get(pk=coupon.pk), total="2")
    assert "发放总量不能少于已发放的 3 张" in ok(refused)
    assert (Coupon.objects.get(pk=coupon.pk).total, Coupon.objects.get(pk=coupon.pk).remaining) == (5, 2)


def test_an_expired_coupon_is_not_granted(admin_browser, make_user, make_coupon):
    from datetime import timedelta

    from django.utils import timezone

    coupon = make_coupon(start_time=timezone.now() - timedelta(days=2), end_time=timezone.now() - timedelta(days=1))
    user = make_user()
    page = ok(admin_browser.post("/admin/coupon/coupon/", {
        "action": "grant_to_users", "_selected_action": [coupon.pk], "apply": "1", "mobiles": user.mobile},
        follow=True))
    assert "已发放 0 张优惠券" in page and "优惠券已过期" in page
    assert not CouponLog.objects.exists()
