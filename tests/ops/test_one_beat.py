"""Two real beats (processes) against the test Redis: each periodic job is sent exactly once per period, and when
the beat holding redbeat's lock stops, the other takes over without a period sent twice.

The periods are 3 s (PERIODIC_SECONDS); no worker runs, so every message a beat sends stays in the broker's
queue, where the test watches them arrive."""
import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent
PERIOD = 3.0
MINUTE_JOBS = ("orders.sweep_expired", "payments.retry_pending_refunds", "payments.reconcile_unpaid")


def _beat(tmp_path: Path, name: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update({"DJANGO_SETTINGS_MODULE": "luffycityapi.settings.test", "REDIS_URL": settings.REDIS_URL,
                "VAR_DIR": str(settings.VAR_DIR), "PERIODIC_SECONDS": str(PERIOD), "BEAT_MAX_INTERVAL": "0.5",
                "BEAT_LOCK_SECONDS": "10", "CELERY_TASK_ALWAYS_EAGER": "false", "LOG_LEVEL": "INFO",
                "PYTHONUNBUFFERED": "1"})
    log = open(tmp_path / f"{name}.log", "wb")
    return subprocess.Popen([str(Path(sys.executable).parent / "celery"), "-A", "luffycityapi", "beat",
                             "--loglevel", "INFO", "-s", str(tmp_path / f"{name}-schedule")],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


class Queue:
    """The messages the beats sent, by task, with the time each was first seen in the broker's list."""

    def __init__(self, conn):
        self.conn, self.seen, self.sent = conn, set(), defaultdict(list)

    def watch(self, seconds: float, procs=()) -> None:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            for proc in procs:
                assert proc.poll() is None, f"a beat exited with {proc.returncode}"
            now = time.monotonic()
            for raw in self.conn.lrange("celery", 0, -1):
                headers = json.loads(raw)["headers"]
                if headers["id"] not in self.seen:
                    self.seen.add(headers["id"])
                    self.sent[headers["task"]].append(now)
            time.sleep(0.05)


def _log(tmp_path, name):
    return (tmp_path / f"{name}.log").read_text(errors="replace")


def test_two_beats_send_each_job_once_per_period(tmp_path, redis_conn):
    queue = Queue(redis_conn)
    first = _beat(tmp_path, "first")
    second = None
    try:
        deadline = time.monotonic() + 60
        while "Acquired lock" not in _log(tmp_path, "first"):
            assert first.poll() is None and time.monotonic() < deadline, _log(tmp_path, "first")[-3000:]
            time.sleep(0.1)
        second = _beat(tmp_path, "second")
        # The second must be up and waiting for the lock before anything is judged: under CI's load its start-up
        # (Django, Celery) can outlast the watch below, and a handover it joined late would look like a skipped
        # period. Its "Starting..." is logged just before it asks for the lock (celery's beat_init).
        deadline = time.monotonic() + 60
        while "beat: Starting" not in _log(tmp_path, "second"):
            assert time.monotonic() < deadline, _log(tmp_path, "second")[-3000:]
            queue.watch(0.2, [first, second])
        queue.watch(9, [first, second])  # both beats up, the first holding the lock, the second waiting for it
        assert "Acquired lock" not in _log(tmp_path, "second"), "two beats held the lock at once"
        # SIGTERM releases the lock and the second takes over within its retry interval. The broker is watched
        # through the stop as well: a send made while the first was shutting down is stamped when it is made.
        first.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        while "Acquired lock" not in _log(tmp_path, "second") and time.monotonic() < deadline:
            queue.watch(0.2, [second])
        assert "Acquired lock" in _log(tmp_path, "second"), _log(tmp_path, "second")[-3000:]
        queue.watch(8, [second])
    finally:
        _stop(first)
        if second is not None:
            _stop(second)

    for task in MINUTE_JOBS:
        times = queue.sent[task]
        assert 5 <= len(times) <= 8, (task, len(times))  # about 20 s / 3 s, not twice that
        # Period k is [k - 1/5, k + 4/5) periods after the first send (a send may be a little early, or late by a
        # beat's tick or the handover): exactly one send in each, none skipped.
        periods = [int((t - times[0]) / PERIOD + 0.2) for t in times]
        assert periods == list(range(len(times))), (task, [round(t - times[0], 2) for t in times])
    assert len(queue.sent["payments.reconcile_recent"]) <= 1  # the daily job: at most its first run, not one per beat
