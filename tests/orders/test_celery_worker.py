"""Expiry through a REAL Celery worker (not eager): a `celery -A luffycityapi worker` subprocess on the test
database and the test Redis database (broker), fed by the countdown task that order creation queues after commit
and by the beat sweeper's task. Runs on both stacks (SQLite + embedded Redis, MariaDB + Redis server)."""
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from orders.checkout_support import ORDERS_URL, balance, body, ledger_sum, put_in_cart, return_entries

from luffycityapi.apps.orders.models import Order
from luffycityapi.celery import app as celery_app

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

WAIT_SECONDS = 30


def test_database_url() -> str:
    """DATABASE_URL naming the database this test runs on (pytest-django's test_ database)."""
    db = connection.settings_dict
    if connection.vendor == "mysql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"mysql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"
    assert connection.vendor == "sqlite"
    return f"sqlite:///{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


@pytest.fixture
def not_eager():
    """This process publishes to the broker instead of running tasks inline."""
    conf = celery_app.conf
    saved = conf.task_always_eager
    conf.task_always_eager = False
    yield
    conf.task_always_eager = saved


@pytest.fixture
def worker():
    """Start a worker on demand; stopped (by its PID) at the end. Returns start() -> Popen."""
    started = []
    log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)

    def start():
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "luffycityapi.settings.test",
               "DATABASE_URL": test_database_url(), "CELERY_TASK_ALWAYS_EAGER": "false"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "luffycityapi", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"orders-test-{os.getpid()}@%h"],
            cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
    log.close()
    print(Path(log.name).read_text()[-4000:])
    os.unlink(log.name)


def wait_for_status(order_id, status, proc) -> float:
    started = time.monotonic()
    while time.monotonic() - started < WAIT_SECONDS:
        assert proc.poll() is None, "the worker died (see the captured log)"
        if Order.objects.values_list("order_status", flat=True).get(pk=order_id) == status:
            return time.monotonic() - started
        time.sleep(0.2)
    pytest.fail(f"order {order_id} did not reach status {status} within {WAIT_SECONDS}s")


def test_a_real_worker_expires_orders_from_the_countdown_task_and_the_sweeper(make_user, client_for, make_course,
                                                                             not_eager, worker, redis_conn):
    assert settings.CELERY_BROKER_URL.rstrip("/").endswith(str(settings.REDIS_TEST_DB)) or \
        f"virtual_host={settings.REDIS_TEST_DB}" in settings.CELERY_BROKER_URL
    user = make_user(credit=1000)
    client = client_for(user)

    put_in_cart(client, make_course(price="100.00", credit=300))
    with override_settings(ORDER_TIMEOUT_SECONDS=2):
        counted = client.post(ORDERS_URL, body(credit=300), format="json")
    assert counted.status_code == 201, counted.content
    counted = counted.json()

    put_in_cart(client, make_course(price="50.00", credit=100))
    swept = client.post(ORDERS_URL, body(credit=100), format="json").json()  # 900 s countdown
    Order.objects.filter(pk=swept["id"]).update(expire_time=timezone.now() - timedelta(seconds=1))
    assert balance(user.id) == 600

    # Both countdown tasks went to the broker (not run inline): nothing has expired yet.
    assert redis_conn.llen("celery") == 2
    time.sleep(2.5)
    assert Order.objects.get(pk=counted["id"]).order_status == Order.Status.UNPAID

    proc = worker()
    waited = wait_for_status(counted["id"], Order.Status.TIMEOUT, proc)
    assert Order.objects.get(pk=swept["id"]).order_status == Order.Status.UNPAID  # its countdown is 15 min away

    celery_app.send_task("orders.sweep_expired")  # what beat sends every minute
    wait_for_status(swept["id"], Order.Status.TIMEOUT, proc)

    assert [e.number for e in return_entries(counted["order_number"])] == [300]
    assert [e.number for e in return_entries(swept["order_number"])] == [100]
    assert balance(user.id) == 1000 == ledger_sum(user.id)
    assert waited < WAIT_SECONDS
