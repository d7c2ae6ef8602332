"""GET /api/courses/<id>/lessons/ (who gets a play_url) and the signed media URLs: 403 for unsigned, forged,
expired, another user's or no-longer-owned; Range requests answered with the exact bytes."""
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from api_asserts import assert_error
from django.core import signing

from luffycityapi.apps.learning import media

from .conftest import SECONDS, sample_bytes

pytestmark = pytest.mark.django_db


def lessons(client, course):
    response = client.get(f"/api/courses/{course.id}/lessons/")
    assert response.status_code == 200, response.content
    return response.json()


def test_anonymous_and_non_owners_get_play_urls_for_free_lessons_only(api_client, client_for, make_user,
                                                                      course_with_lessons):
    course, made = course_with_lessons()
    for client in (api_client, client_for(make_user())):
        data = lessons(client, course)
        assert data["owned"] is False and data["course_id"] == course.id
        assert [row["id"] for row in data["lessons"]] == [lesson.id for lesson in made]  # study order
        for row in data["lessons"]:
            assert row["duration"] == SECONDS and isinstance(row["duration"], int)
            assert (row["play_url"] is not None) == row["free_trail"], row
        assert [row["free_trail"] for row in data["lessons"]] == [True, False, True, False]


def test_the_owner_gets_a_play_url_for_every_lesson(auth_client, course_with_lessons, buy):
    course, _ = course_with_lessons()
    buy(auth_client, course)
    data = lessons(auth_client, course)
    assert data["owned"] is True and all(row["play_url"] for row in data["lessons"])
    assert data["url_max_age"] > 0


def test_an_unknown_or_hidden_course_is_404(api_client, course_with_lessons):
    course, _ = course_with_lessons()
    course.is_show = False
    course.save()
    assert_error(api_client.get(f"/api/courses/{course.id}/lessons/"), 404, "course_not_found")
    assert_error(api_client.get("/api/courses/999999/lessons/"), 404, "course_not_found")


def test_a_free_lesson_plays_for_anyone_and_the_whole_file_is_200(api_client, course_with_lessons):
    course, made = course_with_lessons()
    url = lessons(api_client, course)["lessons"][0]["play_url"]
    response = api_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == sample_bytes("sample-1.webm")
    assert response["Accept-Ranges"] == "bytes" and response["Content-Type"] == "video/webm"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("header, start, end", [("bytes=0-99", 0, 99), ("bytes=100-", 100, None),
                                                ("bytes=-50", None, None), ("bytes=10-999999", 10, None)])
def test_range_requests_get_206_with_the_exact_bytes(api_client, course_with_lessons, header, start, end):
    course, _ = course_with_lessons()
    url = lessons(api_client, course)["lessons"][0]["play_url"]
    data = sample_bytes("sample-1.webm")
    size = len(data)
    if start is None:  # the last 50 bytes
        start, end = size - 50, size - 1
    end = size - 1 if end is None else end
    response = api_client.get(url, HTTP_RANGE=header)
    assert response.status_code == 206
    body = b"".join(response.streaming_content)
    assert body == data[start:end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert int(response["Content-Length"]) == end - start + 1


def test_a_range_past_the_end_is_416(api_client, course_with_lessons):
    course, _ = course_with_lessons()
    url = lessons(api_client, course)["lessons"][0]["play_url"]
    size = len(sample_bytes("sample-1.webm"))
    response = api_client.get(url, HTTP_RANGE=f"bytes={size}-")
    assert_error(response, 416, "range_not_satisfiable")
    assert response["Content-Range"] == f"bytes */{size}"


def _sig(url):
    return parse_qs(urlsplit(url).query)["sig"][0]


def test_unsigned_forged_and_moved_urls_are_403(api_client, course_with_lessons):
    course, made = course_with_lessons()
    url = lessons(api_client, course)["lessons"][0]["play_url"]
    path = urlsplit(url).path
    assert_error(api_client.get(path), 403, "media_unsigned")
    assert_error(api_client.get(path + "?sig=" + _sig(url)[:-2] + "xx"), 403, "media_bad_signature")
    # The same signature on another (paid) lesson's address.
    other = path.replace(f"/{made[0].id}/", f"/{made[1].id}/")
    assert_error(api_client.get(other + "?sig=" + _sig(url)), 403, "media_bad_signature")
    # A token signed with another salt (not ours) is no media token.
    token = signing.dumps({"u": 0, "l": made[1].id}, compress=False)
    assert_error(api_client.get(other + "?sig=" + token), 403, "media_bad_signature")


def test_an_expired_url_is_403(api_client, course_with_lessons, settings, monkeypatch):
    course, made = course_with_lessons()
    settings.LESSON_URL_MAX_AGE = 60
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 61)  # signed 61 s ago
    token = media.sign(None, made[0].id)
    monkeypatch.setattr(time, "time", real)
    response = api_client.get(f"/api/learn/lessons/{made[0].id}/media/?sig={token}")
    assert_error(response, 403, "media_expired")


def test_another_users_url_is_403_and_a_non_owner_cannot_sign_their_way_in(client_for, make_user,
                                                                            course_with_lessons, buy):
    course, made = course_with_lessons()
    owner, other = client_for(make_user()), client_for(make_user())
    buy(owner, course)
    paid = lessons(owner, course)["lessons"][1]
    assert owner.get(paid["play_url"]).status_code == 200
    # The owner's URL fetched by another signed-in student.
    assert_error(other.get(paid["play_url"]), 403, "media_wrong_user")
    # A URL correctly signed for the non-owner still does not play a lesson they do not own.
    own_token = media.sign(other.user.id, paid["id"])
    assert_error(other.get(f"/api/learn/lessons/{paid['id']}/media/?sig={own_token}"), 403, "lesson_forbidden")


def test_production_hands_the_bytes_to_nginx_with_x_accel_redirect(api_client, course_with_lessons, settings):
    settings.LESSON_MEDIA_ACCEL_PREFIX = "/protected-media/"
    course, _ = course_with_lessons()
    response = api_client.get(lessons(api_client, course)["lessons"][0]["play_url"], HTTP_RANGE="bytes=0-9")
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == "/protected-media/sample-1.webm"


def test_a_video_name_cannot_leave_the_media_folder(api_client, course_with_lessons):
    course, made = course_with_lessons()
    made[0].video = "../models.py"
    made[0].save()
    response = api_client.get(lessons(api_client, course)["lessons"][0]["play_url"])
    assert_error(response, 404, "media_not_found")
