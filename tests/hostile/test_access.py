"""Who may do what: another user's ids are a 404 on every user-scoped endpoint, login and register are throttled,
client-sent prices are ignored, only the Alipay notify does without CSRF (and DRF takes no session cookie at
all), and `check --deploy` with the production settings is clean."""
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from api_asserts import assert_error
from django.conf import settings
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from payments.conftest import notify_params, sign_params

from luffycityapi.apps.orders.models import Order

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def _routes(patterns=None, prefix=""):
    """(route, view callback) for every URL pattern."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


# --- another user's ids ----------------------------------------------------------------------------------------

OWNED = {  # every route that takes an order number, and how to call it
    "api/orders/<str:order_number>/": ("get", ""),
    "api/orders/<str:order_number>/cancel/": ("post", ""),
    "api/payments/alipay/<str:order_number>/": ("get", ""),
    "api/payments/alipay/query/<str:order_number>/": ("get", ""),
    "api/payments/wallet/<str:order_number>/": ("post", ""),
    "api/payments/wallet/query/<str:order_number>/": ("get", ""),
    "api/orders/<str:order_number>/timeline/": ("get", ""),
}


def test_the_list_of_user_scoped_routes_is_complete():
    taking_an_order = {route for route, _ in _routes() if "order_number>" in route}
    assert taking_an_order - set(OWNED) == set(), "a new user-scoped route: add it to OWNED"


@pytest.mark.parametrize("route", sorted(OWNED))
def test_another_users_order_is_a_404_and_stays_as_it_was(route, make_user, client_for, place_order):
    assert route in {r for r, _ in _routes()}, f"{route} is listed but not mounted: update OWNED"
    owner, intruder = client_for(make_user()), client_for(make_user())
    order = place_order(owner, "100.00")
    method, _ = OWNED[route]
    path = "/" + route.replace("<str:order_number>", order["order_number"])
    assert_error(getattr(intruder, method)(path), 404)
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.UNPAID
    assert getattr(owner, "get")(f"/api/orders/{order['order_number']}/").status_code == 200


def test_another_users_signed_return_is_a_404(make_user, client_for, place_order):
    owner, intruder = client_for(make_user()), client_for(make_user())
    order = place_order(owner, "100.00")
    params = sign_params(notify_params(order["order_number"], "100.00", method="alipay.trade.page.pay.return"))
    from urllib.parse import urlencode

    response = intruder.get(f"/api/payments/alipay/result/?{urlencode(params)}")
    assert_error(response, 404)
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.UNPAID


@pytest.mark.parametrize("url", ["/api/orders/", "/api/orders/quote/"])
def test_another_users_coupon_is_a_404(url, make_user, client_for, make_course):
    from datetime import timedelta

    from django.utils import timezone

    from luffycityapi.apps.coupon.models import Coupon
    from luffycityapi.apps.coupon.services import coupon_grant

    owner, intruder = make_user(), make_user()
    now = timezone.now()
    coupon = Coupon.objects.create(name="满100减20", amount=Decimal("20.00"), condition=Decimal("100.00"),
                                   start_time=now - timedelta(days=1), end_time=now + timedelta(days=1))
    log = coupon_grant(coupon_id=coupon.id, user_id=owner.id)
    client = client_for(intruder)
    assert client.post("/api/cart/", {"course_id": make_course(price="200.00").id}, format="json").status_code == 201
    response = client.post(url, {"pay_type": 0, "user_coupon_id": log.id, "credit": 0}, format="json")
    assert_error(response, 404, "coupon_not_found")
    assert not Order.objects.filter(user=intruder).exists()


# --- throttles -------------------------------------------------------------------------------------------------

LOW = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"login": "3/min", "register": "2/min"}}


def test_login_is_throttled(api_client, make_user):
    user = make_user(password="right-pass-123")
    with override_settings(REST_FRAMEWORK=LOW):
        answers = [api_client.post("/api/users/login/", {"username": user.mobile, "password": "wrong-pass"},
                                   format="json").status_code for _ in range(3)]
        blocked = api_client.post("/api/users/login/", {"username": user.mobile, "password": "right-pass-123"},
                                  format="json")
    assert answers == [401, 401, 401]
    assert_error(blocked, 429, "throttled")


def test_register_is_throttled(api_client):
    def register(n):
        return api_client.post("/api/users/register/", {"mobile": f"1355555000{n}", "password": "Good-pass-2026",
                                                        "password2": "Good-pass-2026"}, format="json")

    with override_settings(REST_FRAMEWORK=LOW):
        answers = [register(n).status_code for n in range(2)]
        blocked = register(3)
    assert answers == [201, 201]
    assert_error(blocked, 429, "throttled")


@pytest.mark.parametrize("url", ["/api/users/login/", "/api/users/register/"])
def test_a_forged_x_forwarded_for_does_not_escape_the_throttle(url, api_client, make_user):
    """DRF keys its throttles on X-Forwarded-For unless NUM_PROXIES is set; a client that sends a new one with
    every request would then never be throttled. With NUM_PROXIES 0 (the default) only REMOTE_ADDR counts."""
    user = make_user(password="right-pass-123")

    def attempt(n):
        body = ({"username": user.mobile, "password": "wrong-pass"} if "login" in url else
                {"mobile": f"1356666000{n}", "password": "Good-pass-2026", "password2": "Good-pass-2026"})
        return api_client.post(url, body, format="json", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.{n}")

    limit = 3 if "login" in url else 2
    with override_settings(REST_FRAMEWORK=LOW):
        answers = [attempt(n).status_code for n in range(limit)]
        blocked = attempt(limit)
    assert answers == [401] * limit if "login" in url else [201] * limit
    assert_error(blocked, 429, "throttled")


def test_behind_one_proxy_the_client_is_the_address_that_proxy_saw(api_client, make_user):
    """NUM_PROXIES=1 (one reverse proxy that appends the peer it saw): the last X-Forwarded-For entry is the
    client; whatever the client put in front of it is ignored, and another real client is not blocked."""
    user = make_user(password="right-pass-123")
    rates = {**LOW, "NUM_PROXIES": 1}

    def attempt(forged, seen="192.0.2.7"):
        return api_client.post("/api/users/login/", {"username": user.mobile, "password": "wrong-pass"},
                               format="json", HTTP_X_FORWARDED_FOR=f"{forged}, {seen}")

    with override_settings(REST_FRAMEWORK=rates):
        answers = [attempt(f"203.0.113.{n}").status_code for n in range(3)]
        blocked = attempt("203.0.113.99")
        other_client = attempt("203.0.113.1", seen="192.0.2.8")
    assert answers == [401, 401, 401]
    assert_error(blocked, 429, "throttled")
    assert other_client.status_code == 401


def test_num_proxies_comes_from_the_environment():
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.REST_FRAMEWORK['NUM_PROXIES'])")
    for value, expected in ((None, "0"), ("2", "2")):
        env = {k: v for k, v in os.environ.items() if k != "NUM_PROXIES"}
        env["DJANGO_SETTINGS_MODULE"] = "luffycityapi.settings.prod"
        env.setdefault("SECRET_KEY", "x7-" + "num-proxies-check-" * 3)
        if value is not None:
            env["NUM_PROXIES"] = value
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip().splitlines()[-1] == expected


# --- client-sent prices (order create itself: tests/orders/test_order_create.py) --------------------------------

def test_prices_sent_to_cart_quote_and_link_are_ignored(auth_client, make_course):
    course = make_course(price="1579.00")
    forged = {"price": "0.01", "real_price": "0.01", "total_price": "0.01"}
    assert auth_client.post("/api/cart/", {"course_id": course.id, **forged}, format="json").status_code == 201
    assert auth_client.get("/api/cart/").json()["cart"][0]["price"] == "1579.00"
    quote = auth_client.post("/api/orders/quote/", {"pay_type": 0, "user_coupon_id": -1, "credit": 0, **forged},
                             format="json").json()
    assert quote["real_price"] == "1579.00"
    order = auth_client.post("/api/orders/", {"pay_type": 0, "user_coupon_id": -1, "credit": 0, **forged},
                             format="json").json()
    link = auth_client.get(f"/api/payments/alipay/{order['order_number']}/?total_amount=0.01").json()["link"]
    assert "%22total_amount%22%3A%221579.00%22" in link  # what the gateway is asked to charge


# --- CSRF ------------------------------------------------------------------------------------------------------

def _is_drf(callback) -> bool:
    return hasattr(callback, "cls")


def test_drf_views_take_no_session_so_need_no_csrf():
    """DRF's as_view() is csrf_exempt; that is safe only because no API view authenticates by session cookie."""
    from rest_framework.authentication import BasicAuthentication, SessionAuthentication

    ambient = (SessionAuthentication, BasicAuthentication)
    for route, callback in _routes():
        if _is_drf(callback):
            classes = callback.cls().get_authenticators() if not callback.initkwargs.get("authentication_classes") \
                else [c() for c in callback.initkwargs["authentication_classes"]]
            assert not [a for a in classes if isinstance(a, ambient)], route


def test_no_shop_view_outside_drf_is_csrf_exempt():
    """The shop's only endpoint without CSRF is the notify (a DRF view, above). Exempt plain Django views exist
    only in the dev-only sandbox: its gateway.do (RSA-signed server calls, like Alipay's) and __sim__ control
    API, which are not mounted in production (ALIPAY_SANDBOX off)."""
    exempt = sorted(route for route, callback in _routes()
                    if not _is_drf(callback) and getattr(callback, "csrf_exempt", False))
    assert exempt and all(route == "sandbox/alipay/gateway.do" or route.startswith("sandbox/alipay/__sim__/")
                          for route in exempt), exempt


def test_a_logged_in_admin_session_is_not_an_api_credential(admin_client):
    response = admin_client.get("/api/users/me/")
    assert_error(response, 401, "not_authenticated")


def test_admin_forms_need_the_csrf_token(admin_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": admin_user.username, "password": "password"})
    assert response.status_code == 403
    client.force_login(admin_user)
    response = client.post("/admin/users/user/add/", {"username": "13512345678"})
    assert response.status_code == 403


def test_the_sandbox_cashier_forms_need_the_csrf_token(auth_client, place_order):
    order = place_order(auth_client, "100.00")
    link = auth_client.get(f"/api/payments/alipay/{order['order_number']}/").json()["link"]
    browser = Client(enforce_csrf_checks=True)
    cashier = browser.get(link[link.index("/sandbox/"):])["Location"]
    cashier = cashier[cashier.index("/sandbox/"):]
    page = browser.get(cashier).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    for button in ("login", "confirm", "pay", "cancel"):
        assert browser.post(f"{cashier}/{button}", {}).status_code == 403, button
    assert browser.post(f"{cashier}/pay", {"csrfmiddlewaretoken": token}).status_code == 302  # with it: paid


def test_the_notify_needs_no_csrf_token(place_order, auth_client):
    order = place_order(auth_client, "100.00")
    from urllib.parse import urlencode

    client = Client(enforce_csrf_checks=True)
    body = urlencode(sign_params(notify_params(order["order_number"], "100.00")))
    response = client.post("/api/payments/alipay/notify", body, content_type="application/x-www-form-urlencoded")
    assert response.content == b"success"


# --- check --deploy --------------------------------------------------------------------------------------------

def test_check_deploy_with_the_production_settings_is_clean(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ALIPAY_", "SECURE_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "luffycityapi.settings.prod",
        "SECRET_KEY": "x7-" + "deploy-check-only-" * 3 + "q9Z!",
        "ALIPAY_APP_PRIVATE_KEY_FILE": settings.ALIPAY_APP_PRIVATE_KEY_FILE,
        "ALIPAY_PUBLIC_KEY_FILE": settings.ALIPAY_PUBLIC_KEY_FILE,
        "ALLOWED_HOSTS": "shop.example.com", "SITE_URL": "https://shop.example.com",
    })
    out = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues" in out.stdout
