"""Refresh tokens can be revoked: each refresh rotates the token and blacklists the used one, and
POST /api/users/logout/ revokes the one it is given (issue 13, item 9)."""
import pytest
from api_asserts import assert_error
from django.conf import settings
from rest_framework_simplejwt.tokens import RefreshToken

pytestmark = pytest.mark.django_db

LOGIN = "/api/users/login/"
REFRESH = "/api/users/token/refresh/"
LOGOUT = "/api/users/logout/"
ME = "/api/users/me/"


def login(api_client, user):
    response = api_client.post(LOGIN, {"username": user.mobile, "password": "secret-pass-123"}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_refresh_rotates_the_token_and_the_used_one_is_refused_afterwards(api_client, user):
    tokens = login(api_client, user)

    first = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert first.status_code == 200, first.content
    rotated = first.json()
    assert rotated["access"] and rotated["refresh"] and rotated["refresh"] != tokens["refresh"]

    assert_error(api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json"), 401, "token_invalid")
    again = api_client.post(REFRESH, {"refresh": rotated["refresh"]}, format="json")
    assert again.status_code == 200, again.content
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {again.json()['access']}")
    assert api_client.get(ME).json()["id"] == user.id


def test_logout_revokes_the_refresh_token(api_client, user):
    tokens = login(api_client, user)

    response = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 204, response.content
    body = assert_error(api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json"), 401, "token_invalid")
    assert "access" not in body
    # Logging out twice with the same token is refused the same way (the token is no longer valid).
    assert_error(api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json"), 401, "token_invalid")


def test_logout_with_a_bearer_header_works_too(api_client, user):
    tokens = login(api_client, user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    assert api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json").status_code == 204
    assert_error(api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json"), 401, "token_invalid")


def test_logout_needs_a_refresh_token(api_client, user):
    assert_error(api_client.post(LOGOUT, {}, format="json"), 400, "invalid")
    assert_error(api_client.post(LOGOUT, {"refresh": "not-a-token"}, format="json"), 401, "token_invalid")
    access = str(RefreshToken.for_user(user).access_token)
    assert_error(api_client.post(LOGOUT, {"refresh": access}, format="json"), 401, "token_invalid")


def test_logout_of_one_session_leaves_the_others(api_client, user):
    phone, laptop = login(api_client, user), login(api_client, user)

    assert api_client.post(LOGOUT, {"refresh": phone["refresh"]}, format="json").status_code == 204

    assert api_client.post(REFRESH, {"refresh": laptop["refresh"]}, format="json").status_code == 200


def test_the_blacklist_is_flushed_by_beat():
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "users.flush_expired_tokens" in schedule


def test_flushing_removes_only_expired_tokens(user):
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from luffycityapi.apps.users.tasks import flush_expired_tokens

    live = RefreshToken.for_user(user)
    live.blacklist()
    old = RefreshToken.for_user(user)
    old.blacklist()
    OutstandingToken.objects.filter(jti=old["jti"]).update(expires_at=timezone.now() - timedelta(seconds=1))

    flush_expired_tokens()

    assert list(OutstandingToken.objects.values_list("jti", flat=True)) == [live["jti"]]


def test_logout_is_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    operation = schema.json()["paths"]["/api/users/logout/"]["post"]
    assert "204" in operation["responses"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request.rsplit("/", 1)[-1] in schema.json()["components"]["schemas"]
