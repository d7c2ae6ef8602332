"""The API's outer surface: health, the OpenAPI schema and docs page, JSON errors for unknown paths and for
whatever goes wrong inside, never a traceback."""
import json
import re

import pytest
import yaml
from api_asserts import assert_error
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIRequestFactory

from luffycityapi.core.errors import ShopError, exception_handler

pytestmark = pytest.mark.django_db

# Where a Redis server cannot be: port 1 on localhost refuses at once, so "down" is real, not mocked.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


# --- health ------------------------------------------------------------------------------------------------

def test_health_reports_db_and_redis_ok(api_client):
    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {"db": "ok", "redis": "ok"}


def test_health_names_redis_when_it_is_down(api_client, use_redis):
    with use_redis(UNREACHABLE_REDIS):
        response = api_client.get("/api/health/")

    body = assert_error(response, 503, "unhealthy")
    assert body["db"] == "ok"
    assert body["redis"].startswith("down")


def test_health_ignores_a_bad_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer garbage")

    assert api_client.get("/api/health/").status_code == 200


def test_redis_down_is_a_json_503_not_a_crash(auth_client, use_redis):
    with use_redis(UNREACHABLE_REDIS):
        response = auth_client.get("/api/cart/")

    assert_error(response, 503, "redis_unavailable")


@pytest.mark.parametrize("method, path, body", [
    ("get", "/api/courses/", None),  # the catalogue cache (Django's cache API, django-redis)
    ("post", "/api/users/login/", {"username": "nobody", "password": "wrong-pass"}),  # the login throttle's count
])
def test_redis_down_behind_the_cache_api_is_a_json_503(api_client, use_redis, method, path, body):
    """The cache API wraps Redis's error in its own exception; it is still "Redis is down", not a crash."""
    with use_redis(UNREACHABLE_REDIS):
        response = getattr(api_client, method)(path, body, format="json")

    assert_error(response, 503, "redis_unavailable")


# --- OpenAPI -----------------------------------------------------------------------------------------------

def _api_routes(patterns, prefix="") -> set[str]:
    """Every concrete route below the given URL patterns, as a regex-free path template."""
    routes = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes |= _api_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            routes.add(route)
    return routes


def _normalise(path: str) -> str:
    """`/api/courses/<int:pk>/` and `/api/courses/{id}/` are the same endpoint for this comparison."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path.lstrip("^").rstrip("$"))


def _schema(api_client) -> dict:
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def test_schema_is_served_as_yaml_by_default(api_client):
    response = api_client.get("/api/schema/")

    assert response.status_code == 200
    assert "openapi" in response["Content-Type"] or "yaml" in response["Content-Type"]
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    assert document["paths"]


def test_schema_is_served_as_json_on_request(api_client):
    assert _schema(api_client)["info"]["title"]


def test_every_api_url_pattern_is_in_the_schema(api_client):
    [api] = [p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and str(p.pattern) == "api/"]
    # The schema and its docs page describe the API; they are not part of it.
    routes = {_normalise(f"/api/{route}") for route in _api_routes(api.url_patterns)} - {
        "/api/schema/", "/api/docs/"}
    documented = {_normalise(path) for path in _schema(api_client)["paths"]}

    assert routes - documented == set()


def test_schema_documents_the_backbone_methods(api_client):
    paths = _schema(api_client)["paths"]

    assert set(paths["/api/cart/"]) >= {"get", "post", "patch", "put", "delete"}
    assert "post" in paths["/api/users/register/"] and "post" in paths["/api/users/login/"]
    assert "get" in paths["/api/courses/{id}/"]


def test_docs_page_renders(api_client):
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "/api/schema/" in response.content.decode()


# --- errors ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/nope/", "/api/users/nope/", "/api/cart/nope/", "/api/courses/x/y/"])
def test_unknown_api_path_is_a_json_404(api_client, path):
    assert_error(api_client.get(path), 404, "not_found")


def test_unknown_api_path_is_json_for_every_method(api_client):
    assert_error(api_client.post("/api/nope/", {}, format="json"), 404, "not_found")


def test_unknown_non_api_path_is_the_spa_not_json(api_client):
    response = api_client.get("/some/page/of/the/spa")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_a_bad_host_header_on_the_api_is_a_json_400(client):
    response = client.get("/api/health/", HTTP_HOST="evil.example")
    assert_error(response, 400, "bad_request")


def test_a_bad_host_header_elsewhere_keeps_djangos_page(client):
    response = client.get("/admin/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")


@override_settings(DEBUG=True)
def test_debug_pages_never_answer_an_api_request(client):
    """DEBUG on: Django's technical 404 (the URL patterns) and 400 (a traceback) are replaced under /api/."""
    body = assert_error(client.get("/api/nope/"), 404, "not_found")
    assert set(body) == {"errmsg", "code"}
    assert_error(client.get("/api/health/", HTTP_HOST="evil.example"), 400, "bad_request")


def test_an_api_error_keeps_the_headers_a_client_needs():
    """A non-JSON error under /api/ (here a plain 405 from some inner layer) becomes JSON with its Allow kept."""
    from django.http import HttpResponseNotAllowed
    from django.test import RequestFactory

    from luffycityapi.core.middleware import ApiJsonErrorsMiddleware

    middleware = ApiJsonErrorsMiddleware(lambda request: HttpResponseNotAllowed(["GET"]))
    response = middleware(RequestFactory().post("/api/x/"))
    assert (response.status_code, response["Content-Type"]) == (405, "application/json")
    assert json.loads(response.content) == {"errmsg": "不支持该请求方法", "code": "method_not_allowed"}
    assert response["Allow"] == "GET"
    untouched = middleware(RequestFactory().post("/admin/x/"))
    assert not untouched["Content-Type"].startswith("application/json")


def _handle(exc):
    request = APIRequestFactory().get("/api/anything/")
    return exception_handler(exc, {"view": None, "request": request})


def test_an_unexpected_exception_becomes_a_500_without_details():
    response = _handle(RuntimeError("secret internals: /etc/passwd"))

    assert response.status_code == 500
    assert response.data == {"errmsg": "服务器内部错误", "code": "server_error"}


def test_a_shop_error_keeps_its_status_code_and_extras():
    response = _handle(ShopError("已有未支付订单", code="order_unpaid_exists", status=409, order_number="LY1"))

    assert response.status_code == 409
    assert response.data == {"errmsg": "已有未支付订单", "code": "order_unpaid_exists", "order_number": "LY1"}


def test_a_shop_error_with_a_code_the_shop_does_not_define_is_refused():
    """Codes are defined once (core.errors.ErrorCode, the schema's enum): a typo cannot reach a client."""
    with pytest.raises(ValueError, match="unpaid_order_exist"):
        ShopError("已有未支付订单", code="unpaid_order_exist")


def test_a_django_validation_error_is_a_400_not_a_500():
    from django.core.exceptions import ValidationError

    response = _handle(ValidationError("价格不能为负"))

    assert response.status_code == 400
    assert response.data["code"] == "invalid" and "价格不能为负" in response.data["errmsg"]
