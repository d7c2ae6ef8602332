"""Passwords hash with Argon2id at OWASP's parameters; an existing PBKDF2 hash still logs in and is upgraded.

settings.test hashes with MD5 for speed, so these tests put the production hasher list back."""
import pytest
from django.conf import global_settings
from django.contrib.auth.hashers import identify_hasher, make_password

from luffycityapi.apps.users.models import User
from luffycityapi.settings import base as production_settings

pytestmark = pytest.mark.django_db

LOGIN = "/api/users/login/"
PASSWORD = "secret-pass-123"
OWASP_PREFIX = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture(autouse=True)
def production_hashers(settings):
    settings.PASSWORD_HASHERS = getattr(production_settings, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)


@pytest.fixture
def pbkdf2_user():
    user = User.objects.create_user(username="13800138000", mobile="13800138000")
    # As stored before Argon2: Django's PBKDF2 at its default iterations.
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    assert user.password.startswith("pbkdf2_sha256$")
    return user


def login(api_client, password=PASSWORD):
    return api_client.post(LOGIN, {"username": "13800138000", "password": password}, format="json")


def test_new_passwords_hash_with_argon2id_at_owasp_parameters():
    user = User.objects.create_user(username="13800138001", mobile="13800138001", password=PASSWORD)

    assert user.password.startswith(OWASP_PREFIX), user.password
    assert user.check_password(PASSWORD)


def test_a_pbkdf2_user_logs_in_through_the_api_and_is_upgraded_to_argon2id(api_client, pbkdf2_user):
    first = login(api_client)

    assert first.status_code == 200, first.content
    assert first.json()["access"]
    pbkdf2_user.refresh_from_db()
    assert pbkdf2_user.password.startswith(OWASP_PREFIX), pbkdf2_user.password
    # The upgraded hash is the one checked from now on.
    again = login(api_client)
    assert again.status_code == 200, again.content
    assert identify_hasher(User.objects.get(pk=pbkdf2_user.pk).password).algorithm == "argon2"


def test_a_wrong_password_neither_logs_in_nor_rehashes(api_client, pbkdf2_user):
    stored = pbkdf2_user.password

    response = login(api_client, password="not-the-password")

    assert response.status_code == 401, response.content
    pbkdf2_user.refresh_from_db()
    assert pbkdf2_user.password == stored


def test_argon2_hashes_made_with_other_parameters_are_rehashed_on_login(api_client, pbkdf2_user):
    # Django's stock Argon2 settings (m=100 MiB, p=8): a hash from them verifies and is brought to OWASP's.
    pbkdf2_user.password = _stock_argon2(PASSWORD)
    pbkdf2_user.save(update_fields=["password"])

    assert login(api_client).status_code == 200
    pbkdf2_user.refresh_from_db()
    assert pbkdf2_user.password.startswith(OWASP_PREFIX), pbkdf2_user.password


def _stock_argon2(password):
    from django.contrib.auth.hashers import Argon2PasswordHasher

    return Argon2PasswordHasher().encode(password, Argon2PasswordHasher().salt())
