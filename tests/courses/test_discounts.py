"""The `discount` of a course: {type, price, expire} while an activity's window is open, else {}; the best of
overlapping discounts wins; prices are exact two-place decimal strings."""
from datetime import timedelta

import pytest
from django.utils import timezone

from luffycityapi.apps.courses.models import CourseDiscount

pytestmark = pytest.mark.django_db

Kind = CourseDiscount.Kind


def listed(api_client, course) -> dict:
    rows = {row["id"]: row for row in api_client.get("/api/courses/", {"size": 50}).json()["results"]}
    detail = api_client.get(f"/api/courses/{course.id}/").json()
    assert rows[course.id]["discount"] == detail["discount"]  # list and detail price the same way
    return detail


def test_fixed_price_discount(api_client, make_course, make_discount):
    course = make_course(price="699.00")
    make_discount(course, kind=Kind.FIXED, value="499.00", name="限时特价")

    discount = listed(api_client, course)["discount"]

    assert discount["type"] == "限时特价"
    assert discount["price"] == "499.00"
    assert 3500 <= discount["expire"] <= 3600  # make_discount's window ends in an hour


def test_percent_discount(api_client, make_course, make_discount):
    course = make_course(price="1579.00")
    make_discount(course, kind=Kind.PERCENT, value="0.88")

    body = listed(api_client, course)

    assert body["price"] == "1579.00"  # the list price stays as it is
    assert body["discount"]["price"] == "1389.52"  # 1579.00 × 0.88


def test_percent_discount_rounds_half_up_to_the_cent(api_client, make_course, make_discount):
    course = make_course(price="10.05")
    make_discount(course, kind=Kind.PERCENT, value="0.50")

    # 10.05 × 0.50 = 5.025: half-up gives 5.03 (banker's rounding would give 5.02, a float 5.02 or 5.03)
    assert listed(api_client, course)["discount"]["price"] == "5.03"


def test_free_discount(api_client, make_course, make_discount):
    course = make_course(price="99.00")
    make_discount(course, kind=Kind.FREE, value="0", name="限时免费")

    assert listed(api_client, course)["discount"]["price"] == "0.00"


def test_fixed_price_above_the_list_price_never_raises_the_price(api_client, make_course, make_discount):
    course = make_course(price="100.00")
    make_discount(course, kind=Kind.FIXED, value="150.00")

    assert listed(api_client, course)["discount"]["price"] == "100.00"


def test_expired_window_gives_no_discount(api_client, make_course, make_discount):
    course = make_course()
    now = timezone.now()
    make_discount(course, start=now - timedelta(days=2), end=now - timedelta(seconds=1))

    assert listed(api_client, course)["discount"] == {}


def test_window_not_yet_started_gives_no_discount(api_client, make_course, make_discount):
    course = make_course()
    now = timezone.now()
    make_discount(course, start=now + timedelta(minutes=5), end=now + timedelta(days=1))

    assert listed(api_client, course)["discount"] == {}


def test_best_of_two_overlapping_discounts_wins(api_client, make_course, make_discount):
    course = make_course(price="200.00")
    make_discount(course, kind=Kind.PERCENT, value="0.90", name="九折")   # 180.00
    make_discount(course, kind=Kind.FIXED, value="150.00", name="特价")   # 150.00, the better one
    make_discount(course, kind=Kind.FREE, value="0", name="已结束",
                  start=timezone.now() - timedelta(days=2), end=timezone.now() - timedelta(days=1))

    discount = listed(api_client, course)["discount"]

    assert (discount["type"], discount["price"]) == ("特价", "150.00")


def test_expire_counts_down_to_the_window_end(api_client, make_course, make_discount):
    course = make_course()
    now = timezone.now()
    make_discount(course, start=now - timedelta(days=1), end=now + timedelta(days=2))

    expire = listed(api_client, course)["discount"]["expire"]

    assert 2 * 86400 - 60 <= expire <= 2 * 86400


def test_a_discount_on_another_course_does_not_leak(api_client, make_course, make_discount):
    discounted, plain = make_course(price="300.00"), make_course(price="300.00")
    make_discount(discounted, kind=Kind.FIXED, value="1.00")

    assert listed(api_client, plain)["discount"] == {}
    assert listed(api_client, discounted)["discount"]["price"] == "1.00"
