"""The faults the soak injects while the storm runs: gateway faults through the sandbox's control API (system
errors, HTTP 500, bad and missing signatures, a gateway slower than the shop's timeout) and one gunicorn worker
killed with SIGKILL, which gunicorn must replace. (Tampered notifies and returns are set per payment, in students.)"""
import os
import random
import signal
import threading
import time

from harness.stack import Stack
from soak.inflight import is_proxy_failure
from soak.shop import sim, stats
from soak.stack import web_workers

FAULT_PLAN = [
    ("alipay.trade.query", "system_error", 3, None), ("alipay.trade.query", "http_500", 2, None),
    ("alipay.trade.query", "bad_signature", 2, None), ("alipay.trade.query", "unsigned_error", 2, None),
    ("alipay.trade.close", "system_error", 2, None), ("alipay.trade.query", "sleep", 1, 4),
    ("alipay.trade.close", "http_500", 1, None), ("alipay.trade.refund", "system_error", 1, None),
    ("alipay.trade.query", "system_error", 3, None),
]


def inject_faults(stop: threading.Event):
    """FAULT_PLAN, one entry every 2 s until the plan ends or `stop` is set, through the sandbox's control API."""
    for method, kind, count, seconds in FAULT_PLAN:
        if stop.wait(2.0):
            return
        body = {"method": method, "kind": kind, "count": count}
        if seconds:
            body["seconds"] = seconds
        answer = sim("faults", **body)
        if answer.status_code == 200:
            stats.faults[f"gateway {kind} on {method}"] += count
        elif not is_proxy_failure(answer.status_code, answer.headers.get("Content-Type", "")):  # else judged by call
            stats.violation(f"the sandbox refused the fault {body}")


def kill_a_worker(stack: Stack, when, killed: dict):
    """Once `when()` holds, SIGKILL one of gunicorn's workers (one this harness's gunicorn started)."""
    while not when():
        time.sleep(0.2)
    workers = web_workers(stack)
    if not workers:
        stats.violation("no gunicorn worker to kill")
        return
    pid = random.choice(workers)
    os.kill(pid, signal.SIGKILL)  # a worker this harness's gunicorn started
    killed["pid"], killed["at"], killed["workers"] = pid, time.monotonic(), workers
    stats.faults["gunicorn worker SIGKILL"] += 1
    print(f"soak: killed gunicorn worker {pid} with SIGKILL", flush=True)


def check_replaced(stack: Stack, workers: int, killed: dict) -> None:
    """gunicorn must have started another worker in place of the killed one (within 30 s)."""
    if not killed:
        stats.violation("the gunicorn worker was never killed")
        return
    deadline = time.monotonic() + 30
    now = web_workers(stack)
    while time.monotonic() < deadline and (len(now) < workers or killed["pid"] in now):
        time.sleep(0.5)
        now = web_workers(stack)
    if stack.procs["gunicorn"].poll() is not None or len(now) < workers or killed["pid"] in now:
        stats.violation(f"gunicorn did not replace worker {killed['pid']} (workers now {now})")
    else:
        killed["replaced_by"] = sorted(set(now) - set(killed["workers"]))
