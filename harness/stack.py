"""The production stack a harness runs on this machine: its environment, its own MariaDB database and Redis db
made fresh, and gunicorn / Celery started in process groups of their own and stopped cleanly on any exit.

Everything is on 127.0.0.1; a harness stops only what it started (each process is the leader of its own group,
so a worker whose master died is still found and stopped)."""
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Derived from SITE_URL / VAR_DIR by the settings: a harness's stack must never inherit them from the shell.
DERIVED = ("ALIPAY_GATEWAY", "ALIPAY_NOTIFY_URL", "ALIPAY_RETURN_URL", "ALIPAY_APP_PRIVATE_KEY_FILE",
           "ALIPAY_PUBLIC_KEY_FILE", "KEYS_DIR", "SANDBOX_PRIVATE_KEY_FILE", "SANDBOX_APP_PUBLIC_KEY_FILE",
           "ALIPAY_SELLER_ID", "CELERY_TASK_ALWAYS_EAGER")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_call(port: int, method: str, path: str, body=None, headers=None, timeout=10.0,
              host: str = "127.0.0.1") -> tuple[int, bytes]:
    """One plain HTTP/1.1 request to host:port (a loopback address); (status, body)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def own_urls(name: str, redis_db: int) -> tuple[str, str]:
    """The harness's own database `luffycity_<name>` and Redis db on the servers DATABASE_URL / REDIS_URL name
    (default: the local MariaDB and Redis); <NAME>_DATABASE_URL / <NAME>_REDIS_URL replace them whole."""
    prefix = name.upper()
    return (os.environ.get(f"{prefix}_DATABASE_URL")
            or _on_server("DATABASE_URL", "mysql", "mysql://root@127.0.0.1:3306/luffycity", f"/luffycity_{name}"),
            os.environ.get(f"{prefix}_REDIS_URL")
            or _on_server("REDIS_URL", "redis://", "redis://127.0.0.1:6379/0", f"/{redis_db}"))


def _on_server(variable: str, scheme: str, default: str, path: str) -> str:
    """The server `variable` names (`default` unless it is one of `scheme`), with another database path."""
    base = os.environ.get(variable, "")
    return urlunparse(urlparse(base if base.startswith(scheme) else default)._replace(path=path))


def loopback(url: str, what: str) -> str:
    """`url` itself, or exit: a harness loads and wipes only servers on this machine."""
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK:
        sys.exit(f"{what} must be on 127.0.0.1 (got {host!r})")
    return url


def configure_environment(name: str, port: int, database_url: str, redis_url: str, **extra: str) -> dict:
    """settings.prod on plain-http loopback with the harness's own database and Redis db, plus `extra`; set in
    this process (seeding, signing) and returned for the processes it starts."""
    env = {
        "DJANGO_SETTINGS_MODULE": "luffycityapi.settings.prod",
        "SECRET_KEY": f"{name}-only-secret-key-not-for-production-0123456789abcdefghij",
        "DATABASE_URL": loopback(database_url, f"{name}: the database"),
        "REDIS_URL": loopback(redis_url, f"{name}: Redis"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
        # plain http on loopback: no https redirect, no secure-only cookies, no HSTS
        "SECURE_SSL_REDIRECT": "false", "SECURE_COOKIES": "false", "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        # every client comes from 127.0.0.1: the per-IP throttles would otherwise stop the run
        "THROTTLE_LOGIN": "1000000/min", "THROTTLE_REGISTER": "1000000/min",
        **extra,
    }
    for key in DERIVED:
        os.environ.pop(key, None)
    os.environ.update(env)
    return {**os.environ}


def recreate_database(database_url: str, *, suffix: str) -> None:
    """Drop and create a harness's own MariaDB database, so every run starts from the same empty schema. Only a
    database whose name ends in `suffix` is dropped: a mistyped URL must never cost a real database."""
    url = urlparse(database_url)
    name = url.path.lstrip("/")
    if not name.endswith(suffix):
        sys.exit(f"refusing to drop database {name!r}: a harness database's name must end in {suffix}")
    import MySQLdb  # here: the embedded stack's install has no MySQL driver

    conn = MySQLdb.connect(host=url.hostname or "127.0.0.1", port=url.port or 3306, user=url.username or "root",
                           passwd=url.password or "")
    cur = conn.cursor()
    cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    conn.close()


def prepare(database_url: str, *, suffix: str, collectstatic: bool = False) -> None:
    """A fresh shop for this process and the stack: the database recreated and migrated, the dev keys made, the
    Redis db flushed (configure_environment first)."""
    recreate_database(database_url, suffix=suffix)
    import django

    django.setup()
    from django.core.management import call_command
    from django_redis import get_redis_connection

    call_command("migrate", verbosity=0, interactive=False)
    with open(os.devnull, "w") as quiet:
        call_command("alipay_keys", stdout=quiet)
        call_command("wechatpay_keys", stdout=quiet)
    if collectstatic:
        call_command("collectstatic", verbosity=0, interactive=False)
    get_redis_connection("default").flushdb()


def exit_on_signals(name: str) -> None:
    """SIGTERM and SIGINT end the harness through its `finally`, which stops the stack."""
    def on_signal(signum, frame):
        print(f"{name}: stopped by signal {signum}", file=sys.stderr, flush=True)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def gunicorn(port: int, workers: int, *options: str) -> list[str]:
    """The command line of gunicorn serving the shop on 127.0.0.1:port."""
    return [str(BIN / "gunicorn"), "luffycityapi.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            *options]


def celery_worker_with_beat(node: str, schedule: Path) -> list[str]:
    """The command line of one Celery worker that also runs beat (2 processes, warnings only)."""
    return [str(BIN / "celery"), "-A", "luffycityapi", "worker", "-B", "--concurrency", "2", "--loglevel", "WARNING",
            "--without-gossip", "--without-mingle", "-n", f"{node}-{os.getpid()}@%h", "-s", str(schedule)]


class Stack:
    """The processes a harness started, each logging to <log_dir>/<name>.log."""

    def __init__(self, env: dict, log_dir: Path):
        self.env, self.log_dir = env, log_dir
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs = []

    def start(self, name: str, cmd: list[str]) -> None:
        """Start `cmd` as the leader of a new session (and so of its own process group)."""
        log = open(self.log_dir / f"{name}.log", "w")
        self.logs.append(log)
        self.procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def wait_ready(self, port: int, ready=lambda: True, timeout=90.0, host: str = "127.0.0.1") -> None:
        """Until host:port's /api/health/ answers 200 and `ready()` holds; exit if a process dies or time runs
        out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise SystemExit(f"{name} exited with {proc.returncode} (see {self.log_dir / (name + '.log')})")
            try:
                if http_call(port, "GET", "/api/health/", timeout=2, host=host)[0] == 200 and ready():
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"the stack on {host}:{port} did not become ready in {timeout:.0f} s")

    def children(self, name: str) -> list[int]:
        """The live child processes of one started process (gunicorn's workers)."""
        pid = self.procs[name].pid
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split() if _alive(int(p))]

    def stop(self) -> None:
        """SIGTERM to each master (it stops its own workers), SIGKILL to its group after 20 s, then to whatever
        is left of the group (a worker orphaned by its master's death)."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _kill_group(proc.pid)
                proc.wait(timeout=5)
            _kill_group(proc.pid)
        for log in self.logs:
            log.close()
        self.procs.clear()


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _alive(pid: int) -> bool:
    try:  # a zombie is dead
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
