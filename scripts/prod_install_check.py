"""The production install, run as an operator would (driven by scripts/prod-install-check.sh, which makes the fresh
virtualenv this runs in: only requirements.txt + requirements-mysql.txt).

    <fresh venv>/bin/python scripts/prod_install_check.py --work <temp dir>

With `settings.prod` and real environment values (a random SECRET_KEY, ALLOWED_HOSTS, SITE_URL, DATABASE_URL,
REDIS_URL, key files from `manage.py alipay_keys`, ALIPAY_SANDBOX=true so the local gateway plays Alipay):
`check --deploy` (clean, at WARNING), migrate, collectstatic, seed_demo; then gunicorn, a Celery worker and Celery
beat as three separate processes on a free loopback port. Over HTTP: register and log in, add a course to the cart,
create an order (the worker must log its expiry task received), get the pay link, pay on the sandbox cashier as a
browser does, and poll the order until it is paid; beat's job must reach the worker. Every process is stopped
(SIGTERM to its process group, then SIGKILL) and no log (web, worker, beat) may hold a traceback. Any failure
exits non-zero naming the step.

The MariaDB database `luffycity_prodcheck` is dropped and created and Redis database 12 flushed: on the servers
DATABASE_URL / REDIS_URL name (default 127.0.0.1), or exactly PRODCHECK_DATABASE_URL / PRODCHECK_REDIS_URL. Logs
go to var/prodcheck/ (kept for reading after a failure)."""
import argparse
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stack import recreate_database  # noqa: E402 - needs ROOT on sys.path; drops only a *_prodcheck name
BIN = Path(sys.executable).parent  # the fresh virtualenv's bin/
LOGS = ROOT / "var" / "prodcheck"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
DB_SUFFIX = "_prodcheck"
PASSWORD = "prodcheck-pass-2026"
STARTED = time.monotonic()


class CheckFailed(Exception):
    pass


def say(text: str) -> None:
    print(f"prod-install-check [{time.monotonic() - STARTED:5.1f}s] {text}", flush=True)


def require(condition, text: str) -> None:
    if not condition:
        raise CheckFailed(text)


# --- where: our own database and Redis db on the configured servers ----------------------------------------------

def check_urls(environ) -> tuple[str, str]:
    """This check's own MariaDB database and Redis db (12), on the servers DATABASE_URL / REDIS_URL name."""
    database = environ.get("PRODCHECK_DATABASE_URL")
    if not database:
        base = environ.get("DATABASE_URL", "")
        base = base if base.startswith("mysql") else "mysql://root@127.0.0.1:3306/luffycity"
        database = urlunparse(urlparse(base)._replace(path="/luffycity" + DB_SUFFIX))
    redis_url = environ.get("PRODCHECK_REDIS_URL")
    if not redis_url:
        base = environ.get("REDIS_URL", "")
        base = base if base.startswith("redis://") else "redis://127.0.0.1:6379/0"
        redis_url = urlunparse(urlparse(base)._replace(path="/12"))
    for url, what in ((database, "database"), (redis_url, "Redis")):
        if (urlparse(url).hostname or "") not in LOOPBACK:
            raise CheckFailed(f"the check's {what} must be on 127.0.0.1: {url}")
    if not urlparse(database).path.lstrip("/").endswith(DB_SUFFIX):
        raise CheckFailed(f"refusing to drop {database}: the check's database name must end in {DB_SUFFIX}")
    if not re.fullmatch(r"/\d+", urlparse(redis_url).path) or urlparse(redis_url).path == "/0":
        raise CheckFailed(f"the check flushes its Redis db: name one other than 0 explicitly ({redis_url})")
    return database, redis_url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stack_environment(work: Path, port: int, database: str, redis_url: str) -> dict:
    """What an operator exports: built from nothing, so no variable of the calling shell leaks in."""
    keys = work / "keys"
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    return {
        **base,
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "luffycityapi.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "VAR_DIR": str(work / "var"),
        "KEYS_DIR": str(keys),
        "ALIPAY_APP_PRIVATE_KEY_FILE": str(keys / "app_private_key.pem"),
        "ALIPAY_PUBLIC_KEY_FILE": str(keys / "sandbox_public_key.pem"),
        "ALIPAY_SANDBOX": "true",
        # The one difference from a deployment behind TLS: this loopback check speaks plain http (and the shop
        # calls the sandbox gateway under SITE_URL), so the redirect to https is off. `check --deploy` runs
        # without it (below), with the redirect on.
        "SECURE_SSL_REDIRECT": "false",
    }


# --- steps ---------------------------------------------------------------------------------------------------------

def manage(env: dict, *args: str, timeout: float = 300) -> str:
    """`python manage.py ...` in the fresh virtualenv; a non-zero exit fails the check with its output."""
    name = args[0]
    try:
        out = subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise CheckFailed(f"manage.py {name} took over {timeout:.0f}s") from exc
    (LOGS / f"manage-{name}.log").write_text(out.stdout + out.stderr)
    if out.returncode != 0:
        raise CheckFailed(f"manage.py {' '.join(args)} exited {out.returncode}:\n{(out.stdout + out.stderr)[-3000:]}")
    return out.stdout + out.stderr


def flush_redis_db(redis_url: str) -> None:
    import redis  # from requirements.txt

    client = redis.Redis.from_url(redis_url)
    client.flushdb()  # this db only, never FLUSHALL
    client.close()


class Processes:
    """gunicorn, the Celery worker and beat, each in its own process group: stopped by its PID, then the group is
    killed."""

    def __init__(self, env: dict):
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}
        self.files = []

    def start(self, name: str, cmd: list[str]) -> None:
        log = open(LOGS / f"{name}.log", "w")
        self.files.append(log)
        self.procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        say(f"started {name} (pid {self.procs[name].pid}): {Path(cmd[0]).name} {' '.join(cmd[1:])}")

    def assert_running(self) -> None:
        for name, proc in self.procs.items():
            require(proc.poll() is None, f"{name} exited with {proc.returncode}:\n{tail(name)}")

    def stop(self) -> None:
        # SIGTERM to each leader only, as an init system stops a service: gunicorn's master and Celery's main
        # process then shut their children down warmly (a SIGTERM to a prefork child is a lost job and a traceback).
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 25
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} ignored SIGTERM for 25 s: SIGKILL")
            signal_group(proc.pid, signal.SIGKILL)  # children left behind by the leader (gunicorn's, Celery's)
            proc.wait(timeout=10)
        for f in self.files:
            f.close()


def signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def tail(name: str, lines: int = 40) -> str:
    path = LOGS / f"{name}.log"
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(f"    {name}| {line}" for line in text.splitlines()[-lines:])


def wait_for(what: str, predicate, procs: Processes, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        procs.assert_running()
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise CheckFailed(f"timed out after {timeout:.0f}s waiting for {what}")


def log_match(name: str, pattern: str):
    path = LOGS / f"{name}.log"
    return re.search(pattern, path.read_text(errors="replace")) if path.exists() else None


# --- over HTTP, as the SPA and a buyer's browser do ------------------------------------------------------------------

class Client:
    def __init__(self, base: str):
        import requests  # from requirements.txt

        self.base = base
        self.http = requests.Session()

    def call(self, method: str, path: str, *, expect: int, token: str = "", **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        url = path if path.startswith("http") else self.base + path
        response = self.http.request(method, url, headers=headers, timeout=30, allow_redirects=False, **kwargs)
        require(response.status_code == expect,
                f"{method} {path} answered {response.status_code}, expected {expect}: {response.text[:500]}")
        return response


def buy_and_pay(client: Client, procs: Processes) -> str:
    mobile = "139" + "".join(secrets.choice("0123456789") for _ in range(8))
    client.call("POST", "/api/users/register/", expect=201,
                json={"mobile": mobile, "password": PASSWORD, "password2": PASSWORD})
    token = client.call("POST", "/api/users/login/", expect=200,
                        json={"username": mobile, "password": PASSWORD}).json()["access"]
    say(f"registered and logged in {mobile}")

    courses = client.call("GET", "/api/courses/", expect=200).json()["results"]
    # a course sold at its price (no discount window), so the order goes through the gateway
    course = next((c for c in courses if not c.get("discount") and float(c["price"]) > 0), None)
    require(course, f"no undiscounted paid course among {[c.get('name') for c in courses]}")
    client.call("POST", "/api/cart/", expect=201, token=token, json={"course_id": course["id"]})
    order = client.call("POST", "/api/orders/", expect=201, token=token,
                        json={"pay_type": 0, "user_coupon_id": -1, "credit": 0}).json()
    number = order["order_number"]
    say(f"order {number} created for {course['name']} ({order['real_price']} yuan)")

    received = wait_for("the worker to receive the order's expiry task (orders.expire)",
                        lambda: log_match("worker", r"Task orders\.expire\[[0-9a-f-]+\] received"), procs, 30)
    say(f"worker: {received.group(0)}")

    link = client.call("GET", f"/api/payments/alipay/{number}/", expect=200, token=token).json()["link"]
    require(link.startswith(client.base + "/sandbox/alipay/gateway.do?"), f"pay link not on the local gateway: {link}")
    cashier = urljoin(client.base, client.call("GET", link, expect=302).headers["Location"])
    page = client.call("GET", cashier, expect=200)
    require('id="cashier-pay"' in page.text, f"the cashier for {number} offers no pay button")
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    require(form_token, "the cashier page has no CSRF token")
    # settings.prod marks the CSRF cookie Secure, which a cookie jar keeps off plain http: send it back the way a
    # browser would over https.
    csrf_cookie = page.cookies.get("csrftoken") or client.http.cookies.get("csrftoken")
    require(csrf_cookie, "the cashier set no csrftoken cookie")
    paid = client.call("POST", f"{cashier}/pay", expect=302, data={"csrfmiddlewaretoken": form_token.group(1)},
                       headers={"Referer": cashier, "Cookie": f"csrftoken={csrf_cookie}"})
    require(paid.headers["Location"].startswith(client.base + "/alipay?"),
            f"the cashier did not return to the shop: {paid.headers['Location']}")
    say(f"paid {number} on the sandbox cashier")

    def order_paid():
        detail = client.call("GET", f"/api/orders/{number}/", expect=200, token=token).json()
        return detail if detail["order_status"] == 1 else None

    detail = wait_for(f"order {number} to be paid (the sandbox's notify)", order_paid, procs, 60)
    owned = client.call("GET", "/api/users/courses/", expect=200, token=token).json()
    owned = owned.get("results", owned) if isinstance(owned, dict) else owned
    require(any(item["course"]["id"] == course["id"] for item in owned), f"course {course['id']} not granted: {owned}")
    say(f"order {number} is paid ({detail['get_order_status_display']}, pay_time {detail.get('pay_time')}) and the "
        f"course is the student's")
    return number


def check_static_and_spa(client: Client) -> None:
    """collectstatic's manifest is what settings.prod serves: the admin's page links hashed names."""
    login = client.call("GET", "/admin/login/", expect=200)
    css = re.search(r'href="(/static/admin/css/[^"]+\.[0-9a-f]{12}\.css)"', login.text)
    require(css, "the admin login page links no hashed stylesheet (collectstatic's manifest)")
    client.call("GET", css.group(1), expect=200)
    dist = ROOT / "frontend" / "dist" / "index.html"
    if dist.exists():
        page = client.call("GET", "/", expect=200)
        require(page.content == dist.read_bytes(), "/ does not serve frontend/dist/index.html")
        for asset in re.findall(r'(?:src|href)="(/assets/[^"]+)"', page.text):
            client.call("GET", asset, expect=200)
        say("static files (hashed, from collectstatic) and the built SPA (index and assets) are served")
    else:
        say("static files (hashed, from collectstatic) are served; no frontend/dist to serve (SPA not built here)")


# --- the run -----------------------------------------------------------------------------------------------------

def run(work: Path, port: int) -> None:
    database, redis_url = check_urls(os.environ)
    env = stack_environment(work, port, database, redis_url)
    say(f"settings.prod, {database}, {redis_url}, SITE_URL {env['SITE_URL']}, venv {BIN.parent}")

    recreate_database(database, suffix=DB_SUFFIX)
    flush_redis_db(redis_url)
    manage(env, "alipay_keys")

    # The production configuration itself (the https redirect on): no warning at all.
    deploy_env = {k: v for k, v in env.items() if k != "SECURE_SSL_REDIRECT"}
    out = manage(deploy_env, "check", "--deploy", "--fail-level", "WARNING")
    require("System check identified no issues" in out, f"check --deploy is not clean:\n{out}")
    say("manage.py check --deploy: no issues")
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(env, "seed_demo")
    say("migrated, collected static files, seeded the demo catalogue")

    procs = Processes(env)
    try:
        procs.start("web", [str(BIN / "gunicorn"), "luffycityapi.wsgi", "-c", "python:luffycityapi.gunicorn_conf",
                            "--bind", f"127.0.0.1:{port}", "--workers", "2"])
        procs.start("worker", [str(BIN / "celery"), "-A", "luffycityapi", "worker", "--loglevel", "INFO",
                               "--concurrency", "2"])
        procs.start("beat", [str(BIN / "celery"), "-A", "luffycityapi", "beat", "--loglevel", "INFO"])
        client = Client(env["SITE_URL"])

        def healthy():
            try:
                return client.http.get(f"{client.base}/api/health/", timeout=2).status_code == 200
            except Exception:  # noqa: BLE001 - not listening yet
                return False

        wait_for("gunicorn to answer /api/health/ with 200", healthy, procs, 60)
        ready = wait_for("the Celery worker to connect and be ready",
                         lambda: log_match("worker", r"\S+@\S+ ready\."), procs, 60)
        connected = log_match("worker", r"Connected to (\S+)")
        say(f"web healthy; worker {ready.group(0)} ({connected.group(0) if connected else 'connected'})")

        buy_and_pay(client, procs)
        check_static_and_spa(client)

        # beat → broker → worker: one of the shop's minutely jobs sent by beat and received by the worker (the
        # sandbox's 10-second job is kept out of INFO: core/logconfig.py), so up to a minute after beat started.
        sent = wait_for("beat to send a due task",
                        lambda: log_match("beat", r"Sending due task \S+ \(((?:orders|payments)\.[\w.]+)\)"),
                        procs, 90)
        task = re.escape(sent.group(1))
        wait_for(f"the worker to receive beat's {sent.group(1)}",
                 lambda: log_match("worker", rf"Task {task}\[[0-9a-f-]+\] received"), procs, 30)
        say(f"beat sent {sent.group(1)} and the worker received it")
        procs.assert_running()
    finally:
        procs.stop()
        say("stopped web, worker and beat")

    for name in ("web", "worker", "beat"):
        text = (LOGS / f"{name}.log").read_text(errors="replace")
        require("Traceback" not in text, f"a traceback in the {name} log:\n{tail(name, 80)}")
        require(not re.search(r"\b(ERROR|CRITICAL)\b", text), f"an error in the {name} log:\n{tail(name, 80)}")
    say("no traceback or error in the web, worker or beat log")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", required=True, type=Path, help="a temp dir for VAR_DIR and keys")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PRODCHECK_PORT") or 0) or None)
    args = parser.parse_args()

    def terminated(signum, frame):
        raise CheckFailed(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, terminated)  # `timeout` in the wrapper: still stop what we started
    LOGS.mkdir(parents=True, exist_ok=True)
    for old in LOGS.glob("*.log"):
        old.unlink()
    try:
        run(args.work, args.port or free_port())
    except CheckFailed as exc:
        print(f"prod-install-check: FAILED: {exc}", file=sys.stderr, flush=True)
        for name in ("web", "worker", "beat"):
            if (LOGS / f"{name}.log").exists():
                print(tail(name, 25), file=sys.stderr)
        print(f"prod-install-check: logs in {LOGS}", file=sys.stderr)
        return 1
    say(f"OK: the production install serves, queues, pays and logs cleanly (logs in {LOGS})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
