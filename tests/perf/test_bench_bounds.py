"""bench/bounds.py: each bound does its path's work. A bound that wrote less than the path it stands beside would
make the path look slow for nothing, so each is run beside the real path on the same kind of input and what they
leave behind is compared. MariaDB only: the bounds' SQL is MariaDB's (FOR UPDATE, INSERT IGNORE)."""
from urllib.parse import urlencode

import pytest
from django.test import RequestFactory
from django_redis import get_redis_connection
from orders.checkout_support import ORDERS_URL, body, put_in_cart
from payments.conftest import notify_params, place_order, post_notify, sign_params  # noqa: F401  (fixtures)
from rest_framework.test import APIRequestFactory, force_authenticate

from bench import bounds
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.models import PaymentEvent
from luffycityapi.apps.users.models import UserCourse

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db]


def _written(order: Order) -> dict:
    """What a create leaves in the order's rows, less what differs between any two orders (ids, number, times)."""
    return {"fields": (order.kind, order.name, order.order_status, order.pay_type, order.total_price,
                       order.discount_price, order.real_price, order.credit, order.trade_no, order.pay_time),
            "timeout_s": round((order.expire_time - order.created_time).total_seconds()),
            "lines": sorted(order.order_courses.values_list("course_id", "name", "price", "real_price",
                                                             "discount_name"))}


@pytest.mark.parametrize("view, url", [
    (bounds.CreateBoundView, "/api/bench/bounds/create/"),
    # its own BEGIN and COMMIT: it runs outside a test's enclosing transaction, as in a request
    pytest.param(bounds.CreateBatchedBoundView, "/api/bench/bounds/create-batched/",
                 marks=pytest.mark.django_db(transaction=True))])
def test_the_create_bound_writes_the_order_the_create_writes(view, url, make_user, client_for, make_course,
                                                             django_capture_on_commit_callbacks):
    courses = [make_course(price="199.00"), make_course(price="299.00")]
    real_client, bound_user = client_for(make_user()), make_user()
    put_in_cart(real_client, *courses)
    put_in_cart(client_for(bound_user), *courses)
    with django_capture_on_commit_callbacks(execute=True):
        real = real_client.post(ORDERS_URL, body(), format="json")
    assert real.status_code == 201, real.content

    request = APIRequestFactory().post(f"{url}?courses={courses[0].id},{courses[1].id}", {}, format="json")
    force_authenticate(request, user=bound_user)
    bound = view.as_view()(request)
    assert bound.status_code == 201, bound.data

    real_order = Order.objects.get(order_number=real.json()["order_number"])
    bound_order = Order.objects.get(pk=bound.data["id"], user=bound_user)
    assert bound_order.order_number == bound.data["order_number"] != real_order.order_number
    assert _written(bound_order) == _written(real_order)
    assert bound.data["total_price"] == real.json()["total_price"] == "498.00"
    redis = get_redis_connection("default")
    assert redis.hlen(f"cart_{bound_user.id}") == 0  # the bought courses left the cart, as the real create's do
    assert int(redis.lindex(bounds.EXPIRY_KEY, 0)) == bound_order.id


def test_the_notify_bound_fulfils_as_the_notify_does(auth_client, client_for, make_user, place_order, post_notify):
    real = place_order(auth_client, "120.00", "80.00")
    bound_client = client_for(make_user())
    placed = place_order(bound_client, "120.00", "80.00")
    assert post_notify(sign_params(notify_params(real["order_number"], real["real_price"],
                                                 trade_no="2026120522001400000000000001"))) == "success"

    def bound_notify(signed):
        request = RequestFactory().post("/api/bench/bounds/notify/", urlencode(signed),
                                        content_type="application/x-www-form-urlencoded; charset=utf-8")
        return bounds.NotifyBoundView.as_view()(request).content.decode()

    paid = notify_params(placed["order_number"], placed["real_price"], trade_no="2026120522001400000000000002")
    assert bound_notify({**sign_params(paid), "total_amount": "0.01"}) == "fail"  # the real signature check, first
    assert Order.objects.get(order_number=placed["order_number"]).order_status == Order.Status.UNPAID

    assert bound_notify(sign_params(paid)) == "success"
    for number, trade_no in ((real["order_number"], "2026120522001400000000000001"),
                             (placed["order_number"], "2026120522001400000000000002")):
        order = Order.objects.get(order_number=number)
        assert (order.order_status, order.trade_no) == (Order.Status.PAID, trade_no)
        assert order.pay_time is not None
        assert sorted(UserCourse.objects.filter(user_id=order.user_id).values_list("course_id", flat=True)) == \
            sorted(order.order_courses.values_list("course_id", flat=True))
        event = PaymentEvent.objects.get(order_number=number, kind=PaymentEvent.Kind.NOTIFY)
        assert (event.verified, event.verdict, event.outcome, event.provider_trade_no) == (True, "ok", "fulfilled",
                                                                                           trade_no)
