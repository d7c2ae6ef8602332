"""`manage.py seed_demo`: idempotent demo data that the shop's own API can use."""
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from luffycityapi.apps.courses.models import Activity, Course, CourseDiscount, CourseLesson
from luffycityapi.apps.users.models import Credit, User

pytestmark = pytest.mark.django_db

DEMO_MOBILE, DEMO_PASSWORD = "13800000000", "luffy-demo-2026"


def seed():
    call_command("seed_demo", stdout=io.StringIO())


def snapshot() -> dict:
    return {model.__name__: model.objects.count()
            for model in (Course, CourseLesson, Activity, CourseDiscount, User, Credit)}


def test_seed_twice_creates_nothing_new(db):
    seed()
    first = snapshot()

    seed()

    assert snapshot() == first
    assert first["Course"] >= 6


def test_demo_student_logs_in_and_holds_1000_credits_per_the_ledger(api_client):
    seed()
    seed()

    login = api_client.post("/api/users/login/", {"username": DEMO_MOBILE, "password": DEMO_PASSWORD},
                            format="json")

    assert login.status_code == 200, login.content
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    assert api_client.get("/api/users/me/").json()["credit"] == 1000
    student = User.objects.get(mobile=DEMO_MOBILE)
    assert Credit.objects.filter(user=student).aggregate(total=Sum("number"))["total"] == 1000


def test_demo_catalogue_has_running_discounts_and_credit_allowances(api_client):
    seed()

    courses = api_client.get("/api/courses/", {"size": 50}).json()["results"]

    assert any(course["discount"] for course in courses)
    assert any(course["discount"] == {} for course in courses)
    assert any(course["credit"] > 0 for course in courses)
    assert {course["discount"]["price"] for course in courses if course["discount"]} >= {"0.00"}  # one is free


def test_demo_student_can_fill_a_cart(api_client):
    seed()
    login = api_client.post("/api/users/login/", {"username": DEMO_MOBILE, "password": DEMO_PASSWORD},
                            format="json").json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login['access']}")
    course = Course.objects.order_by("orders").first()

    assert api_client.post("/api/cart/", {"course_id": course.id}, format="json").status_code == 201


def test_seed_keeps_the_demo_discount_running_on_an_old_database(api_client):
    seed()
    # A database seeded long ago: the demo activity's window has closed.
    Activity.objects.filter(name="双十二限时优惠").update(end_time=timezone.now() - timedelta(hours=1))
    assert not any(c["discount"] for c in api_client.get("/api/courses/", {"size": 50}).json()["results"])

    seed()

    assert Activity.objects.get(name="双十二限时优惠").end_time > timezone.now() + timedelta(days=1)
    assert any(c["discount"] for c in api_client.get("/api/courses/", {"size": 50}).json()["results"])
