"""The web app as a real subprocess: the gunicorn command `manage.py runshop` starts, on a free 127.0.0.1 port,
against the test database and the test Redis database of whichever stack the suite runs on. Started and stopped
by its own PID, every wait bounded.

Tests using it need committed data (`django_db(transaction=True)`): the subprocess has its own connection."""
import os
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import requests
from django.conf import settings
from django.db import connection

from harness.stack import free_port

ROOT = Path(settings.BASE_DIR)


def test_database_url() -> str:
    """A DATABASE_URL naming the database this test run uses (the test_ one, not the shop's)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"mysql://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"


class WebProcess:
    """One gunicorn master (and its worker) serving the shop; `base` is its URL once started."""

    def __init__(self, log_path: Path, *, settings_module="luffycityapi.settings.test", env=None, unset=(),
                 workers=1, port=None):
        self.log_path, self.settings_module, self.workers = Path(log_path), settings_module, workers
        self.extra_env, self.unset = dict(env or {}), set(unset)
        self.proc: subprocess.Popen | None = None
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k not in self.unset}
        env.update({"DJANGO_SETTINGS_MODULE": self.settings_module, "DATABASE_URL": test_database_url(),
                    # The test Redis database (REDIS_TEST_DB of the embedded server or of REDIS_URL's server).
                    "REDIS_URL": settings.REDIS_URL, "PYTHONUNBUFFERED": "1",
                    # the dev key pairs the suite made (conftest._dev_keys): the app refuses to start without them
                    "KEYS_DIR": str(settings.KEYS_DIR)})
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 30) -> "WebProcess":
        from luffycityapi.core.management.commands.runshop import web_command

        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(web_command(f"127.0.0.1:{self.port}", self.workers), cwd=ROOT,
                                     env=self._env(), stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"the web process exited with {self.proc.returncode}:\n{self.log()}")
            try:
                requests.get(f"{self.base}/api/health/", timeout=5)
                return self
            except (requests.ConnectionError, requests.Timeout):  # a worker may take seconds to load the app
                if time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"the web process did not answer within {timeout}s:\n{self.log()}")
                time.sleep(0.1)

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM to the master by its PID (it stops its workers), then wait; SIGKILL if it does not exit."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._log.close()
        return self.proc.returncode

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
