"""GET /api/courses/ and /api/courses/<id>/: public, paginated, only shown and undeleted courses."""
import pytest
from api_asserts import assert_error

from luffycityapi.apps.courses.models import CourseChapter, CourseLesson

pytestmark = pytest.mark.django_db

URL = "/api/courses/"
PAGE_SIZE = 10  # REST_FRAMEWORK["PAGE_SIZE"]


def test_list_is_public_and_shows_the_contract_fields(api_client, make_course):
    course = make_course(name="Django 实战", price="1579.00", credit=500, brief="简介")

    response = api_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == course.id and row["name"] == "Django 实战"
    assert row["price"] == "1579.00"
    assert row["credit"] == 500
    assert row["discount"] == {}
    assert row["brief"] == "简介"


def test_list_ignores_a_token_even_a_bad_one(api_client, make_course):
    make_course()
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    assert api_client.get(URL).status_code == 200


def test_list_is_in_display_order(api_client, make_course):
    later = make_course(name="后", orders=20)
    earlier = make_course(name="前", orders=10)

    names = [row["id"] for row in api_client.get(URL).json()["results"]]

    assert names == [earlier.id, later.id]


def test_hidden_and_deleted_courses_are_not_listed(api_client, make_course):
    shown = make_course()
    make_course(is_show=False)
    make_course(is_deleted=True)
    make_course(is_show=False, is_deleted=True)

    body = api_client.get(URL).json()

    assert body["count"] == 1
    assert [row["id"] for row in body["results"]] == [shown.id]


def test_second_page_holds_the_rest(api_client, make_course):
    courses = [make_course() for _ in range(PAGE_SIZE + 2)]

    first = api_client.get(URL).json()
    second = api_client.get(URL, {"page": 2}).json()

    assert first["count"] == second["count"] == PAGE_SIZE + 2
    assert len(first["results"]) == PAGE_SIZE
    assert [row["id"] for row in second["results"]] == [c.id for c in courses[PAGE_SIZE:]]
    assert first["next"] and second["previous"] and second["next"] is None


def test_page_size_can_be_asked_for_up_to_a_limit(api_client, make_course):
    for _ in range(3):
        make_course()

    assert len(api_client.get(URL, {"size": 2}).json()["results"]) == 2


def test_page_past_the_end_is_a_json_404(api_client, make_course):
    make_course()

    assert_error(api_client.get(URL, {"page": 2}), 404, "page_not_found")


def test_an_empty_catalogue_still_has_a_first_page(api_client):
    assert api_client.get(URL).json()["results"] == []


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "9" * 30])
def test_page_that_is_not_a_positive_number_is_a_400(api_client, make_course, page):
    make_course()

    if page == "9" * 30:  # a well-formed but astronomically large page is simply past the end
        assert_error(api_client.get(URL, {"page": page}), 404, "page_not_found")
    else:
        assert_error(api_client.get(URL, {"page": page}), 400, "invalid_page")


def test_detail_shows_chapters_and_lessons(api_client, make_course):
    course = make_course(name="Vue 3", price="699.00")
    chapter = CourseChapter.objects.create(course=course, orders=1, name="起步")
    CourseLesson.objects.create(chapter=chapter, orders=2, name="组件")
    CourseLesson.objects.create(chapter=chapter, orders=1, name="安装", free_trail=True)

    response = api_client.get(f"{URL}{course.id}/")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == course.id and body["price"] == "699.00" and body["discount"] == {}
    assert [c["name"] for c in body["chapters"]] == ["起步"]
    assert [(lesson["name"], lesson["free_trail"]) for lesson in body["chapters"][0]["lessons"]] == [
        ("安装", True), ("组件", False)]


@pytest.mark.parametrize("hidden", [{"is_show": False}, {"is_deleted": True}])
def test_detail_of_a_hidden_or_deleted_course_is_a_404(api_client, make_course, hidden):
    course = make_course(**hidden)

    assert_error(api_client.get(f"{URL}{course.id}/"), 404, "course_not_found")


@pytest.mark.parametrize("course_id", ["999999", "0", str(2**63), "9" * 40])
def test_detail_of_an_unknown_id_is_a_404(api_client, course_id):
    assert_error(api_client.get(f"{URL}{course_id}/"), 404)


@pytest.mark.parametrize("path", ["abc/", "-1/", "1.5/"])
def test_detail_path_that_is_not_an_id_is_a_json_404(api_client, path):
    assert_error(api_client.get(f"{URL}{path}"), 404, "not_found")


def test_catalogue_is_read_only(auth_client):
    assert_error(auth_client.post(URL, {"name": "x"}, format="json"), 405, "method_not_allowed")


def test_a_page_reads_only_its_own_courses_not_the_whole_catalogue(api_client, make_course):
    """Issue #19's growth table: the list's time per request must not grow with the catalogue. A cold page reads
    its own rows (LIMIT page size) and the count, and what it caches is that page, not every course."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(PAGE_SIZE * 2 + 3):
        make_course(name=f"课程 {i}", orders=i)
    cache.clear()

    with CaptureQueriesContext(connection) as queries:
        body = api_client.get(URL, {"page": 2}).json()

    assert body["count"] == PAGE_SIZE * 2 + 3 and len(body["results"]) == PAGE_SIZE
    assert [row["name"] for row in body["results"]] == [f"课程 {i}" for i in range(PAGE_SIZE, 2 * PAGE_SIZE)]
    course_reads = [q["sql"] for q in queries.captured_queries
                    if 'FROM "ly_course"' in q["sql"].replace("`", '"') and "COUNT(" not in q["sql"]]
    assert course_reads and all(f"LIMIT {PAGE_SIZE}" in sql for sql in course_reads), course_reads
