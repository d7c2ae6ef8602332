"""`make cluster-soak` (`python -m soak.cluster [--short]`): the soak's scenario through nginx across both nodes of
`make cluster` (harness/cluster.py), while one whole node dies and a Celery worker stops.

The cluster: nginx on 127.0.0.1:$CSOAK_PORT (8816; deploy/'s config) in front of node-a 127.0.0.2 and node-b
127.0.0.3 (:$CSOAK_NODE_PORT, 8817), each gunicorn + Celery worker, one redbeat beat, MariaDB database
`luffycity_csoak` and Redis db 11 (both made fresh), the sandbox gateway on, the minute jobs every --period s.

The load is `make soak`'s (soak/phases.py: students, 4x notifies, returns, polling, cancels and expiries racing
payments, gateway faults), while the chaos thread, paced by the storm's progress:
  1. SIGKILLs node-b whole (its gunicorn master and workers, its Celery worker and pool) mid-storm;
  2. SIGSTOPs node-a's Celery worker, so no worker runs while tasks queue, and SIGCONTs it --stop-seconds later;
  3. restarts node-b (the same command lines);
  4. SIGTERMs node-a's Celery worker with tasks queued (a warm shutdown) and starts it again.
A request that fails is a violation unless it was in flight on node-b when it died (soak/inflight.py); those are
counted and printed. Then every order is checked against the gateway's books, `manage.py audit` must be clean,
each periodic job must have been sent once per period (redbeat's run counts, the workers' logs), and the shop's
counters are scraped from each node's /metrics. Non-zero exit on any violation. Everything it started is stopped
(by process group) on any exit."""
import argparse
import json
import os
import random
import re
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import cluster, stack  # noqa: E402
from harness.seed import soak_shop  # noqa: E402
from soak import phases, shop  # noqa: E402
from soak.books import check_books, run_audit, settle  # noqa: E402
from soak.inflight import InFlight, metric_sums, upstream_retries  # noqa: E402
from soak.report import print_figures  # noqa: E402
from soak.shop import sim, stats  # noqa: E402
from soak.stack import soak_settings  # noqa: E402

LAYOUT = cluster.Layout(name="csoak", redis_db=11, var=ROOT / "var" / "csoak",
                        nginx_port=int(os.environ.get("CSOAK_PORT", "8816")),
                        node_port=int(os.environ.get("CSOAK_NODE_PORT", "8817")), loglevel="INFO")
VICTIM, SURVIVOR = "node-b", "node-a"
MINUTE_JOBS = ("orders.sweep_expired", "payments.retry_pending_refunds", "payments.reconcile_unpaid")
SHOWN_METRICS = ("luffy_alipay_notifies_total", "luffy_fulfilments_total", "luffy_trade_outcomes_total",
                 "luffy_refunds_settled_total")


class Chaos:
    """The node kill and restart and the worker stops, in one thread paced by the storm's progress."""

    def __init__(self, nodes: dict, env: dict, expected_bursts: int, stop_seconds: float, started: float):
        self.nodes, self.env, self.expected, self.stop_seconds = nodes, env, expected_bursts, stop_seconds
        self.t0 = started
        self.storm_over = threading.Event()
        self.events: list[str] = []
        self.stopped_pgid = None
        self.worker_restarts = 0

    def at(self) -> str:
        return f"t+{time.monotonic() - self.t0:.1f}s"

    def note(self, text: str) -> None:
        line = f"{self.at()} {text}"
        self.events.append(line)
        print(f"cluster-soak: {line}", flush=True)

    def wait_progress(self, fraction: float) -> None:
        while stats.bursts_done < self.expected * fraction and not self.storm_over.is_set():
            time.sleep(0.2)

    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # noqa: BLE001 - a failed step is a finding
            stats.violation(f"the chaos thread failed: {exc!r}")
        finally:
            self.resume()

    def _run(self) -> None:
        self.wait_progress(0.25)
        self.kill_node(VICTIM)
        self.wait_progress(0.40)
        self.stop_worker(SURVIVOR)
        time.sleep(self.stop_seconds)
        self.resume()
        self.restart_node(VICTIM)
        self.wait_progress(0.70)
        self.terminate_worker(SURVIVOR)

    def kill_node(self, node: str) -> None:
        """SIGKILL to the node's gunicorn group and Celery worker group at one instant."""
        victim = self.nodes[node]
        groups = [proc.pid for proc in victim.procs.values() if proc.poll() is None]
        before = time.monotonic()
        for pgid in groups:
            os.killpg(pgid, signal.SIGKILL)  # groups this harness started (start_new_session)
        after = time.monotonic()
        shop.outage.killed(before, after)
        stats.faults[f"{node} SIGKILL (gunicorn + Celery worker)"] += 1
        victim.stop()  # reaps them and closes their logs
        self.note(f"SIGKILL {node} (process groups {groups}) at {stats.bursts_done}/{self.expected} bursts")

    def restart_node(self, node: str) -> None:
        self.nodes[node] = cluster.start_node(node, self.env, LAYOUT, restart=1)
        self.nodes[node].wait_ready(LAYOUT.node_port, host=cluster.NODES[node])
        self.note(f"{node} restarted and ready (web.restart1, worker.restart1)")

    def worker(self, node: str):
        name = [n for n in self.nodes[node].procs if n.startswith("worker")][-1]
        return name, self.nodes[node].procs[name]

    def stop_worker(self, node: str) -> None:
        """SIGSTOP the node's Celery worker group: with the other node dead no worker runs, and tasks queue."""
        _, proc = self.worker(node)
        os.killpg(proc.pid, signal.SIGSTOP)
        self.stopped_pgid = proc.pid
        stats.faults[f"{node} Celery worker SIGSTOP"] += 1
        self.note(f"SIGSTOP {node}'s Celery worker ({queue_depth()})")

    def resume(self) -> None:
        if self.stopped_pgid is not None:
            os.killpg(self.stopped_pgid, signal.SIGCONT)
            self.stopped_pgid = None
            self.note(f"SIGCONT {SURVIVOR}'s Celery worker ({queue_depth()})")

    def terminate_worker(self, node: str) -> None:
        """SIGTERM (warm shutdown: running tasks finish, reserved ones go back to the queue), then a new worker."""
        name, proc = self.worker(node)
        depth = queue_depth()
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except Exception:  # noqa: BLE001
            stats.violation(f"{node}'s Celery worker did not stop within 60 s of SIGTERM")
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        stats.faults[f"{node} Celery worker SIGTERM + restart"] += 1
        self.note(f"SIGTERM {node}'s Celery worker ({depth}); it exited {proc.returncode}")
        self.worker_restarts += 1
        self.nodes[node].procs.pop(name)  # stopped and reaped; its log closes with the node's stack
        self.nodes[node].start(f"worker.restart{self.worker_restarts}", cluster.worker_command(node, LAYOUT))
        self.note(f"{node}'s Celery worker started again ({queue_depth()})")


def queue_depth() -> str:
    """Messages waiting in the broker's queue, and those reserved by workers (kombu's `unacked` hash: countdowns
    held until due, tasks prefetched); a killed worker's reservations stay there until the visibility timeout."""
    from django_redis import get_redis_connection

    conn = get_redis_connection("default")
    return f"{conn.llen('celery')} queued, {conn.hlen('unacked')} reserved"


def jobs_per_period(period: float, seconds: float) -> list[str]:
    """Each minute job: redbeat's run count (sent by the one beat) against the periods elapsed, and how many the
    workers received (their logs). Sent more than once per period is a violation."""
    from django_redis import get_redis_connection

    from django.conf import settings

    conn = get_redis_connection("default")
    received = Counter()
    for log in LAYOUT.var.glob("node-*/worker*.log"):
        for line in log.read_text(errors="replace").splitlines():
            found = re.search(r"Task ([\w.]+)\[[^]]+\] received", line)
            if found:
                received[found.group(1)] += 1
    periods = seconds / period
    lines = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if entry["task"] not in MINUTE_JOBS:
            continue
        meta = conn.hget(f"{settings.CELERY_REDBEAT_KEY_PREFIX}{name}", "meta")  # redbeat: prefix + name
        sent = json.loads(meta).get("total_run_count", 0) if meta else 0
        lines.append(f"{name}: sent {sent} in {periods:.1f} periods of {period:.0f} s, received by workers "
                     f"{received[entry['task']]}")
        if sent > periods + 1 or sent < periods - 2:
            stats.violation(f"{name} was sent {sent} times in {periods:.1f} periods (once per period expected)")
    return lines


def scrape_metrics() -> tuple[dict, int]:
    """The shop's counters summed over both nodes (each scraped directly, as Prometheus scrapes every target),
    and the status /metrics gives through nginx from 127.0.0.1."""
    texts = []
    for node, ip in cluster.NODES.items():
        status, body = stack.http_call(LAYOUT.node_port, "GET", "/metrics", host=ip, timeout=10)
        if status != 200:
            stats.violation(f"/metrics on {node}: HTTP {status}")
        texts.append(body.decode())
    through_nginx = stack.http_call(LAYOUT.nginx_port, "GET", "/metrics", timeout=10)[0]
    return metric_sums(texts, SHOWN_METRICS), through_nginx


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--timeout", type=int, default=40, help="ORDER_TIMEOUT_SECONDS of the shop")
    parser.add_argument("--period", type=float, default=10.0, help="PERIODIC_SECONDS: the minute jobs' period")
    parser.add_argument("--runners", type=int, default=4, help="bursts in flight at once")
    parser.add_argument("--stop-seconds", type=float, default=12.0, help="how long a worker stays SIGSTOPped")
    parser.add_argument("--short", action="store_true", help="CI's run: 14 students, 30 s orders")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SOAK_SEED", "2026")))
    args = parser.parse_args()
    if args.short:
        args.students, args.timeout, args.stop_seconds = 14, 30, 8.0
    random.seed(args.seed)
    started = time.monotonic()
    shop.connect(f"http://127.0.0.1:{LAYOUT.nginx_port}")
    shop.outage = InFlight()
    stack.exit_on_signals("cluster-soak")
    nodes: dict = {}
    shared = stack.Stack({}, LAYOUT.var)
    ids: dict = {}
    tally, chaos, env = Counter(), None, None
    jobs, figures, nginx_metrics, retried = [], {}, 0, {"retried": 0, "failed": 0}
    extra = {**soak_settings(args.timeout), "PERIODIC_SECONDS": str(args.period), "LOG_LEVEL": "WARNING"}
    for old_log in ("access.log", "error.log"):  # nginx appends; the figures read this run's lines only
        (LAYOUT.var / "nginx" / old_log).unlink(missing_ok=True)
    try:
        env = cluster.start(nodes, shared, extra, LAYOUT, seed=lambda: ids.update(zip(("courses", "coupons"),
                                                                                      soak_shop())))
        beat_started = time.monotonic()
        sim("reset")
        sim("config", notify_order="after", notify_after_delay_seconds=3)  # our 4 copies land first
        print(f"cluster-soak: {shop.BASE} (nginx) -> node-a, node-b :{LAYOUT.node_port}; database "
              f"luffycity_{LAYOUT.name}, Redis db {LAYOUT.redis_db}; ready after {time.monotonic() - started:.0f}s; "
              f"{args.students} students", flush=True)
        students, first_orders = phases.sign_up(args.students, ids["courses"], ids["coupons"])
        print(f"cluster-soak: phase A done at {time.monotonic() - started:.0f}s ({len(first_orders)} first orders)",
              flush=True)
        chaos = Chaos(nodes, env, args.students * 4, args.stop_seconds, started)
        thread = threading.Thread(target=chaos.run, daemon=True)
        phases.storm(students, first_orders, ids["courses"], args.runners, [thread])
        chaos.storm_over.set()
        thread.join(timeout=180)
        print(f"cluster-soak: storm done at {time.monotonic() - started:.0f}s", flush=True)
        for node, node_stack in nodes.items():  # both nodes serve again, both workers run
            for name, proc in node_stack.procs.items():
                if proc.poll() is not None:
                    stats.violation(f"{node} {name} is not running at the end (exit {proc.returncode})")
        settle(max_wait=args.timeout + 200)
        tally = check_books(students)
        jobs = jobs_per_period(args.period, time.monotonic() - beat_started)
        jobs.append(f"broker at the end: {queue_depth()} (countdowns not yet due, and what the killed "
                    "worker held, back after the visibility timeout; the sweeper covers their orders)")
        figures, nginx_metrics = scrape_metrics()
        retried = upstream_retries((LAYOUT.var / "nginx" / "access.log").read_text(errors="replace").splitlines(),
                                   f"{cluster.NODES[VICTIM]}:{LAYOUT.node_port}")
    finally:
        if chaos is not None:
            chaos.resume()
        cluster.stop(nodes, shared)
    audit_code, audit_text = run_audit(env) if env else (None, "")
    if audit_code != 0:
        stats.violation("manage.py audit reported violations")
    print(audit_text, flush=True)
    print_cluster_figures(chaos, jobs, figures, nginx_metrics, retried)
    print_figures(args, tally, {}, audit_code, time.monotonic() - started, name="cluster-soak")
    return 1 if stats.violations else 0


def print_cluster_figures(chaos: Chaos | None, jobs, figures: dict, nginx_metrics: int, retried: dict) -> None:
    outage = shop.outage
    print("\n===== cluster figures =====")
    for line in chaos.events if chaos else ():
        print(f"chaos: {line}")
    print(f"requests failed in flight on the killed node: {outage.summary()}; unexplained failures: "
          f"{len(outage.unexplained)}")
    for failure in outage.unexplained[:10]:
        print(f"  - {failure.line()}")
    print(f"nginx: {retried['retried']} requests passed from a failing node to the other (proxy_next_upstream), "
          f"{retried['failed']} answered 502 by nginx itself (the failures above, and the nodes' own calls to the sandbox "
          "gateway, which go through nginx too)")
    for line in jobs:
        print(f"job runs: {line}")
    print(f"/metrics (both nodes summed; through nginx from 127.0.0.1: HTTP {nginx_metrics}):")
    for name, value in figures.items():
        print(f"  {name} {value:g}")


if __name__ == "__main__":
    sys.exit(main())
