"""Every datetime the API sends is shop time (Asia/Shanghai) with its offset: the coupon list's validity came as
UTC ("…Z") while orders came as "+08:00", and the SPA showed the UTC digits as if they were shop time."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from orders.checkout_support import coupon_for, grant, make_coupon, put_in_cart  # noqa: F401  (fixtures)

from luffycityapi.core.renderers import local_iso

pytestmark = pytest.mark.django_db

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def datetimes_in(value, path="$"):
    """Every ISO-looking string anywhere in a JSON answer, with where it is."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from datetimes_in(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from datetimes_in(item, f"{path}[{index}]")
    elif isinstance(value, str) and ISO.match(value):
        yield path, value


def assert_shop_time(body):
    found = list(datetimes_in(body))
    assert found, "the answer has datetimes to check"
    wrong = [(path, value) for path, value in found if not value.endswith("+08:00")]
    assert wrong == []
    return dict(found)


def test_coupon_validity_is_shop_time_with_offset(auth_client, make_course, coupon_for):
    # Valid until 23:59:59 Beijing time = 15:59:59 UTC: the database hands it back in UTC.
    end = datetime(2030, 1, 31, 15, 59, 59, tzinfo=UTC)
    coupon_for(auth_client.user, start_time=timezone.now() - timedelta(days=1), end_time=end)
    put_in_cart(auth_client, make_course(price="300.00"))

    body = auth_client.get("/api/coupon/enable/").json()

    found = assert_shop_time(body)
    assert found["$.coupon_list[0].end_time"] == "2030-01-31T23:59:59+08:00"


def test_orders_and_catalogue_use_the_same_zone(auth_client, make_course, make_discount):
    course = make_course(price="300.00")
    make_discount(course, end=datetime(2030, 6, 30, 16, 0, tzinfo=UTC))
    put_in_cart(auth_client, course)
    assert auth_client.post("/api/orders/", {"pay_type": 0, "user_coupon_id": -1, "credit": 0},
                            format="json").status_code == 201

    orders = auth_client.get("/api/orders/").json()
    catalogue = auth_client.get("/api/courses/").json()

    assert_shop_time(orders)
    found = assert_shop_time(catalogue)
    assert found["$.results[0].discount.expire_at"] == "2030-07-01T00:00:00+08:00"


def test_local_iso_matches_the_renderer():
    assert local_iso(datetime(2030, 1, 1, 0, 0, tzinfo=UTC)) == "2030-01-01T08:00:00+08:00"
    assert local_iso(None) is None
