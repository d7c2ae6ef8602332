"""The catalogue and the cart cost a fixed number of queries however many courses they show (no N+1)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luffycityapi.apps.courses.models import CourseCategory, CourseChapter, CourseDiscount, CourseLesson

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_course(make_course, make_discount):
    """A course with everything a serializer might fetch lazily: category, two discounts, chapters, lessons."""
    category = CourseCategory.objects.create(name="Python")

    def make():
        course = make_course(category=category)
        make_discount(course, kind=CourseDiscount.Kind.PERCENT, value="0.90")
        make_discount(course, kind=CourseDiscount.Kind.FIXED, value="50.00")
        chapter = CourseChapter.objects.create(course=course, name="第一章")
        CourseLesson.objects.create(chapter=chapter, name="第一节")
        return course

    return make


def queries_for(client, path, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return len(captured)


def test_course_list_queries_do_not_grow_with_the_courses(api_client, rich_course):
    rich_course()
    with_one = queries_for(api_client, "/api/courses/", size=50)
    for _ in range(9):
        rich_course()

    with_ten = queries_for(api_client, "/api/courses/", size=50)

    assert with_ten == with_one
    assert with_ten <= 3  # count, page, discounts with their activities (category comes in the page's join)


def test_course_detail_queries_do_not_grow_with_chapters(api_client, rich_course):
    course = rich_course()
    small = queries_for(api_client, f"/api/courses/{course.id}/")
    for n in range(5):
        chapter = CourseChapter.objects.create(course=course, name=f"章 {n}")
        CourseLesson.objects.create(chapter=chapter, name="节")

    assert queries_for(api_client, f"/api/courses/{course.id}/") == small


@pytest.mark.parametrize("path", ["/api/cart/", "/api/cart/order/"])
def test_cart_queries_do_not_grow_with_its_lines(auth_client, rich_course, path):
    auth_client.post("/api/cart/", {"course_id": rich_course().id}, format="json")
    with_one = queries_for(auth_client, path)
    for _ in range(9):
        auth_client.post("/api/cart/", {"course_id": rich_course().id}, format="json")

    with_ten = queries_for(auth_client, path)

    assert len(auth_client.get(path).json()["cart"]) == 10
    assert with_ten == with_one
    assert with_ten <= 3  # the token's user, the courses, their discounts
