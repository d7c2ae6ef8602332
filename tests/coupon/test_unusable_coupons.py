"""The checkout's coupon list: usable coupons best first, and the user's other unused coupons greyed with why
(the server's reason, from pricing's own refusal), never silently missing."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from orders.checkout_support import ORDERS_URL, body, put_in_cart

from luffycityapi.apps.coupon.models import Coupon

pytestmark = pytest.mark.django_db

ENABLE_URL = "/api/coupon/enable/"


def test_coupons_that_do_not_apply_come_with_their_reason(auth_client, make_course, make_coupon, grant):
    user = auth_client.user
    course, other = make_course(price="300.00"), make_course(price="80.00")
    small = grant(user, make_coupon(name="满100减20"))
    big = grant(user, make_coupon(name="满200减50", amount=Decimal("50.00"), condition=Decimal("200.00")))
    over = grant(user, make_coupon(name="满1000减300", amount=Decimal("300.00"), condition=Decimal("1000.00")))
    scoped = grant(user, make_coupon(name="指定课程券", scope=Coupon.Scope.COURSES, courses=[other]))
    later = grant(user, make_coupon(name="明日生效", start_time=timezone.now() + timedelta(hours=2)))
    expired = grant(user, make_coupon(name="已过期", end_time=timezone.now() + timedelta(seconds=1)))
    put_in_cart(auth_client, course)
    Coupon.objects.filter(pk=expired.coupon_id).update(end_time=timezone.now() - timedelta(minutes=1))

    data = auth_client.get(ENABLE_URL).json()

    assert [(c["user_coupon_id"], c["deduction"]) for c in data["coupon_list"]] == [(big.id, "50.00"),
                                                                                   (small.id, "20.00")]
    reasons = {c["user_coupon_id"]: (c["usable"], c["reason_code"], c["reason"]) for c in data["unusable"]}
    assert reasons == {
        over.id: (False, "coupon_condition_unmet", "未满足优惠券使用条件（满 1000.00 元可用）"),
        scoped.id: (False, "coupon_not_applicable", "该优惠券不适用于所选课程"),
        later.id: (False, "coupon_not_started", "尚未到生效时间"),
    }
    assert all(c["end_time"].endswith("+08:00") and c["name"] for c in data["unusable"])


def test_a_coupon_held_by_an_unpaid_order_says_so(auth_client, make_course, make_coupon, grant):
    log = grant(auth_client.user, make_coupon())
    first = make_course(price="300.00")
    put_in_cart(auth_client, first)
    order = auth_client.post(ORDERS_URL, body(coupon=log.id), format="json").json()
    put_in_cart(auth_client, make_course(price="200.00"))
    auth_client.patch("/api/cart/", {"course_id": first.id, "selected": False}, format="json")

    data = auth_client.get(ENABLE_URL).json()

    assert data["coupon_list"] == []
    assert [(c["user_coupon_id"], c["reason_code"], c["reason"]) for c in data["unusable"]] == [
        (log.id, "coupon_reserved", f"已被未支付订单 {order['order_number']} 占用")]
