"""The catalogue (list and detail) is cacheable by browsers for a short while and revalidated with its ETag;
never longer than a discount window's next change, and not at all while a discount counts down."""
from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

LIST = "/api/courses/"


def max_age(response) -> int:
    directives = dict(d.strip().partition("=")[::2] for d in response["Cache-Control"].split(","))
    return int(directives["max-age"])


@pytest.mark.parametrize("path", [LIST, "detail"])
def test_anonymous_answers_are_public_briefly_and_304_on_a_matching_etag(api_client, make_course, path):
    course = make_course()
    url = f"{LIST}{course.id}/" if path == "detail" else LIST

    first = api_client.get(url)

    assert first.status_code == 200
    assert "public" in first["Cache-Control"] and max_age(first) == 30
    assert first["ETag"].startswith('"')
    again = api_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"] and max_age(again) == 30


def test_a_changed_catalogue_answers_200_to_the_old_etag(api_client, make_course):
    course = make_course(name="旧名")
    old = api_client.get(LIST)["ETag"]
    course.name = "新名"
    course.save()

    response = api_client.get(LIST, HTTP_IF_NONE_MATCH=old)

    assert response.status_code == 200
    assert response["ETag"] != old and response.json()["results"][0]["name"] == "新名"


def test_a_request_with_a_token_is_cached_privately_only(api_client, make_course, make_user):
    from conftest import bearer

    make_course()
    api_client.credentials(HTTP_AUTHORIZATION=bearer(make_user()))

    response = api_client.get(LIST)

    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert "Authorization" in response["Vary"]


def test_an_open_discount_is_revalidated_every_time(api_client, make_course, make_discount):
    make_discount(make_course())

    response = api_client.get(LIST)

    assert max_age(response) == 0 and "must-revalidate" in response["Cache-Control"]


def test_reuse_stops_when_a_discount_window_opens(api_client, make_course, make_discount):
    now = timezone.now()
    make_discount(make_course(), start=now + timedelta(seconds=12), end=now + timedelta(hours=1))

    assert 10 <= max_age(api_client.get(LIST)) <= 12


def test_errors_are_not_made_cacheable(api_client):
    response = api_client.get(f"{LIST}999999/")

    assert response.status_code == 404
    assert "ETag" not in response
