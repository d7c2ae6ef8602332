#!/usr/bin/env python
"""`make soak`: the production stack under races, duplicates, faults and a killed web worker, then the books.

    .venv/bin/python soak/run.py [--students 50] [--timeout 40] [--workers 3]

The stack (all on 127.0.0.1, every process started here and stopped by its PID on any exit):
  * gunicorn (settings.prod, --workers 3 gthread) with ALIPAY_SANDBOX on, so the Alipay gateway is the local
    sandbox inside the same gunicorn; SITE_URL points at the soak port;
  * a Celery worker with beat (order expiry countdowns, the sweeper, refund retries, the sandbox's due work);
  * MariaDB database `luffycity_soak` (dropped, created and migrated here), Redis database 8 (flushed here),
    VAR_DIR var/soak (its own keys, static files, beat schedule, logs).

The load (bounded in count and time): 50 students register and log in over the API, each places 5 orders
(courses, coupons and credits mixed) and follows the pay link through the gateway's 302 to the sandbox cashier.
One order each is cancelled (some racing a payment, some paid after the cancel: a late payment that must be
refunded) or left to expire (ORDER_TIMEOUT_SECONDS is short; some are paid at the very deadline); the other 200
are paid on the cashier form or through the sandbox's control API. Every payment's notify is signed with the
sandbox key and delivered 4 times at the same instant, together with return relays and polling queries, while
bursts run out of order, gateway faults are injected (system errors, HTTP 500, bad and missing signatures, a
gateway slower than the timeout), notifies and returns are tampered with, and one gunicorn worker is killed with
SIGKILL. Then: every order in one consistent state (against the sandbox's own books), gunicorn restarted the
worker, `manage.py audit` exits 0. The figures are printed last; the exit status is non-zero on any violation."""
import argparse
import base64
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode, urlparse, urlsplit, urlunparse

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stack import recreate_database  # noqa: E402 - needs ROOT on sys.path

BIN = Path(sys.executable).parent
VAR = ROOT / "var" / "soak"
PASSWORD = "soak-pass-2026"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
HTTP_TIMEOUT = 30
PAID = ("TRADE_SUCCESS", "TRADE_FINISHED")
# Endpoints that talk to the gateway: a 502/503 from them is the clear error an injected gateway fault must give.
GATEWAY_KINDS = {"link", "query", "result", "cancel"}


# --- bookkeeping ---------------------------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = Counter()       # by kind
        self.statuses = Counter()       # "kind status"
        self.gateway_errors = 0         # 502/503 from gateway endpoints (expected under injected faults)
        self.connection_errors = 0      # requests cut off (the killed worker)
        self.retries = 0
        self.faults = Counter()
        self.notify_orders = 0
        self.notify_deliveries = 0
        self.notify_answers = Counter()
        self.sandbox_duplicates = 0
        self.violations = []
        self.bursts_done = 0

    def count(self, field, n=1):
        with self.lock:
            setattr(self, field, getattr(self, field) + n)

    def violation(self, text):
        with self.lock:
            self.violations.append(text)
        print(f"soak: VIOLATION {text}", flush=True)


stats = Stats()
BASE = ""
_local = threading.local()


def _session() -> requests.Session:
    s = getattr(_local, "session", None)
    if s is None:
        s = _local.session = requests.Session()
    return s


def call(kind, method, path, *, token=None, retries=4, session=None, **kwargs) -> requests.Response:
    """One HTTP request to the shop, counted. Connection errors (a killed worker) and gateway 502/503s are retried
    like a client would; any other 5xx is a violation."""
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url = path if path.startswith("http") else BASE + path
    for attempt in range(retries + 1):
        try:
            response = (session or _session()).request(method, url, headers=headers, timeout=HTTP_TIMEOUT,
                                                       allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            stats.count("connection_errors")
            if attempt == retries:
                stats.violation(f"{kind} {method} {path}: no answer after {retries + 1} tries ({exc.__class__.__name__})")
                raise
            stats.count("retries")
            time.sleep(0.5 + attempt)
            continue
        with stats.lock:
            stats.requests[kind] += 1
            stats.statuses[f"{kind} {response.status_code}"] += 1
        if response.status_code >= 500:
            if response.status_code in (502, 503) and kind in GATEWAY_KINDS:
                stats.count("gateway_errors")
                if attempt < retries:
                    stats.count("retries")
                    time.sleep(0.3 + attempt * 0.5)
                    continue
                return response
            stats.violation(f"{kind} {method} {path}: HTTP {response.status_code} {response.text[:200]}")
        return response
    raise AssertionError("unreachable")


def sim(path, http="POST", **body) -> requests.Response:
    """The sandbox's control API (not Alipay)."""
    return call("sim", http, f"/sandbox/alipay/__sim__/{path}", json=body if http == "POST" else None)


# --- the stack -----------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loopback(url: str, what: str) -> str:
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK:
        sys.exit(f"soak: {what} must be on 127.0.0.1 (got {host!r})")
    return url


def soak_urls() -> tuple[str, str]:
    """The soak's own database and Redis db on the servers DATABASE_URL / REDIS_URL name (or the local defaults)."""
    database = os.environ.get("SOAK_DATABASE_URL")
    if not database:
        base = os.environ.get("DATABASE_URL", "")
        base = base if base.startswith("mysql") else "mysql://root@127.0.0.1:3306/luffycity"
        database = urlunparse(urlparse(base)._replace(path="/luffycity_soak"))
    redis_url = os.environ.get("SOAK_REDIS_URL")
    if not redis_url:
        base = os.environ.get("REDIS_URL", "")
        base = base if base.startswith("redis://") else "redis://127.0.0.1:6379/0"
        redis_url = urlunparse(urlparse(base)._replace(path="/8"))
    return loopback(database, "the soak database"), loopback(redis_url, "the soak Redis")


def configure_environment(port: int, database_url: str, redis_url: str, timeout: int) -> dict:
    env = {
        "DJANGO_SETTINGS_MODULE": "luffycityapi.settings.prod",
        "SECRET_KEY": "soak-only-secret-key-not-for-production-0123456789abcdefghij",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "VAR_DIR": str(VAR),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "false", "SECURE_COOKIES": "false", "SECURE_HSTS_SECONDS": "0",
        "ALIPAY_SANDBOX": "true",
        "ALIPAY_TIMEOUT_SECONDS": "2",
        "ORDER_TIMEOUT_SECONDS": str(timeout),
        "SANDBOX_NOTIFY_TIME_SCALE": "0.01",
        "LOG_LEVEL": "WARNING",
        "JWT_ACCESS_MINUTES": "60",
        # every student comes from 127.0.0.1: the per-IP throttles would otherwise stop the run
        "THROTTLE_LOGIN": "1000000/min", "THROTTLE_REGISTER": "1000000/min",
    }
    for key in ("ALIPAY_GATEWAY", "ALIPAY_NOTIFY_URL", "ALIPAY_RETURN_URL", "ALIPAY_APP_PRIVATE_KEY_FILE",
                "ALIPAY_PUBLIC_KEY_FILE", "KEYS_DIR", "SANDBOX_PRIVATE_KEY_FILE", "SANDBOX_APP_PUBLIC_KEY_FILE",
                "ALIPAY_SELLER_ID", "CELERY_TASK_ALWAYS_EAGER"):
        os.environ.pop(key, None)  # derived from SITE_URL / VAR_DIR, never inherited
    os.environ.update(env)
    return {**os.environ}


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


class Stack:
    """gunicorn + Celery worker/beat, each started here and stopped by its PID (and its children's PIDs)."""

    def __init__(self, port: int, env: dict, workers: int, threads: int):
        self.port, self.env, self.workers, self.threads = port, env, workers, threads
        self.procs: dict[str, subprocess.Popen] = {}
        self.known_children: set[int] = set()
        self.logs = {}

    def _start(self, name, cmd):
        log = open(VAR / f"{name}.log", "w")
        self.logs[name] = log
        self.procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def start(self):
        self._start("gunicorn", [str(BIN / "gunicorn"), "luffycityapi.wsgi", "--bind", f"127.0.0.1:{self.port}",
                                 "--workers", str(self.workers), "--worker-class", "gthread",
                                 "--threads", str(self.threads), "--timeout", "60", "--graceful-timeout", "10"])
        self._start("celery", [str(BIN / "celery"), "-A", "luffycityapi", "worker", "-B", "--concurrency", "2",
                               "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
                               "-n", f"soak-{os.getpid()}@%h", "-s", str(VAR / "celerybeat-schedule")])

    def wait_ready(self, timeout=90.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise SystemExit(f"soak: {name} exited early (see {VAR / (name + '.log')})")
            try:
                if requests.get(f"{BASE}/api/health/", timeout=2).status_code == 200 and \
                        len(self.web_workers()) == self.workers:
                    self.remember_children()
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise SystemExit("soak: the stack did not become ready")

    def web_workers(self) -> list[int]:
        return [p for p in children(self.procs["gunicorn"].pid) if alive(p)]

    def remember_children(self):
        for proc in self.procs.values():
            self.known_children.update(children(proc.pid))

    def stop(self):
        self.remember_children()
        for name, proc in self.procs.items():
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        for pid in self.known_children:  # a worker orphaned by its master's death
            if alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for log in self.logs.values():
            log.close()
        self.procs.clear()


# --- seeding and signing -------------------------------------------------------------------------------------

def seed():
    """Ten courses (one with a discount window), two coupon kinds; returns their ids."""
    from datetime import timedelta

    from django.utils import timezone

    from luffycityapi.apps.coupon.models import Coupon
    from luffycityapi.apps.courses.models import Activity, Course, CourseDiscount

    now = timezone.now()
    courses = [Course.objects.create(name=f"耐久课程 {i}", price=Decimal(f"{60 + 15 * i}.00"), credit=100, orders=i)
               for i in range(10)]
    activity = Activity.objects.create(name="耐久限时折扣", start_time=now - timedelta(days=1),
                                       end_time=now + timedelta(days=1))
    CourseDiscount.objects.create(course=courses[9], activity=activity, kind=CourseDiscount.Kind.PERCENT,
                                  value=Decimal("0.80"))
    coupons = [Coupon.objects.create(name="满100减20", discount=Coupon.Kind.AMOUNT, amount=Decimal("20.00"),
                                     condition=Decimal("100.00"), start_time=now - timedelta(days=1),
                                     end_time=now + timedelta(days=1), total=1000, remaining=1000),
               Coupon.objects.create(name="满100减15", discount=Coupon.Kind.AMOUNT, amount=Decimal("15.00"),
                                     condition=Decimal("100.00"), start_time=now - timedelta(days=1),
                                     end_time=now + timedelta(days=1), total=1000, remaining=1000)]
    return [c.id for c in courses], [c.id for c in coupons]


def gift(user_id: int, coupon_ids: list[int], credit: int) -> list[int]:
    """What the operator hands a student: credits and coupons (through the services, under their locks)."""
    from django.db import connections

    from luffycityapi.apps.coupon.services import coupon_grant
    from luffycityapi.apps.users.models import Credit
    from luffycityapi.apps.users.services import credit_change

    try:
        if credit:
            credit_change(user_id=user_id, number=credit, operation=Credit.Operation.GIFT, remark="耐久测试赠送")
        return [coupon_grant(coupon_id=c, user_id=user_id).id for c in coupon_ids]
    finally:
        connections.close_all()


class Signer:
    """Alipay's side of a notify: RSA2 over the sorted non-empty params with the sandbox's private key."""

    def __init__(self):
        from cryptography.hazmat.primitives import serialization
        from django.conf import settings

        self.key = serialization.load_pem_private_key(Path(settings.SANDBOX_PRIVATE_KEY_FILE).read_bytes(),
                                                      password=None)
        self.app_id, self.seller_id = settings.ALIPAY_APP_ID, settings.SANDBOX_SELLER_ID

    def notify(self, trade: dict) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        now = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        amount = trade["total_amount"]
        params = {
            "gmt_create": trade.get("gmt_create") or now, "charset": "utf-8",
            "gmt_payment": trade.get("gmt_payment") or now, "notify_time": now, "subject": trade.get("subject", ""),
            "buyer_id": "2088102177846880", "invoice_amount": amount, "version": "1.0",
            "notify_id": f"soak{trade['trade_no']}", "notify_type": "trade_status_sync",
            "out_trade_no": trade["out_trade_no"], "total_amount": amount, "trade_status": "TRADE_SUCCESS",
            "trade_no": trade["trade_no"], "auth_app_id": self.app_id, "receipt_amount": amount,
            "point_amount": "0.00", "buyer_pay_amount": amount, "app_id": self.app_id, "seller_id": self.seller_id,
            "fund_bill_list": json.dumps([{"amount": amount, "fundChannel": "ALIPAYACCOUNT"}], separators=(",", ":")),
        }
        content = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if v not in ("", None))
        signature = self.key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())
        return urlencode({**params, "sign_type": "RSA2", "sign": base64.b64encode(signature).decode()})


# --- the students --------------------------------------------------------------------------------------------

class Student:
    def __init__(self, n: int):
        self.n = n
        self.mobile = f"1370000{n:04d}"
        self.browser = requests.Session()
        self.token = ""
        self.user_id = None
        self.coupon_logs: list[int] = []
        self.orders: list[dict] = []

    def register_and_login(self):
        r = call("register", "POST", "/api/users/register/",
                 json={"mobile": self.mobile, "password": PASSWORD, "password2": PASSWORD})
        if r.status_code not in (201, 400):
            stats.violation(f"register {self.mobile}: HTTP {r.status_code}")
        r = call("login", "POST", "/api/users/login/", json={"username": self.mobile, "password": PASSWORD})
        if r.status_code != 200:
            raise RuntimeError(f"login {self.mobile}: {r.status_code} {r.text[:200]}")
        self.token = r.json()["access"]
        self.user_id = call("me", "GET", "/api/users/me/", token=self.token).json()["id"]

    def order(self, course_ids, *, coupon=-1, credit=0) -> dict:
        for course_id in course_ids:
            r = call("cart", "POST", "/api/cart/", token=self.token, json={"course_id": course_id})
            if r.status_code != 201:
                stats.violation(f"cart add {course_id} for {self.mobile}: {r.status_code} {r.text[:200]}")
        r = call("order", "POST", "/api/orders/", token=self.token,
                 json={"pay_type": 0, "user_coupon_id": coupon, "credit": credit})
        if r.status_code == 400 and r.json().get("code") == "order_unpaid_exists":
            # our first try was committed but its answer lost (a killed worker): that order is ours
            number = r.json()["order_number"]
            r = call("order_detail", "GET", f"/api/orders/{number}/", token=self.token)
        elif r.status_code != 201:
            raise RuntimeError(f"order for {self.mobile}: {r.status_code} {r.text[:300]}")
        order = r.json()
        order["deadline"] = time.monotonic() + float(order.get("order_timeout") or 0)
        self.orders.append(order)
        return order

    def open_cashier(self, number: str) -> str | None:
        """The pay link, then the gateway's 302 to the cashier, as a browser follows them."""
        r = call("link", "GET", f"/api/payments/alipay/{number}/", token=self.token)
        if r.status_code != 200:
            stats.violation(f"link {number}: {r.status_code} {r.text[:200]}")
            return None
        gateway = call("gateway", "GET", r.json()["link"], session=self.browser)
        if gateway.status_code != 302:
            stats.violation(f"gateway for {number}: {gateway.status_code} {gateway.text[:200]}")
            return None
        cashier = BASE + urlsplit(gateway.headers["Location"]).path
        page = call("cashier", "GET", cashier, session=self.browser)
        if page.status_code != 200 or 'id="cashier-pay"' not in page.text:
            stats.violation(f"cashier for {number}: {page.status_code}")
            return None
        return cashier

    def click(self, cashier: str, button: str) -> requests.Response:
        page = call("cashier", "GET", cashier, session=self.browser)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return call("cashier", "POST", f"{cashier}/{button}", session=self.browser,
                    data={"csrfmiddlewaretoken": token}, headers={"Referer": cashier})


# --- the storm -----------------------------------------------------------------------------------------------

class Storm:
    """Bursts (a notify 4x + return relay + polls at one instant) queued and run out of order by a few runners."""

    def __init__(self, signer: Signer, runners: int):
        self.signer = signer
        self.queue, self.cond, self.closed = [], threading.Condition(), False
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(runners)]
        self.paid_numbers = set()
        for t in self.threads:
            t.start()

    def push(self, student: Student, trade: dict, return_query: str | None):
        with self.cond:
            self.queue.append((student, trade, return_query))
            self.cond.notify()

    def close(self):
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        for t in self.threads:
            t.join(timeout=300)

    def _run(self):
        while True:
            with self.cond:
                while not self.queue and not self.closed:
                    self.cond.wait()
                if not self.queue:
                    return
                item = self.queue.pop(random.randrange(len(self.queue)))  # out of order
            try:
                self._burst(*item)
            except Exception as exc:  # noqa: BLE001 - a crashed burst is a finding, not a harness crash
                stats.violation(f"burst for {item[1].get('out_trade_no')} crashed: {exc!r}")
            stats.count("bursts_done")

    def _burst(self, student: Student, trade: dict, return_query: str | None):
        number = trade["out_trade_no"]
        body = self.signer.notify(trade)
        calls = [lambda: self._notify(number, body) for _ in range(4)]
        calls.append(lambda: call("query", "GET", f"/api/payments/alipay/query/{number}/", token=student.token))
        if return_query:
            calls.append(lambda: call("result", "GET", f"/api/payments/alipay/result/?{return_query}",
                                      token=student.token))
        else:
            calls.append(lambda: call("order_detail", "GET", f"/api/orders/{number}/", token=student.token))
        if random.random() < 0.15:
            calls.append(lambda: self._sandbox_duplicate(number))
        with stats.lock:
            stats.notify_orders += 1
        together(calls)
        self.paid_numbers.add(number)

    def _notify(self, number: str, body: str):
        """One delivery, retried as Alipay would while the answer is not `success` (at most 6 tries)."""
        for attempt in range(6):
            try:
                r = _session().post(f"{BASE}/api/payments/alipay/notify", data=body, timeout=HTTP_TIMEOUT,
                                    headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
            except requests.RequestException:
                stats.count("connection_errors")
                stats.count("retries")
                time.sleep(0.5 + attempt)
                continue
            with stats.lock:
                stats.requests["notify"] += 1
                stats.statuses[f"notify {r.status_code}"] += 1
                stats.notify_deliveries += 1
                stats.notify_answers[r.text if r.status_code == 200 else f"HTTP {r.status_code}"] += 1
            if r.status_code >= 500:
                stats.violation(f"notify {number}: HTTP {r.status_code}")
            if r.status_code == 200 and r.text == "success":
                return r.text
            stats.count("retries")
            time.sleep(0.5 + attempt)
        stats.violation(f"notify {number}: never answered success")
        return None

    def _sandbox_duplicate(self, number):
        r = sim(f"trades/{number}/notify/duplicate", count=2)
        if r.status_code == 200:
            stats.count("sandbox_duplicates", 2)


def together(calls):
    """Run the callables at the same instant, each in its own thread (a barrier)."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(fn):
        try:
            barrier.wait(timeout=60)
            fn()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(fn,), daemon=True) for fn in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=HTTP_TIMEOUT * 8)
    if errors:
        raise errors[0]


def pay(student: Student, number: str, cashier: str, *, form: bool, tamper_return=False) -> tuple[dict | None, str | None]:
    """The buyer pays: on the cashier form (302 to the return URL) or the sandbox's one-step pay. Returns the
    sandbox trade when paid, and the return query string to relay."""
    if form:
        if tamper_return:
            sim(f"trades/{number}/return/tamper-next", field="signature")
            stats.faults["tampered return"] += 1
        r = student.click(cashier, "pay")
        if r.status_code != 302:
            return None, None
        back = urlsplit(r.headers["Location"]).query
    else:
        r = sim(f"trades/{number}/pay")
        if r.status_code != 200:
            return None, None
        back = urlencode(r.json().get("return_params") or {}) or None
    trade = sim(f"trades/{number}", http="GET").json()
    if trade["status"] not in PAID:
        return None, None
    return trade, back


def student_first_order(student: Student, course_ids, fate: str):
    """Order 0: the one that is cancelled or expires. Coupon students use their first coupon on it, credit students
    100 credits, so a release must give both back (exactly once)."""
    coupon = student.coupon_logs[0] if student.coupon_logs else -1
    credit = 100 if (student.n % 2 == 0 and coupon == -1) else 0
    order = student.order(course_ids[0:2], coupon=coupon, credit=credit)
    order["fate"] = fate
    if fate in ("cancel_race", "cancel_after_login", "expire_race", "expire_after_login"):
        cashier = student.open_cashier(order["order_number"])
        if cashier:
            student.click(cashier, "login")
        order["cashier"] = cashier
    elif fate in ("cancel_then_pay", "expire_link_only"):
        order["cashier"] = student.open_cashier(order["order_number"])
    return order


def run_first_order_fate(student: Student, order: dict, storm: Storm):
    number, fate = order["order_number"], order["fate"]
    if fate.startswith("cancel"):
        if fate == "cancel_race":
            results = {}

            def cancel():
                results["cancel"] = call("cancel", "POST", f"/api/orders/{number}/cancel/", token=student.token)

            def buyer():
                results["pay"] = sim(f"trades/{number}/pay")

            together([cancel, buyer])
        else:
            r = call("cancel", "POST", f"/api/orders/{number}/cancel/", token=student.token)
            if r.status_code != 200:
                stats.violation(f"cancel {number}: {r.status_code} {r.text[:200]}")
            if fate == "cancel_then_pay":
                sim(f"trades/{number}/pay")  # the trade was never opened, so Alipay still takes the money
        trade = sim(f"trades/{number}", http="GET")
        if trade.status_code == 200 and trade.json()["status"] in PAID:
            storm.push(student, trade.json(), None)
    elif fate == "expire_race":
        time.sleep(max(0.0, order["deadline"] - time.monotonic() - 0.3))  # pay at the very deadline
        r = sim(f"trades/{number}/pay")
        if r.status_code == 200 and r.json()["trade"]["status"] in PAID:
            storm.push(student, r.json()["trade"], None)


FIRST_FATES = ["cancel_race", "cancel_after_login", "cancel_then_pay", "expire_race", "expire_after_login",
               "expire_link_only", "expire_no_link"]


def student_journey(student: Student, course_ids, storm: Storm, first_order: dict, tamper: dict):
    """Orders 1..4: each paid at once, its notifies and relays queued for the storm."""
    fate_thread = threading.Thread(target=run_first_order_fate, args=(student, first_order, storm), daemon=True)
    fate_thread.start()
    for k in range(1, 5):
        coupon = student.coupon_logs[1] if (k == 1 and len(student.coupon_logs) > 1) else -1
        credit = 150 if (k == 2 and student.n % 2 == 0) else 0
        order = student.order(course_ids[2 * k:2 * k + 2], coupon=coupon, credit=credit)
        order["fate"] = "pay"
        number = order["order_number"]
        cashier = student.open_cashier(number)
        if not cashier:
            continue
        form = (student.n + k) % 3 == 0
        if tamper.get("notify", 0) > 0 and not form:
            with stats.lock:
                tamper["notify"] -= 1
            sim(f"trades/{number}/notify/tamper-next", field="total_amount")
            stats.faults["tampered notify (amount +1.00, validly signed)"] += 1
        do_tamper_return = False
        if form and tamper.get("return", 0) > 0:
            with stats.lock:
                tamper["return"] -= 1
            do_tamper_return = True
        trade, back = pay(student, number, cashier, form=form, tamper_return=do_tamper_return)
        if trade is None:
            stats.violation(f"pay {number}: the sandbox did not take the payment")
            continue
        storm.push(student, trade, back)
    fate_thread.join(timeout=600)


FAULT_PLAN = [
    ("alipay.trade.query", "system_error", 3, None), ("alipay.trade.query", "http_500", 2, None),
    ("alipay.trade.query", "bad_signature", 2, None), ("alipay.trade.query", "unsigned_error", 2, None),
    ("alipay.trade.close", "system_error", 2, None), ("alipay.trade.query", "sleep", 1, 4),
    ("alipay.trade.close", "http_500", 1, None), ("alipay.trade.refund", "system_error", 1, None),
    ("alipay.trade.query", "system_error", 3, None),
]


def inject_faults(stop: threading.Event):
    for method, kind, count, seconds in FAULT_PLAN:
        if stop.wait(2.0):
            return
        body = {"method": method, "kind": kind, "count": count}
        if seconds:
            body["seconds"] = seconds
        if sim("faults", **body).status_code == 200:
            stats.faults[f"gateway {kind} on {method}"] += count
        else:
            stats.violation(f"the sandbox refused the fault {body}")


def kill_a_worker(stack: Stack, when, killed: dict):
    while not when():
        time.sleep(0.2)
    workers = stack.web_workers()
    if not workers:
        stats.violation("no gunicorn worker to kill")
        return
    pid = random.choice(workers)
    os.kill(pid, signal.SIGKILL)  # a worker this harness's gunicorn started
    killed["pid"], killed["at"] = pid, time.monotonic()
    stats.faults["gunicorn worker SIGKILL"] += 1
    print(f"soak: killed gunicorn worker {pid} with SIGKILL", flush=True)


# --- the verdict ---------------------------------------------------------------------------------------------

def settle(max_wait: float):
    """Wait until no order is unpaid and no refund pending (expiry countdowns, the sweeper, refund retries)."""
    from django.db import connections

    from luffycityapi.apps.orders.models import Order
    from luffycityapi.apps.payments.models import Refund

    deadline = time.monotonic() + max_wait
    while True:
        unpaid = Order.objects.filter(order_status=Order.Status.UNPAID).count()
        pending = Refund.objects.filter(status=Refund.Status.PENDING).count()
        connections.close_all()
        if not unpaid and not pending:
            return
        if time.monotonic() > deadline:
            stats.violation(f"not settled after {max_wait:.0f}s: {unpaid} unpaid orders, {pending} pending refunds")
            return
        time.sleep(1.0)


def check_books(students: list[Student]) -> Counter:
    """Every order against the sandbox's own record of the trade."""
    from luffycityapi.apps.orders.models import Order
    from luffycityapi.apps.payments.models import PaymentIssue, Refund

    trades = {}
    listing = sim("trades", http="GET").json()
    for t in listing if isinstance(listing, list) else listing.get("trades", []):
        trades[t["out_trade_no"]] = t
    fates = {o["order_number"]: o["fate"] for s in students for o in s.orders}
    tally = Counter()
    for order in Order.objects.all():
        trade = trades.get(order.order_number)
        if trade is not None and "gmt_payment" not in trade:
            trade = sim(f"trades/{order.order_number}", http="GET").json()
        ever_paid = bool(trade and trade.get("gmt_payment"))
        refunded = Decimal(trade["refund_fee"]) if trade and trade.get("refund_fee") else Decimal("0")
        fate = fates.get(order.order_number, "?")
        label = order.get_order_status_display()
        if order.order_status == Order.Status.PAID:
            tally["paid"] += 1
            if not ever_paid or trade["status"] not in PAID:
                stats.violation(f"order {order.order_number} paid but the gateway says {trade and trade['status']}")
            elif trade["trade_no"] != order.trade_no or Decimal(trade["total_amount"]) != order.real_price:
                stats.violation(f"order {order.order_number} paid by {order.trade_no} {order.real_price}, the gateway "
                                f"says {trade['trade_no']} {trade['total_amount']}")
            elif refunded:
                stats.violation(f"order {order.order_number} paid but refunded {refunded} at the gateway")
        elif order.order_status in (Order.Status.CANCELLED, Order.Status.TIMEOUT):
            tally["cancelled" if order.order_status == Order.Status.CANCELLED else "timed out"] += 1
            if ever_paid:
                tally["late payments refunded"] += 1
                refund = Refund.objects.filter(order=order, status=Refund.Status.SUCCEEDED).first()
                if refund is None or refunded != Decimal(trade["total_amount"]):
                    stats.violation(f"order {order.order_number} {label} after a payment at the gateway, refunded "
                                    f"{refunded} of {trade['total_amount']} (refund row {refund})")
                if not PaymentIssue.objects.filter(order=order, kind=PaymentIssue.Kind.LATE_PAYMENT).exists():
                    stats.violation(f"order {order.order_number}: late payment not flagged")
            elif trade is not None and trade["status"] == "WAIT_BUYER_PAY" and fate != "expire_link_only" and \
                    fate != "cancel_then_pay":
                stats.violation(f"order {order.order_number} {label} but its trade is still open at the gateway")
        else:
            tally[label] += 1
            stats.violation(f"order {order.order_number} ended {label}")
        if fate == "pay" and order.order_status != Order.Status.PAID:
            stats.violation(f"order {order.order_number} was paid at the gateway but is {label}")
    tally["amount mismatches quarantined"] = PaymentIssue.objects.filter(
        kind=PaymentIssue.Kind.AMOUNT_MISMATCH).count()
    return tally


def run_audit(env: dict) -> tuple[int, str]:
    out = subprocess.run([sys.executable, "manage.py", "audit"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    return out.returncode, (out.stdout + out.stderr).strip()


# --- main ----------------------------------------------------------------------------------------------------

def main() -> int:
    global BASE
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--timeout", type=int, default=40, help="ORDER_TIMEOUT_SECONDS of the soak's shop")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--runners", type=int, default=4, help="bursts in flight at once")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SOAK_SEED", "2026")))
    args = parser.parse_args()
    random.seed(args.seed)
    started = time.monotonic()

    VAR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    BASE = f"http://127.0.0.1:{port}"
    database_url, redis_url = soak_urls()
    env = configure_environment(port, database_url, redis_url, args.timeout)
    print(f"soak: {BASE}, database {urlparse(database_url).path[1:]}, Redis {redis_url}, VAR_DIR {VAR}", flush=True)
    recreate_database(database_url, suffix="_soak")

    import django

    django.setup()
    from django.core.management import call_command
    from django_redis import get_redis_connection

    call_command("migrate", verbosity=0, interactive=False)
    call_command("alipay_keys", stdout=open(os.devnull, "w"))
    call_command("collectstatic", verbosity=0, interactive=False)
    get_redis_connection("default").flushdb()
    course_ids, coupon_ids = seed()
    signer = Signer()

    stack = Stack(port, env, args.workers, args.threads)

    def on_signal(signum, frame):
        raise SystemExit(f"soak: stopped by signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    killed: dict = {}
    tally = Counter()
    audit_code, audit_text = None, ""
    try:
        stack.start()
        stack.wait_ready()
        sim("reset")
        sim("config", notify_order="after", notify_after_delay_seconds=3)  # our 4 copies land first
        print(f"soak: stack ready after {time.monotonic() - started:.0f}s; {args.students} students", flush=True)

        # Phase A: students sign up, get credits/coupons, place the order that will be cancelled or expire.
        students = [Student(n) for n in range(args.students)]
        first_orders = {}

        def sign_up(student):
            student.register_and_login()
            student.coupon_logs = gift(student.user_id, coupon_ids if student.n % 3 == 0 else [],
                                       500 if student.n % 2 == 0 else 0)
            first_orders[student.n] = student_first_order(student, course_ids,
                                                          FIRST_FATES[student.n % len(FIRST_FATES)])

        run_pool(sign_up, students, 12)
        print(f"soak: phase A done at {time.monotonic() - started:.0f}s "
              f"({len(first_orders)} first orders)", flush=True)

        # Phase B: the storm. Pay 4 orders each, bursts out of order, faults, cancels, expiries, a SIGKILL.
        storm = Storm(signer, args.runners)
        stop_faults = threading.Event()
        faults = threading.Thread(target=inject_faults, args=(stop_faults,), daemon=True)
        faults.start()
        expected = args.students * 4
        killer = threading.Thread(target=kill_a_worker, args=(stack, lambda: stats.bursts_done >= expected * 0.4,
                                                                killed), daemon=True)
        killer.start()
        tamper = {"notify": 3, "return": 3}
        run_pool(lambda s: student_journey(s, course_ids, storm, first_orders[s.n], tamper),
                 [s for s in students if s.n in first_orders], 10)
        storm.close()
        stop_faults.set()
        killer.join(timeout=5)
        print(f"soak: storm done at {time.monotonic() - started:.0f}s", flush=True)

        # The killed worker: gunicorn must have started another one in its place.
        if not killed:
            stats.violation("the gunicorn worker was never killed")
        else:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and (len(stack.web_workers()) < args.workers
                                                   or killed["pid"] in stack.web_workers()):
                time.sleep(0.5)
            workers = stack.web_workers()
            if stack.procs["gunicorn"].poll() is not None or len(workers) < args.workers or killed["pid"] in workers:
                stats.violation(f"gunicorn did not replace worker {killed['pid']} (workers now {workers})")
            else:
                killed["replaced_by"] = sorted(set(workers) - set(stack.known_children))
                stack.remember_children()

        # Everything lands: expiries (countdown or sweeper), late-payment refunds (retried every minute).
        settle(max_wait=args.timeout + 200)
        tally = check_books(students)
        if len(storm.paid_numbers) < expected:
            stats.violation(f"only {len(storm.paid_numbers)} of {expected} payments were stormed")
    finally:
        stack.stop()
    audit_code, audit_text = run_audit(env)
    if audit_code != 0:
        stats.violation("manage.py audit reported violations")
    print(audit_text, flush=True)
    print_figures(args, tally, killed, audit_code, time.monotonic() - started)
    return 1 if stats.violations else 0


def run_pool(fn, items, size):
    """Run fn over items with `size` threads; an exception is a violation (the harness goes on)."""
    items = list(items)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not items:
                    return
                item = items.pop(0)
            try:
                fn(item)
            except Exception as exc:  # noqa: BLE001
                stats.violation(f"{getattr(fn, '__name__', 'task')} {item!r}: {exc!r}"[:400])
            finally:
                from django.db import connections

                connections.close_all()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=900)


def print_figures(args, tally, killed, audit_code, seconds):
    total = sum(stats.requests.values())
    by_kind = ", ".join(f"{k} {v}" for k, v in sorted(stats.requests.items()))
    five_xx = sum(v for k, v in stats.statuses.items() if k.split()[-1].startswith("5"))
    duplicates = stats.notify_deliveries - stats.notify_orders
    print("\n===== soak figures =====")
    print(f"duration: {seconds:.0f} s; students {args.students}; orders {sum(tally[k] for k in ('paid', 'cancelled', 'timed out'))} "
          f"(paid {tally['paid']}, cancelled {tally['cancelled']}, timed out {tally['timed out']}, "
          f"of those late payments refunded {tally['late payments refunded']})")
    print(f"requests: {total} ({by_kind})")
    print(f"5xx answers: {five_xx} ({stats.gateway_errors} gateway 502/503 under injected faults); "
          f"connections cut: {stats.connection_errors}; client retries: {stats.retries}")
    print(f"notifies: {stats.notify_orders} payments x 4 at once = {stats.notify_deliveries} deliveries "
          f"({dict(stats.notify_answers)}); duplicates: {duplicates} ours + {stats.sandbox_duplicates} "
          f"from the gateway's duplicate switch + the gateway's own delayed notify per payment")
    faults = ", ".join(f"{k} x{v}" for k, v in sorted(stats.faults.items()))
    print(f"faults injected: {sum(stats.faults.values())} ({faults}); amount mismatches quarantined: "
          f"{tally['amount mismatches quarantined']}")
    if killed:
        print(f"killed worker: pid {killed['pid']} -> replaced by {killed.get('replaced_by')}")
    print(f"audit: exit {audit_code}")
    print(f"violations: {len(stats.violations)}")
    for line in stats.violations[:30]:
        print(f"  - {line}")
    print(f"soak: {'PASS' if not stats.violations else 'FAIL'}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
