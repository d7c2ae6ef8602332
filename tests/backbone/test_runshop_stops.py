"""`make run` stops cleanly on Ctrl-C: the terminal sends SIGINT to the whole foreground process group (make,
runshop, and whatever they started in that group), and nothing the shop started may be left running."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

from . import webproc

pytestmark = pytest.mark.django_db(transaction=True)


def _descendants(pid: int) -> set[int]:
    """Every live process below `pid` (by parent links in /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def test_ctrl_c_stops_web_workers_and_celery(tmp_path):
    port = webproc.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update({"DJANGO_SETTINGS_MODULE": "luffycityapi.settings.dev", "DATABASE_URL": webproc.test_database_url(),
                "REDIS_URL": settings.REDIS_URL, "KEYS_DIR": str(settings.KEYS_DIR), "VAR_DIR": str(tmp_path),
                "PYTHONUNBUFFERED": "1"})
    log = open(tmp_path / "runshop.log", "wb")
    # A session of its own, as a terminal's foreground job has: Ctrl-C is SIGINT to this whole group.
    shop = subprocess.Popen([sys.executable, "manage.py", "runshop", "--no-prepare", "--bind", f"127.0.0.1:{port}",
                             "--workers", "2"], cwd=webproc.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    started = set()
    try:
        deadline = time.monotonic() + 60
        while True:
            assert shop.poll() is None, (tmp_path / "runshop.log").read_text()[-3000:]
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/health/", timeout=5).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or a worker still loading the app (seconds on a slow host)
            assert time.monotonic() < deadline, (tmp_path / "runshop.log").read_text()[-3000:]
            time.sleep(0.2)
        # A browser's idle keep-alive connections, as an open tab leaves them (gthread workers hold them).
        browser = [requests.Session() for _ in range(4)]
        for session in browser:
            assert session.get(f"http://127.0.0.1:{port}/api/courses/", timeout=5).status_code == 200
        time.sleep(2)  # the Celery worker and beat are up too
        started = _descendants(shop.pid)
        assert len(started) >= 4, started  # gunicorn master + 2 workers, celery (+ its pool)

        os.killpg(shop.pid, signal.SIGINT)
        assert shop.wait(timeout=40) == 0, (tmp_path / "runshop.log").read_text()[-3000:]
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = sorted(pid for pid in started if _alive(pid))
        assert not left, f"still running after Ctrl-C: {left}\n" + (tmp_path / "runshop.log").read_text()[-3000:]
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/api/health/", timeout=2)
    finally:
        # The whole group the shop started, not only the PIDs seen so far: a failure before `started` was read
        # must not leave a Celery worker behind to drain the broker that later tests read.
        try:
            os.killpg(shop.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid in started:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        shop.wait(timeout=10)
        log.close()
