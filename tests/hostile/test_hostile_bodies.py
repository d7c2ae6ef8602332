"""Bodies built to break the parser, and ids built to break the admin's own URLs, get a 4xx: never a 500 with a
traceback (issue 13, item 7)."""
import pytest
from api_asserts import assert_error
from django.conf import settings
from django.test import Client

from luffycityapi.apps.users.models import User

pytestmark = pytest.mark.django_db

JSON_ENDPOINTS = ["/api/users/token/refresh/", "/api/users/login/", "/api/users/register/"]


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
def test_json_nested_past_the_recursion_limit_is_a_400(api_client, path):
    # json.loads recurses once per "[": 100,000 of them raise RecursionError, which is no ValueError.
    response = api_client.post(path, b"[" * 100_000, content_type="application/json")

    assert_error(response, 400, "malformed_request")


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
def test_a_body_over_the_upload_limit_is_a_413(api_client, path):
    body = b'{"refresh": "' + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}'

    response = api_client.post(path, body, content_type="application/json")

    assert_error(response, 413, "request_too_large")


def test_an_authenticated_json_endpoint_answers_the_same(auth_client):
    assert_error(auth_client.post("/api/orders/quote/", b"[" * 100_000, content_type="application/json"),
                 400, "malformed_request")
    body = b"[" + b"1," * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b"1]"
    assert_error(auth_client.post("/api/orders/quote/", body, content_type="application/json"),
                 413, "request_too_large")


@pytest.mark.parametrize("suffix", ["abc/refund/", "1x/refund/", "%20/refund/", "9999999999999999999999/refund/"])
def test_a_non_numeric_order_id_in_the_admins_refund_url_is_a_404(suffix):
    client = Client()
    client.force_login(User.objects.create_superuser(username="boss", mobile="13600000000", password="x"))

    response = client.get(f"/admin/orders/order/{suffix}")

    assert response.status_code == 404, response.content[:300]
