"""Brute force against the logins: django-axes locks out an account, and (at the admin) an address, after repeated
failures, with a clear message and a record staff can see; its idea of the client's address is the throttles'
(NUM_PROXIES), so a client-written X-Forwarded-For changes nothing (issue 13, item 6)."""
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from api_asserts import assert_error
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client, override_settings

from luffycityapi.apps.users.models import User

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 3
ADMIN_LOGIN = "/admin/login/?next=/admin/"
API_LOGIN = "/api/users/login/"
PASSWORD = "staff-pass-2026"


@pytest.fixture(autouse=True)
def low_limit(settings):
    """Test settings raise the limit so unrelated tests never trip it; here it is what production would use."""
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture
def boss():
    return User.objects.create_superuser(username="boss", mobile="13600000000", password=PASSWORD)


def admin_login(username, password, ip="198.51.100.7", **headers):
    return Client(REMOTE_ADDR=ip, **headers).post(ADMIN_LOGIN, {"username": username, "password": password})


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_the_right_password_gets_in_before_any_lockout(boss):
    assert logged_in(admin_login("boss", PASSWORD))


def test_an_account_is_locked_after_repeated_failures_from_anywhere(boss):
    answers = [admin_login("boss", "guess-%d" % n, ip=f"203.0.113.{n}").status_code for n in range(LIMIT)]
    assert answers == [200] * (LIMIT - 1) + [429]  # the form again, then the failure that locks says so

    locked = admin_login("boss", PASSWORD, ip="192.0.2.50")  # the right password, from a new address

    assert locked.status_code == 429
    page = locked.content.decode()
    assert "登录失败次数过多" in page and "15 分钟" in page
    assert "admin/login_locked_out.html" in [t.name for t in locked.templates]
    assert "sessionid" not in locked.cookies


def test_an_address_is_locked_after_repeated_failures_on_any_account(boss):
    for n in range(LIMIT):
        admin_login(f"nobody-{n}", "guess", ip="198.51.100.9")

    assert admin_login("boss", PASSWORD, ip="198.51.100.9").status_code == 429
    assert logged_in(admin_login("boss", PASSWORD, ip="198.51.100.10"))  # another address, account not locked


def test_a_forged_x_forwarded_for_does_not_escape_the_address_lockout(boss, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    for n in range(LIMIT):
        admin_login(f"nobody-{n}", "guess", ip="198.51.100.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

    assert admin_login("boss", PASSWORD, ip="198.51.100.9", HTTP_X_FORWARDED_FOR="10.0.0.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.9"}


def test_behind_one_proxy_the_address_is_the_one_the_proxy_saw(boss, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for n in range(LIMIT):
        admin_login(f"nobody-{n}", "guess", ip="10.0.0.1", HTTP_X_FORWARDED_FOR=f"forged-{n}, 203.0.113.0")

    # The proxy (10.0.0.1) appended the client's address 203.0.113.0: that client is locked, another is not.
    assert admin_login("boss", PASSWORD, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.0").status_code == 429
    assert logged_in(admin_login("boss", PASSWORD, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="forged, 203.0.113.5"))


def test_the_attempts_are_recorded_and_visible_in_the_admin(boss):
    for n in range(LIMIT):
        admin_login("boss", f"guess-{n}")
    admin = Client()  # another superuser looks (boss's own login would start boss's count again)
    admin.force_login(User.objects.create_superuser(username="auditor", mobile="13600000001", password="x"))

    attempt = AccessAttempt.objects.get(username="boss")
    assert attempt.failures_since_start == LIMIT and attempt.ip_address == "198.51.100.7"
    assert AccessFailureLog.objects.filter(username="boss").count() == LIMIT
    for model in ("accessattempt", "accessfailurelog", "accesslog"):
        listing = admin.get(f"/admin/axes/{model}/")
        assert listing.status_code == 200, model
    assert "198.51.100.7" in admin.get("/admin/axes/accessattempt/").content.decode()


def test_the_lockout_ends_after_the_cool_off(boss, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    for n in range(LIMIT):
        admin_login("boss", f"guess-{n}")
    assert admin_login("boss", PASSWORD).status_code == 429

    time.sleep(1.2)

    assert logged_in(admin_login("boss", PASSWORD))


def test_a_success_before_the_limit_starts_the_count_again(boss):
    for n in range(LIMIT - 1):
        admin_login("boss", f"guess-{n}")
    assert logged_in(admin_login("boss", PASSWORD))
    for n in range(LIMIT - 1):
        admin_login("boss", f"again-{n}")

    assert logged_in(admin_login("boss", PASSWORD))


# --- the API login: the same accounts (staff too) behind another door ---------------------------------------

def api_login(username, password, ip="198.51.100.7"):
    from rest_framework.test import APIClient

    return APIClient(REMOTE_ADDR=ip).post(API_LOGIN, {"username": username, "password": password}, format="json")


def test_the_api_login_locks_the_account_too(make_user):
    student = make_user(mobile="13711112222")
    for n in range(LIMIT - 1):
        assert_error(api_login(student.mobile, f"guess-{n}", ip=f"203.0.113.{n}"), 401, "invalid_credentials")
    assert_error(api_login(student.mobile, "guess-last", ip="203.0.113.99"), 429, "login_locked")

    locked = api_login(student.mobile, "secret-pass-123", ip="192.0.2.50")

    body = assert_error(locked, 429, "login_locked")
    assert "15 分钟" in body["errmsg"]
    assert int(locked["Retry-After"]) == 15 * 60
    assert "access" not in body


def test_a_staff_password_cannot_be_guessed_through_the_api_instead(boss):
    for n in range(LIMIT):
        api_login("boss", f"guess-{n}", ip=f"203.0.113.{n}")

    assert admin_login("boss", PASSWORD).status_code == 429


def test_the_api_login_does_not_lock_a_shared_address(make_user):
    # Students behind one campus NAT share an address: wrong passwords on other accounts lock only those accounts
    # (the per-address limit of the API login is its throttle).
    student = make_user(mobile="13711113333")
    for n in range(LIMIT + 2):
        api_login(f"1370000000{n}", "guess", ip="198.51.100.20")

    assert api_login(student.mobile, "secret-pass-123", ip="198.51.100.20").status_code == 200


def test_the_cool_off_and_limit_come_from_the_environment():
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.AXES_COOLOFF_TIME.total_seconds(), settings.AXES_FAILURE_LIMIT)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AXES_")}
    env.update({"DJANGO_SETTINGS_MODULE": "luffycityapi.settings.prod", "SECRET_KEY": "x7-" + "axes-env-" * 6,
                "AXES_COOLOFF_MINUTES": "7", "AXES_FAILURE_LIMIT": "4"})
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["420.0", "4"]


def test_old_login_records_are_pruned_daily(boss, settings):
    from django.conf import settings as live_settings
    from django.utils import timezone

    from luffycityapi.apps.users.tasks import prune_login_records

    assert "users.prune_login_records" in {e["task"] for e in live_settings.CELERY_BEAT_SCHEDULE.values()}
    settings.LOGIN_RECORDS_KEEP_DAYS = 30
    admin_login("old-guess", "x")
    admin_login("boss", "fresh-guess")
    long_ago = timezone.now() - timedelta(days=31)
    AccessFailureLog.objects.filter(username="old-guess").update(attempt_time=long_ago)
    AccessAttempt.objects.filter(username="old-guess").update(attempt_time=long_ago)

    assert prune_login_records() == 2

    assert list(AccessFailureLog.objects.values_list("username", flat=True)) == ["boss"]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["boss"]
