"""Login (username or mobile), refresh, /me and every way a bearer token can be wrong."""
import time

import jwt
import pytest
from api_asserts import assert_error
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from luffycityapi.apps.users.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/api/users/login/"
REFRESH = "/api/users/token/refresh/"
ME = "/api/users/me/"
PASSWORD = "secret-pass-123"  # make_user's default


def login(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password}, format="json")


def me_with(client, authorization):
    client.credentials(HTTP_AUTHORIZATION=authorization)
    return client.get(ME)


# --- login -------------------------------------------------------------------------------------------------

def test_login_by_mobile_returns_tokens_for_that_user(api_client, make_user):
    user = make_user(mobile="13711112222")

    response = login(api_client, "13711112222")

    assert response.status_code == 200, response.content
    tokens = response.json()
    assert me_with(api_client, f"Bearer {tokens['access']}").json()["id"] == user.id
    assert tokens["refresh"]


def test_login_by_username_that_differs_from_the_mobile(api_client):
    user = User.objects.create_user(username="luffy", mobile="13722223333", password=PASSWORD)

    by_username = login(api_client, "luffy")
    by_mobile = login(api_client, "13722223333")

    for response in (by_username, by_mobile):
        assert response.status_code == 200, response.content
        assert me_with(api_client, f"Bearer {response.json()['access']}").json()["id"] == user.id


def test_login_by_mobile_that_is_also_another_users_username(api_client):
    # An operator may create `13911112222` as a username for someone whose mobile is different; the student
    # whose mobile really is 13911112222 must still be able to log in with it.
    User.objects.create_user(username="13911112222", mobile="13933334444", password="someone-elses-9")
    student = User.objects.create_user(username="student", mobile="13911112222", password=PASSWORD)

    response = login(api_client, "13911112222")

    assert response.status_code == 200, response.content
    assert me_with(api_client, f"Bearer {response.json()['access']}").json()["id"] == student.id


def test_wrong_password_is_a_401_that_says_so(api_client, make_user):
    make_user(mobile="13711112222")

    body = assert_error(login(api_client, "13711112222", "wrong-password"), 401, "invalid_credentials")

    assert "密码" in body["errmsg"]
    assert "access" not in body


def test_unknown_user_is_indistinguishable_from_a_wrong_password(api_client, make_user):
    make_user(mobile="13711112222")

    wrong_password = assert_error(login(api_client, "13711112222", "nope-nope-1"), 401)
    unknown_user = assert_error(login(api_client, "13799998888"), 401)

    assert wrong_password == unknown_user


def test_inactive_user_cannot_log_in(api_client, make_user):
    make_user(mobile="13711112222", is_active=False)

    assert_error(login(api_client, "13711112222"), 401, "invalid_credentials")


@pytest.mark.parametrize("body", [
    {},
    {"username": "13711112222"},
    {"password": PASSWORD},
    {"username": ["13711112222"], "password": PASSWORD},
    {"username": "13711112222", "password": None},
    {"username": "", "password": ""},
])
def test_login_with_missing_or_mistyped_fields_is_a_400(api_client, make_user, body):
    make_user(mobile="13711112222")

    assert_error(api_client.post(LOGIN, body, format="json"), 400, "invalid")


def test_login_with_malformed_json_is_a_400(api_client):
    response = api_client.generic("POST", LOGIN, b'{"username": ', content_type="application/json")

    assert_error(response, 400, "malformed_request")


def test_login_with_a_form_body_is_a_415(api_client, make_user):
    make_user(mobile="13711112222")

    assert_error(api_client.post(LOGIN, {"username": "13711112222", "password": PASSWORD}), 415)


# --- refresh -----------------------------------------------------------------------------------------------

def test_refresh_gives_a_working_access_token(api_client, user):
    refresh = str(RefreshToken.for_user(user))

    response = api_client.post(REFRESH, {"refresh": refresh}, format="json")

    assert response.status_code == 200, response.content
    assert me_with(api_client, f"Bearer {response.json()['access']}").json()["id"] == user.id


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "", "eyJhbGciOiJIUzI1NiJ9.e30.x"])
def test_refresh_with_a_garbage_token_is_refused(api_client, garbage):
    response = api_client.post(REFRESH, {"refresh": garbage}, format="json")

    assert response.status_code in (400, 401)
    assert_error(response, response.status_code)


def test_refresh_with_an_access_token_is_a_401(api_client, user):
    access = str(AccessToken.for_user(user))

    assert_error(api_client.post(REFRESH, {"refresh": access}, format="json"), 401, "token_invalid")


def test_refresh_without_the_field_is_a_400(api_client):
    assert_error(api_client.post(REFRESH, {}, format="json"), 400, "invalid")


def test_expired_refresh_token_is_a_401(api_client, user):
    refresh = RefreshToken.for_user(user)
    refresh["exp"] = int(time.time()) - 60

    assert_error(api_client.post(REFRESH, {"refresh": str(refresh)}, format="json"), 401, "token_invalid")


# --- /me and bearer tokens ---------------------------------------------------------------------------------

def test_me_shows_the_contract_fields_with_money_as_a_string(auth_client):
    body = auth_client.get(ME).json()

    assert body["id"] == auth_client.user.id
    assert body["mobile"] == auth_client.user.mobile
    assert body["name"] == ""
    assert body["credit"] == 0
    assert body["money"] == "0.00"


def test_me_without_a_token_is_a_401(api_client):
    assert_error(api_client.get(ME), 401, "not_authenticated")


def _claims(user) -> dict:
    """The payload of a genuine access token, to re-sign in ways the server must reject."""
    return jwt.decode(str(AccessToken.for_user(user)), options={"verify_signature": False})


def test_token_with_a_tampered_signature_is_a_401(api_client, user):
    header, payload, signature = str(AccessToken.for_user(user)).split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]

    assert_error(me_with(api_client, f"Bearer {header}.{payload}.{flipped}"), 401, "token_invalid")


def test_token_whose_payload_names_another_user_is_a_401(api_client, make_user):
    # Swap in another user's payload while keeping the first token's signature: the classic impersonation try.
    alice, bob = make_user(), make_user()
    header, _, signature = str(AccessToken.for_user(alice)).split(".")
    _, bob_payload, _ = str(AccessToken.for_user(bob)).split(".")

    assert_error(me_with(api_client, f"Bearer {header}.{bob_payload}.{signature}"), 401, "token_invalid")


def test_expired_access_token_is_a_401(api_client, user):
    token = AccessToken.for_user(user)
    token["exp"] = int(time.time()) - 1

    assert_error(me_with(api_client, f"Bearer {token}"), 401, "token_invalid")


def test_unsigned_alg_none_token_is_a_401(api_client, user):
    unsigned = jwt.encode(_claims(user), key=None, algorithm="none")

    assert_error(me_with(api_client, f"Bearer {unsigned}"), 401, "token_invalid")


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the dev secret is short for HS512
def test_token_signed_with_another_algorithm_is_a_401(api_client, user):
    # Same secret, HS512 instead of the configured HS256: the server must pin its algorithm.
    other_alg = jwt.encode(_claims(user), settings.SECRET_KEY, algorithm="HS512")

    assert_error(me_with(api_client, f"Bearer {other_alg}"), 401, "token_invalid")


def test_token_signed_with_another_key_is_a_401(api_client, user):
    forged = jwt.encode(_claims(user), "not-the-server-secret-but-long-enough-0123456789", algorithm="HS256")

    assert_error(me_with(api_client, f"Bearer {forged}"), 401, "token_invalid")


def test_refresh_token_is_not_an_access_token(api_client, user):
    assert_error(me_with(api_client, f"Bearer {RefreshToken.for_user(user)}"), 401, "token_invalid")


def test_token_of_a_deleted_user_is_a_401(api_client, make_user):
    gone = make_user()
    token = AccessToken.for_user(gone)
    gone.delete()

    assert_error(me_with(api_client, f"Bearer {token}"), 401, "token_invalid")


def test_token_of_a_deactivated_user_is_a_401(api_client, user):
    token = AccessToken.for_user(user)
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert_error(me_with(api_client, f"Bearer {token}"), 401, "token_invalid")


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer a b", "Bearer not-a-jwt"])
def test_malformed_bearer_header_is_a_401(api_client, header):
    response = me_with(api_client, header)

    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_other_auth_scheme_counts_as_no_token(api_client, user):
    assert_error(me_with(api_client, f"Token {AccessToken.for_user(user)}"), 401, "not_authenticated")
