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


def _static_file(url: str):
    """The file behind a /static/ URL, found the way the dev server (whitenoise's finders) finds it."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    assert url.startswith(settings.STATIC_URL), url
    path = finders.find(url[len(settings.STATIC_URL):])
    assert path, f"{url} is not a static file"
    return path


def test_every_course_has_its_own_real_cover_image(db):
    import hashlib

    from PIL import Image

    seed()
    digests = set()
    for course in Course.objects.all():
        path = _static_file(course.cover)
        with Image.open(path) as image:
            image.verify()  # a real, complete picture file, not a placeholder
        with Image.open(path) as image:
            assert image.size == (640, 360) and image.format == "JPEG"
            # more than a flat colour or a plain gradient: the title is drawn on it
            assert len(image.convert("RGB").getcolors(maxcolors=1 << 16) or range(1 << 16)) > 500
        with open(path, "rb") as f:
            digests.add(hashlib.sha256(f.read()).hexdigest())
        # and its small copy beside it, which the SPA's phone/cart/checkout thumbnails load (utils/shape coverSrcset)
        with Image.open(_static_file(course.cover.removesuffix(".jpg") + ".sm.jpg")) as small:
            assert small.size == (224, 126) and small.format == "JPEG"
    assert len(digests) == Course.objects.count()


def test_courses_have_teachers_with_avatars_descriptions_and_varied_levels(api_client):
    from PIL import Image

    seed()
    courses = api_client.get("/api/courses/", {"size": 50}).json()["results"]

    assert all(c["teacher"] and c["teacher"]["name"] and c["teacher"]["title"] for c in courses)
    assert len({c["teacher"]["name"] for c in courses}) >= 3
    for avatar in {c["teacher"]["avatar"] for c in courses}:
        with Image.open(_static_file(avatar)) as image:
            assert image.size == (160, 160)
    assert {c["level"] for c in courses} == {0, 1, 2}
    detail = api_client.get(f"/api/courses/{courses[0]['id']}/").json()
    assert len(detail["description"]) > 20 and detail["description"] != detail["brief"]


def test_chapter_and_lesson_titles_are_distinct_and_carry_no_numbering(api_client):
    import re

    seed()
    for course in Course.objects.all():
        detail = api_client.get(f"/api/courses/{course.id}/").json()
        chapters = detail["chapters"]
        lessons = [lesson for chapter in chapters for lesson in chapter["lessons"]]
        assert len(chapters) >= 2 and len(lessons) >= 6
        assert len({c["name"] for c in chapters}) == len(chapters)
        assert len({lesson["name"] for lesson in lessons}) == len(lessons)
        # the SPA numbers chapters ("第1章") and lessons itself: the names must not do it again
        assert not any(re.match(r"\s*第\s*\d+\s*章", c["name"]) for c in chapters)
        assert not any(re.fullmatch(r"[\d.]+\s*课时", lesson["name"]) for lesson in lessons)
        # durations are whole seconds (a few minutes each), not clock times
        assert all(60 <= int(lesson["duration"]) <= 3600 for lesson in lessons)
        assert any(lesson["free_trail"] for lesson in lessons)


def test_an_old_database_gets_the_new_titles_in_place(db):
    """A demo database seeded before covers and titles existed: the seed renames chapters and lessons by position,
    keeping their ids (progress and orders may point at them), and sets the covers."""
    from luffycityapi.apps.courses.models import CourseChapter

    seed()
    course = Course.objects.get(name="Django 企业级项目实战")
    chapter = course.chapters.get(orders=1)
    lesson = chapter.lessons.get(orders=1)
    CourseChapter.objects.filter(pk=chapter.pk).update(name="第1章 Django 核心知识")
    CourseLesson.objects.filter(pk=lesson.pk).update(name="1.1 课时", duration=0, video="")
    Course.objects.filter(pk=course.pk).update(cover="", teacher=None)

    seed()

    chapter.refresh_from_db()
    lesson.refresh_from_db()
    course.refresh_from_db()
    assert chapter.name == "项目搭建与配置分离" and lesson.name == "创建项目与应用"
    assert lesson.duration == 498 and lesson.video == "sample-1.webm"
    assert course.cover.endswith("/demo/covers/django-shop.jpg") and course.teacher.name == "李晓峰"
