"""Studying fixtures: a course with chapters and lessons playing the shipped sample videos, and purchases paid
through the payments tests' fake provider (a real notify, fulfilment and, later, refunds through the one refund
service; no gateway needed)."""
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from luffycityapi.apps.courses.models import CourseChapter, CourseLesson
from luffycityapi.apps.learning.media import SAMPLE_VIDEOS
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.providers import registry
from payments.test_fake_provider import FAKE_PAY_TYPE, FakeProvider

SECONDS = 6  # each sample video's real length


@pytest.fixture
def fake(settings):
    provider = FakeProvider()
    registry.register(provider)
    settings.ROOT_URLCONF = "payments.test_fake_provider"  # the shop's URLs plus the fake provider's notify
    yield provider
    registry.unregister(FAKE_PAY_TYPE)


@pytest.fixture
def course_with_lessons(make_course):
    """A course of two chapters × two lessons (the first of each free), each a 6 s sample video."""
    def make(price="100.00"):
        course = make_course(price=price)
        lessons = []
        for chapter_no in (1, 2):
            chapter = CourseChapter.objects.create(course=course, orders=chapter_no, name=f"第{chapter_no}章")
            for lesson_no in (1, 2):
                lessons.append(CourseLesson.objects.create(
                    chapter=chapter, orders=lesson_no, name=f"{chapter_no}.{lesson_no}", duration=SECONDS,
                    free_trail=lesson_no == 1, video=f"sample-{lesson_no}.webm"))
        return course, lessons

    return make


@pytest.fixture
def buy(fake, django_capture_on_commit_callbacks):
    """The client's user buys the courses through the fake provider (cart → order → notify); returns the Order."""
    def purchase(client, *courses) -> Order:
        for course in courses:
            assert client.post("/api/cart/", {"course_id": course.id}, format="json").status_code == 201
        with django_capture_on_commit_callbacks(execute=True):
            created = client.post("/api/orders/", {"pay_type": FAKE_PAY_TYPE, "user_coupon_id": -1, "credit": 0},
                                  format="json")
            assert created.status_code == 201, created.content
            number = created.json()["order_number"]
            assert client.get(f"/api/payments/fake/{number}/").status_code == 200
            answer = client.post("/api/payments/fake/notify", json.dumps(fake.buyer_pays(number)),
                                 content_type="application/json")
            assert json.loads(answer.content)["code"] == "OK"
        order = Order.objects.get(order_number=number)
        assert order.order_status == Order.Status.PAID
        return order

    return purchase


def age_order(order: Order, days: int) -> None:
    """Pretend the order was paid `days` ago."""
    Order.objects.filter(pk=order.pk).update(pay_time=timezone.now() - timedelta(days=days))


def sample_bytes(name="sample-1.webm") -> bytes:
    return (SAMPLE_VIDEOS / name).read_bytes()
