"""The course list's category filter, sort and search (issue #16 item 4): done by the server, paginated, and cached
per query: one query's cached page is never served for another, and a catalogue change reaches every query."""
from datetime import timedelta
from decimal import Decimal

import pytest
from api_asserts import assert_error
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from luffycityapi.apps.courses.models import Course, CourseCategory, Teacher

pytestmark = pytest.mark.django_db

URL = "/api/courses/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


@pytest.fixture
def shelf(make_course):
    """Five courses in two categories with distinct prices, students and creation times."""
    python = CourseCategory.objects.create(name="Python", orders=1)
    web = CourseCategory.objects.create(name="前端", orders=2)
    teacher = Teacher.objects.create(name="王雨桐", title="前端架构师")
    rows = [("Django 实战", python, "1579.00", 300, None), ("Python 入门", python, "399.00", 900, None),
            ("Vue 3 工程化", web, "699.00", 500, teacher), ("Celery 任务", python, "159.00", 100, None),
            ("CSS 布局", web, "99.00", 700, teacher)]
    now = timezone.now()
    for i, (name, category, price, students, who) in enumerate(rows):
        course = make_course(name=name, category=category, price=price, students=students, teacher=who)
        # created one day apart, the last one newest (auto_now_add ignores a value passed to create)
        Course.objects.filter(pk=course.pk).update(created_time=now - timedelta(days=len(rows) - i))
    cache.clear()
    return {"python": python, "web": web}


def test_default_order_is_the_operators(api_client, shelf):
    assert names(api_client.get(URL)) == ["Django 实战", "Python 入门", "Vue 3 工程化", "Celery 任务", "CSS 布局"]


@pytest.mark.parametrize("ordering, expected", [
    ("newest", ["CSS 布局", "Celery 任务", "Vue 3 工程化", "Python 入门", "Django 实战"]),
    ("popular", ["Python 入门", "CSS 布局", "Vue 3 工程化", "Django 实战", "Celery 任务"]),
    ("price", ["CSS 布局", "Celery 任务", "Python 入门", "Vue 3 工程化", "Django 实战"]),
    ("-price", ["Django 实战", "Vue 3 工程化", "Python 入门", "Celery 任务", "CSS 布局"]),
])
def test_sorts(api_client, shelf, ordering, expected):
    assert names(api_client.get(URL, {"ordering": ordering})) == expected


def test_category_filter_counts_and_lists_only_that_category(api_client, shelf):
    body = api_client.get(URL, {"category": shelf["web"].id}).json()

    assert body["count"] == 2
    assert [row["name"] for row in body["results"]] == ["Vue 3 工程化", "CSS 布局"]
    assert {row["category_id"] for row in body["results"]} == {shelf["web"].id}


@pytest.mark.parametrize("search, expected", [
    ("django", ["Django 实战"]),            # name, case-insensitive
    ("王雨桐", ["Vue 3 工程化", "CSS 布局"]),  # the teacher
    ("  python   入门 ", ["Python 入门"]),    # every word must match; spaces collapse
    ("前端", ["Vue 3 工程化", "CSS 布局"]),    # the category's name
    ("没有这门课", []),
])
def test_search(api_client, shelf, search, expected):
    assert names(api_client.get(URL, {"search": search})) == expected


def test_filter_sort_search_and_pages_combine(api_client, shelf):
    first = api_client.get(URL, {"category": shelf["python"].id, "ordering": "price", "size": 2})
    body = first.json()

    assert body["count"] == 3 and names(first) == ["Celery 任务", "Python 入门"]
    # the next link keeps the query, so the SPA's pager walks the same list
    assert "category=" in body["next"] and "ordering=price" in body["next"]
    assert names(api_client.get(body["next"])) == ["Django 实战"]


def test_each_query_is_cached_under_its_own_key(api_client, shelf):
    cache.clear()
    api_client.get(URL, {"ordering": "price"})
    api_client.get(URL, {"ordering": "-price"})

    # warm: neither query reads the database again, and neither is answered with the other's page
    with CaptureQueriesContext(connection) as warm:
        up = names(api_client.get(URL, {"ordering": "price"}))
        down = names(api_client.get(URL, {"ordering": "-price"}))
    with CaptureQueriesContext(connection) as cold:
        web = names(api_client.get(URL, {"category": shelf["web"].id, "search": "css"}))

    assert up == list(reversed(down)) and up[0] == "CSS 布局"
    assert len(warm.captured_queries) == 0, warm.captured_queries
    assert web == ["CSS 布局"] and len(cold.captured_queries) > 0  # a new query is not answered from another's


def test_a_catalogue_change_reaches_a_cached_query(api_client, shelf):
    assert names(api_client.get(URL, {"ordering": "price"}))[0] == "CSS 布局"
    course = Course.objects.get(name="Django 实战")
    course.price = Decimal("9.00")
    course.save()

    assert names(api_client.get(URL, {"ordering": "price"}))[0] == "Django 实战"


def test_etag_differs_per_query_and_a_matching_one_is_304(api_client, shelf):
    by_price = api_client.get(URL, {"ordering": "price"})
    newest = api_client.get(URL, {"ordering": "newest"})

    assert by_price["ETag"] != newest["ETag"]
    assert api_client.get(URL, {"ordering": "price"}, HTTP_IF_NONE_MATCH=by_price["ETag"]).status_code == 304
    assert api_client.get(URL, {"ordering": "newest"}, HTTP_IF_NONE_MATCH=by_price["ETag"]).status_code == 200


@pytest.mark.parametrize("params, code", [
    ({"ordering": "name"}, "bad_ordering"),
    ({"category": "python"}, "bad_category"),
    ({"category": str(2**63)}, "bad_category"),  # past any id: the database driver overflowed (a 500)
    ({"category": "0"}, "bad_category"),
    ({"category": "-3"}, "bad_category"),
    ({"search": "x" * 51}, "bad_search"),
])
def test_bad_query_parameters_are_400s_with_codes(api_client, shelf, params, code):
    assert_error(api_client.get(URL, params), 400, code)


def test_an_unknown_category_is_an_empty_list(api_client, shelf):
    body = api_client.get(URL, {"category": 999999}).json()

    assert body["count"] == 0 and body["results"] == []


def test_categories_list_only_those_with_courses_on_sale(api_client, shelf, make_course):
    empty = CourseCategory.objects.create(name="空分类", orders=0)
    hidden_only = CourseCategory.objects.create(name="下架分类", orders=0)
    make_course(category=hidden_only, is_show=False)

    response = api_client.get(f"{URL}categories/")

    assert response.status_code == 200 and response["ETag"]
    assert response.json() == [{"id": shelf["python"].id, "name": "Python"}, {"id": shelf["web"].id, "name": "前端"}]
    assert empty.id not in {row["id"] for row in response.json()}


def test_list_rows_carry_the_teacher(api_client, shelf):
    rows = {row["name"]: row for row in api_client.get(URL).json()["results"]}

    assert rows["CSS 布局"]["teacher"]["name"] == "王雨桐" and rows["CSS 布局"]["teacher"]["title"] == "前端架构师"
    assert rows["Django 实战"]["teacher"] is None
