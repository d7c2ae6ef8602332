"""The shared harness (harness/stack.py): a harness uses only its own database and Redis db on this machine, and
stopping the stack leaves none of its processes behind, not even a worker whose master was killed."""
import signal
import sys
import time

import pytest

from harness import stack


def test_own_urls_keep_the_server_and_name_the_harness_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://root:pw@127.0.0.1:3307/luffycity")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6380/0")
    monkeypatch.delenv("SOAK_DATABASE_URL", raising=False)
    monkeypatch.delenv("SOAK_REDIS_URL", raising=False)
    assert stack.own_urls("soak", 8) == ("mysql://root:pw@127.0.0.1:3307/luffycity_soak", "redis://127.0.0.1:6380/8")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/db.sqlite3")  # the embedded stack: the local MariaDB instead
    monkeypatch.setenv("SOAK_REDIS_URL", "redis://localhost:6379/12")
    assert stack.own_urls("soak", 8) == ("mysql://root@127.0.0.1:3306/luffycity_soak", "redis://localhost:6379/12")


def test_only_loopback_servers_are_used():
    assert stack.loopback("redis://localhost:6379/9", "Redis") == "redis://localhost:6379/9"
    with pytest.raises(SystemExit):
        stack.loopback("mysql://root@db.example.com:3306/luffycity_bench", "the database")


def test_a_harness_database_is_dropped_only_by_its_suffix():
    with pytest.raises(SystemExit, match="refusing to drop"):
        stack.recreate_database("mysql://root@127.0.0.1:3306/luffycity", suffix="_bench")


def _dead(pid: int) -> bool:
    return not stack._alive(pid)


def test_stop_ends_the_masters_and_a_worker_orphaned_by_its_masters_death(tmp_path):
    processes = stack.Stack({}, tmp_path)
    spawn = "import subprocess, time; subprocess.Popen(['sleep', '300']); time.sleep(300)"
    processes.start("web", [sys.executable, "-c", spawn])
    processes.start("calm", [sys.executable, "-c", "import time; time.sleep(300)"])
    deadline = time.monotonic() + 10
    while not processes.children("web") and time.monotonic() < deadline:
        time.sleep(0.05)
    [worker] = processes.children("web")
    master = processes.procs["web"]
    calm = processes.procs["calm"]
    master.send_signal(signal.SIGKILL)  # the master dies; its worker lives on in the master's process group
    master.wait(timeout=5)
    assert not _dead(worker)
    processes.stop()
    deadline = time.monotonic() + 5
    while not _dead(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _dead(worker), "the orphaned worker outlived the stack"
    assert calm.returncode == -signal.SIGTERM, "a live master is asked to stop (SIGTERM), not killed"
    assert processes.procs == {}
