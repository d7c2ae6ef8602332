"""Shared fixtures. Everything runs against the real database and the real Redis named by the environment
(SQLite + embedded Redis by default, MariaDB + Redis server in CI's production pass); nothing is mocked."""
import itertools
import os
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

_mobiles = itertools.count(13900000001)


def on_mariadb() -> bool:
    return connection.vendor == "mysql"


def pytest_collection_modifyitems(config, items):
    """@pytest.mark.mariadb tests need real row locks: they run on MariaDB and are skipped (loudly) on SQLite.
    With REQUIRE_MARIADB_TESTS=1 (CI's production pass) a skip would be an error instead."""
    from django.conf import settings as dj_settings

    engine = dj_settings.DATABASES["default"]["ENGINE"]
    if "mysql" in engine:
        return
    if os.environ.get("REQUIRE_MARIADB_TESTS") == "1":
        raise pytest.UsageError("REQUIRE_MARIADB_TESTS=1 but DATABASE_URL is not MariaDB/MySQL")
    skip = pytest.mark.skip(reason="needs MariaDB row locks; runs in CI's production pass (.ci/run)")
    for item in items:
        if "mariadb" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    """No sandbox's notify delivery thread outlives its test: each is stopped before the test's fixtures (its
    database) are torn down. Left running, one met a later test's blocked database and died with a traceback."""
    from luffycityapi.apps.alipay_sandbox import notify as alipay_notify
    from luffycityapi.apps.wechatpay_sandbox import notify as wechat_notify

    alipay_notify.stop()
    wechat_notify.stop()


@pytest.fixture(scope="session", autouse=True)
def _dev_keys():
    """The app's and the sandbox's dev key pairs, as `manage.py alipay_keys` and `wechatpay_keys` make them."""
    from django.core.management import call_command

    call_command("alipay_keys", stdout=open(os.devnull, "w"))
    call_command("wechatpay_keys", stdout=open(os.devnull, "w"))


@pytest.fixture(autouse=True)
def redis_conn():
    """The test Redis database, emptied before each test."""
    from django_redis import get_redis_connection

    conn = get_redis_connection("default")
    conn.flushdb()
    yield conn


@pytest.fixture
def use_redis():
    """Point the shop at another Redis for the duration of a `with`. The cache and the raw client
    (`get_redis_connection`) both come from CACHES, so that is the setting that moves."""
    from django.conf import settings
    from django.test import override_settings

    def use(url):
        return override_settings(CACHES={"default": {**settings.CACHES["default"], "LOCATION": url}})

    return use


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def make_user(db):
    from luffycityapi.apps.users.models import User

    def make(mobile=None, password="secret-pass-123", credit=0, **extra):
        mobile = mobile or str(next(_mobiles))
        user = User.objects.create_user(username=mobile, mobile=mobile, password=password, **extra)
        if credit:
            from luffycityapi.apps.users.models import Credit
            from luffycityapi.apps.users.services import credit_change

            credit_change(user_id=user.id, number=credit, operation=Credit.Operation.GIFT, remark="test")
            user.refresh_from_db()
        return user

    return make


def bearer(user) -> str:
    # An access token alone: RefreshToken.for_user would also record an OutstandingToken row (token_blacklist), a
    # write whose foreign-key check waits on a user row that a concurrent checkout holds locked.
    return f"Bearer {AccessToken.for_user(user)}"


@pytest.fixture
def user(make_user):
    return make_user()


@pytest.fixture
def auth_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    client.user = user
    return client


@pytest.fixture
def client_for():
    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=bearer(user))
        client.user = user
        return client

    return make


@pytest.fixture
def make_course(db):
    from luffycityapi.apps.courses.models import Course

    counter = itertools.count(1)

    def make(price="100.00", credit=0, **extra):
        n = next(counter)
        extra.setdefault("name", f"测试课程 {n}")
        extra.setdefault("orders", n)  # creation order is display order unless a test says otherwise
        return Course.objects.create(price=Decimal(price), credit=credit, **extra)

    return make


@pytest.fixture
def make_discount(db):
    from datetime import timedelta

    from django.utils import timezone

    from luffycityapi.apps.courses.models import Activity, CourseDiscount

    def make(course, kind=CourseDiscount.Kind.PERCENT, value="0.80", start=None, end=None, name="限时折扣"):
        now = timezone.now()
        activity = Activity.objects.create(name=name, start_time=start or now - timedelta(hours=1),
                                           end_time=end or now + timedelta(hours=1))
        return CourseDiscount.objects.create(course=course, activity=activity, kind=kind, value=Decimal(value))

    return make
