"""POST /api/users/register/ over the HTTP contract: the happy path and every kind of bad input."""
import pytest
from api_asserts import assert_error

from luffycityapi.apps.users.models import User

pytestmark = pytest.mark.django_db

URL = "/api/users/register/"
GOOD_PASSWORD = "Luffy-pass-1"


def register(client, **overrides):
    body = {"mobile": "13712345678", "password": GOOD_PASSWORD, "password2": GOOD_PASSWORD, **overrides}
    return client.post(URL, body, format="json")


def test_register_creates_a_student_whose_tokens_work(api_client):
    response = register(api_client)

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= {"id", "mobile", "access", "refresh"}
    user = User.objects.get(pk=body["id"])
    assert user.mobile == user.username == "13712345678"
    assert user.check_password(GOOD_PASSWORD)
    assert user.credit == 0 and str(user.money) == "0.00"
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert api_client.get("/api/users/me/").json()["id"] == user.id


def test_register_never_echoes_the_password(api_client):
    response = register(api_client)

    assert GOOD_PASSWORD not in response.content.decode()


def test_duplicate_mobile_is_refused_and_creates_nobody(api_client, make_user):
    make_user(mobile="13712345678")

    assert_error(register(api_client), 400, "mobile_taken")
    assert User.objects.filter(mobile="13712345678").count() == 1


def test_mobile_that_is_someone_elses_username_is_refused(api_client):
    # Login accepts a username or a mobile, so one string must not name two people.
    User.objects.create_user(username="13712345678", mobile="13799999999", password="x-Secret-9")

    assert_error(register(api_client), 400, "mobile_taken")


@pytest.mark.parametrize("mobile", [
    "12345678901",       # second digit must be 3-9
    "1371234567",        # ten digits
    "137123456789",      # twelve digits
    "1371234567a",
    "+8613712345678",
    "",
    "１３７１２３４５６７８",  # full-width digits are not a phone number
    "13٧12345678",       # an Arabic-Indic digit matches \d in Python but is not a phone number
])
def test_malformed_mobile_is_refused(api_client, mobile):
    body = assert_error(register(api_client, mobile=mobile), 400, "invalid")

    assert "mobile" in body["fields"]
    assert not User.objects.exists()


def test_password_mismatch_is_refused(api_client):
    assert_error(register(api_client, password2="Luffy-pass-2"), 400, "password_mismatch")
    assert not User.objects.exists()


@pytest.mark.parametrize("weak", ["123", "12345678", "password", "abc12"])
def test_weak_password_is_refused(api_client, weak):
    assert_error(register(api_client, password=weak, password2=weak), 400, "password_weak")
    assert not User.objects.exists()


@pytest.mark.parametrize("missing", ["mobile", "password", "password2"])
def test_each_missing_field_is_named(api_client, missing):
    body = {"mobile": "13712345678", "password": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    del body[missing]

    error = assert_error(api_client.post(URL, body, format="json"), 400, "invalid")

    assert missing in error["fields"]


def test_empty_object_is_refused(api_client):
    error = assert_error(api_client.post(URL, {}, format="json"), 400, "invalid")

    assert set(error["fields"]) == {"mobile", "password", "password2"}


@pytest.mark.parametrize("field, value", [
    ("mobile", ["13712345678"]),
    ("mobile", {"number": "13712345678"}),
    ("mobile", True),
    ("mobile", None),
    ("password", None),
    ("password", ["Luffy-pass-1"]),
    ("password2", False),
])
def test_wrong_json_types_are_refused(api_client, field, value):
    error = assert_error(register(api_client, **{field: value}), 400, "invalid")

    assert field in error["fields"]
    assert not User.objects.exists()


@pytest.mark.parametrize("raw", [b"{", b'{"mobile": "13712345678",}', b"not json", b"\xff\xfe"])
def test_malformed_json_body_is_a_400(api_client, raw):
    response = api_client.generic("POST", URL, raw, content_type="application/json")

    assert_error(response, 400, "malformed_request")


@pytest.mark.parametrize("raw", [b"[]", b'"13712345678"', b"null", b"42"])
def test_json_that_is_not_an_object_is_a_400(api_client, raw):
    assert_error(api_client.generic("POST", URL, raw, content_type="application/json"), 400)


def test_form_encoded_body_is_an_unsupported_media_type(api_client):
    response = api_client.post(URL, {"mobile": "13712345678", "password": GOOD_PASSWORD,
                                     "password2": GOOD_PASSWORD})  # multipart, not JSON

    assert_error(response, 415, "unsupported_media_type")
    assert not User.objects.exists()


def test_get_is_not_allowed(api_client):
    assert_error(api_client.get(URL), 405, "method_not_allowed")
