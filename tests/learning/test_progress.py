"""POST /api/learn/progress/: idempotent (the max of positions, never decreasing, capped at the duration), only for
lessons the student may play; GET /api/learn/courses/: percent complete and the lesson to continue from."""
import pytest
from api_asserts import assert_error

from luffycityapi.apps.learning.models import LessonProgress

from .conftest import SECONDS

pytestmark = pytest.mark.django_db

URL = "/api/learn/progress/"


def report(client, lesson, position):
    return client.post(URL, {"lesson_id": lesson.id, "position": position}, format="json")


def test_progress_is_the_max_never_decreases_and_is_capped(auth_client, course_with_lessons, buy):
    course, made = course_with_lessons()
    buy(auth_client, course)
    first = report(auth_client, made[1], 3.7)
    assert first.status_code == 200, first.content
    assert first.json() == {"lesson_id": made[1].id, "watched": 3, "position": 3, "course_percent": 12}  # 3/24 s
    again = report(auth_client, made[1], 3)  # the same report twice: nothing changes
    assert again.json()["watched"] == 3
    back = report(auth_client, made[1], 1).json()  # rewound: resume there, but watched stays
    assert (back["watched"], back["position"]) == (3, 1)
    capped = report(auth_client, made[1], 999).json()
    assert (capped["watched"], capped["position"]) == (SECONDS, SECONDS)
    assert LessonProgress.objects.filter(user=auth_client.user).count() == 1


def test_a_video_played_to_its_end_completes_the_lesson_even_when_the_file_is_shorter(auth_client,
                                                                                       course_with_lessons, buy):
    course, made = course_with_lessons()
    buy(auth_client, course)
    short = auth_client.post(URL, {"lesson_id": made[1].id, "position": 2, "ended": True}, format="json")
    assert short.status_code == 200, short.content
    assert (short.json()["watched"], short.json()["position"]) == (SECONDS, SECONDS)
    assert report(auth_client, made[1], 1).json()["watched"] == SECONDS  # a later, earlier report lowers nothing
    assert_error(auth_client.post(URL, {"lesson_id": made[2].id, "position": 1, "ended": "maybe"}, format="json"), 400)


def test_percent_and_the_lesson_to_continue_from_on_my_courses(auth_client, course_with_lessons, buy):
    course, made = course_with_lessons()
    order = buy(auth_client, course)
    report(auth_client, made[0], SECONDS)
    report(auth_client, made[2], 2)
    rows = auth_client.get("/api/learn/courses/").json()
    assert len(rows) == 1
    row = rows[0]
    assert (row["course_id"], row["order_number"]) == (course.id, order.order_number)
    assert (row["watched"], row["total"], row["percent"]) == (8, 4 * SECONDS, 33)
    assert (row["last_lesson_id"], row["last_position"]) == (made[2].id, 2)
    assert row["refund"]["refundable"] is False and row["refund"]["code"] == "refund_progress_exceeded"
    lessons = auth_client.get(f"/api/courses/{course.id}/lessons/").json()
    assert lessons["last_lesson_id"] == made[2].id and lessons["percent"] == 33
    assert [(r["watched"], r["position"]) for r in lessons["lessons"]] == [(6, 6), (0, 0), (2, 2), (0, 0)]


def test_no_progress_on_lessons_one_may_not_play(auth_client, api_client, course_with_lessons):
    course, made = course_with_lessons()
    assert_error(report(auth_client, made[1], 2), 403, "lesson_forbidden")
    assert report(auth_client, made[0], 2).status_code == 200  # a free preview counts
    assert report(api_client, made[0], 2).status_code == 401
    assert_error(report(auth_client, made[0], -1), 400)
    assert_error(auth_client.post(URL, {"lesson_id": 999999, "position": 1}, format="json"), 404, "lesson_not_found")
