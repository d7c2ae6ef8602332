"""An unpaid order past its deadline that no sweeper has expired yet does not block buying its course again."""
from datetime import timedelta

import pytest
from django.utils import timezone

from luffycityapi.apps.orders.models import Order

pytestmark = pytest.mark.django_db


def test_checkout_expires_an_overdue_order_holding_the_course(make_user, client_for, make_course,
                                                                django_capture_on_commit_callbacks):
    user = make_user(credit=100)
    client = client_for(user)
    course = make_course(price="50.00", credit=100)
    client.post("/api/cart/", {"course_id": course.id}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/api/orders/", {"pay_type": 0, "user_coupon_id": -1, "credit": 100}, format="json")
    assert first.status_code == 201
    client.post("/api/cart/", {"course_id": course.id}, format="json")
    blocked = client.post("/api/orders/", {"pay_type": 0, "user_coupon_id": -1, "credit": 0}, format="json")
    assert blocked.status_code == 400 and blocked.json()["code"] == "order_unpaid_exists"

    Order.objects.filter(pk=first.json()["id"]).update(expire_time=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post("/api/orders/", {"pay_type": 0, "user_coupon_id": -1, "credit": 100}, format="json")
    assert second.status_code == 201, second.content
    assert Order.objects.get(pk=first.json()["id"]).order_status == Order.Status.TIMEOUT
    user.refresh_from_db()
    assert user.credit == 0  # 100 returned by the expiry, 100 held again by the new order
