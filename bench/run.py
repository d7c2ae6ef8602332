#!/usr/bin/env python
"""`make bench`: start the production stack on this machine, seed it, load every hot path with wrk and compare
each with the floor (bench/floor.py) measured in the same run.

    .venv/bin/python bench/run.py [--duration 6] [--only course_list,order_create]

The stack: gunicorn (2 sync workers unless --workers/--threads say otherwise, settings.prod) on a free 127.0.0.1
port, MariaDB database `luffycity_bench` (dropped, created and migrated here), Redis database 9 (flushed here).
Only 127.0.0.1 is loaded, every run is bounded, and the gunicorn this script started is stopped on any exit
(harness/stack.py starts the stack and seeds it; harness/alipay.py signs the notifies).
Results: a table on stdout, bench-results/latest.json and bench-results/latest.png (also kept by timestamp).
Exit status 1 when a target is missed (ratio to the floor; p99 < 100 ms in the open-loop run at half the floor's
throughput, bench/openloop.py; the journey's rate; the growth table, bench/growth.py) or a path answered wrongly."""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import growth, openloop  # noqa: E402 - needs ROOT on sys.path
from harness import stack  # noqa: E402
from harness.alipay import notify_body, notify_params  # noqa: E402
from harness.seed import Pools, bench_shop, create_courses  # noqa: E402

RESULTS = ROOT / "bench-results"
WORK = RESULTS / "work"
LUA = ROOT / "bench" / "lua" / "replay.lua"

CONNECTIONS = 32
# Each path is also measured at 2 connections per worker, where almost nothing waits in gunicorn's queue: at 32
# closed-loop connections the mean latency is 32 / throughput whatever the code does (Little's law), so this
# column shows how long a request itself takes. Reported, not judged: the targets are read at CONNECTIONS.
CALM_CONNECTIONS = 4
WRK_THREADS = 2
# Latency is judged in an open loop (issue #19): each path paced at OPEN_LOOP_SHARE of the floor's throughput
# measured beside it, its p99 from each request's due time. The closed loop's p99 at 32 connections is reported
# only: there Little's law sets it (mean latency = 32 / throughput).
P99_LIMIT_MS = 100.0
OPEN_LOOP_SHARE = 0.5
# Above the fastest floor seen on this kind of host (slices of 1,249 req/s on 2026-12-04, 1,437 on 2026-12-05):
# distinct paths are seeded for an open loop at OPEN_LOOP_SHARE of it. 14,000 fixed orders ran out on 12-04 (3,352
# needed, 2,640 prepared), and seeding for 1,400 ran out on 12-05 (4,204 needed, 4,200 prepared).
FASTEST_FLOOR_RPS = 1700
# The journey before Argon2 (2026-12-02's run: PBKDF2 at 1,000,000 iterations): 3.5 journeys/s beside a floor of
# 380 req/s. Target: JOURNEY_GAIN times that many journeys per floor request per second, on the same run's floor.
JOURNEY_BASELINE_PER_FLOOR_RPS = 3.5 / 380
JOURNEY_GAIN = 3.0
PASSWORD = "bench-pass-2026"
# Minimum throughput as a share of the floor's (issue #7). The journey has no ratio: it is a mix of steps.
TARGETS = {
    "course_list": 0.8, "course_detail": 0.8, "cart_add": 0.8, "cart_list": 0.8, "order_quote": 0.5,
    "order_create": 0.25, "pay_link": 0.5, "notify_distinct": 0.3, "notify_duplicate": 0.8, "poll_paid": 0.8,
}
LABELS = {
    "floor": "floor (auth + 1 indexed read + 1 Redis read)", "course_list": "GET /api/courses/",
    "course_detail": "GET /api/courses/<id>/", "cart_add": "POST /api/cart/", "cart_list": "GET /api/cart/",
    "order_quote": "POST /api/orders/quote/", "order_create": "POST /api/orders/",
    "pay_link": "GET /api/payments/alipay/<no>/", "notify_distinct": "notify, distinct orders",
    "create_bound": "bound: a create's statements, raw", "notify_bound": "bound: a first notify's statements, raw",
    "create_batched_bound": "bound: a create's statements in 2 round trips",
    "notify_duplicate": "notify, duplicates of paid orders", "poll_paid": "GET .../alipay/query/<no>/ (paid)",
    "journey": "journey login→cart→order→link→notify→query",
}

# --- the stack's environment -----------------------------------------------------------------------------------


def configure_environment(port: int, database_url: str, redis_url: str) -> dict:
    """The same variables for this process (seeding, signing tokens) and for gunicorn."""
    # The poll's per-student throttle (60/min) is not what is measured: 200 students poll for the whole run.
    return stack.configure_environment("bench", port, database_url, redis_url, ALIPAY_SANDBOX="false",
                                       BENCH_ENDPOINTS="true", JWT_ACCESS_MINUTES="120",
                                       THROTTLE_PAYMENT_QUERY="1000000/min")


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: apt-get install -y wrk", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, stdout=subprocess.DEVNULL)
        if subprocess.run(["sh", "-c", "command -v wrk"], stdout=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], check=False, stdout=subprocess.DEVNULL)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
        path = shutil.which("wrk")
    if not path:
        sys.exit("bench: wrk is not installed (Debian: apt-get install wrk)")
    return path


JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


def request_files(pools: Pools) -> dict:
    """One wrk request file per path: (file, distinct, expected statuses, expected body)."""
    WORK.mkdir(parents=True, exist_ok=True)
    courses = pools.courses

    def write(name, rows):
        path = WORK / f"{name}.tsv"
        with path.open("w") as f:
            for method, url, ctype, token, body in rows:
                assert "\t" not in body and "\n" not in body
                f.write(f"{method}\t{url}\t{ctype}\t{token}\t{body}\n")
        return path

    checkout = json.dumps({"pay_type": 0, "user_coupon_id": -1, "credit": 0})

    def bound_courses(i: int) -> str:  # the courses in the i-th bound student's cart, as ?courses= takes them
        return ",".join(str(c.id) for c in create_courses(courses, i))
    files = {
        "floor": (write("floor", [("GET", f"/api/bench/floor/?course_id={courses[i % 60].id}", "", t, "")
                                  for i, t in enumerate(pools.base_tokens)]), False, "200", ""),
        "course_list": (write("course_list", [("GET", f"/api/courses/?page={p}", "", "", "")
                                              for p in (1, 1, 2, 3, 4, 5, 6)]), False, "200", ""),
        "course_detail": (write("course_detail", [("GET", f"/api/courses/{c.id}/", "", "", "") for c in courses]),
                          False, "200", ""),
        "cart_add": (write("cart_add", [("POST", "/api/cart/", JSON_TYPE, t, json.dumps({"course_id": courses[
            30 + (i + k) % 30].id})) for k in range(5) for i, t in enumerate(pools.cart_tokens)]), False, "201", ""),
        "cart_list": (write("cart_list", [("GET", "/api/cart/", "", t, "") for t in pools.base_tokens]),
                      False, "200", ""),
        "order_quote": (write("order_quote", [("POST", "/api/orders/quote/", JSON_TYPE, t, checkout)
                                              for t in pools.create_tokens[:300]]), False, "200", ""),
        "order_create": (write("order_create", [("POST", "/api/orders/", JSON_TYPE, t, checkout)
                                                for t in pools.create_tokens]), True, "201", ""),
        "create_bound": (write("create_bound", [
            ("POST", f"/api/bench/bounds/create/?courses={bound_courses(i)}", JSON_TYPE, t, "{}")
            for i, t in enumerate(pools.bound_create_tokens)]), True, "201", ""),
        "create_batched_bound": (write("create_batched_bound", [
            ("POST", f"/api/bench/bounds/create-batched/?courses={bound_courses(i)}", JSON_TYPE, t, "{}")
            for i, t in enumerate(pools.batched_bound_tokens)]), True, "201", ""),
        "pay_link": (write("pay_link", [("GET", f"/api/payments/alipay/{no}/", "", t, "")
                                        for t, no in pools.unpaid_link]), False, "200", ""),
        "notify_distinct": (write("notify_distinct", [
            ("POST", "/api/payments/alipay/notify", FORM_TYPE, "",
             notify_body(notify_params(no, amount, trade_no=f"2026N{no[2:]}"))) for no, amount in pools.unpaid_notify]),
            True, "200", "success"),
        "notify_bound": (write("notify_bound", [
            ("POST", "/api/bench/bounds/notify/", FORM_TYPE, "",
             notify_body(notify_params(no, amount, trade_no=f"2026B{no[2:]}")))
            for no, amount in pools.unpaid_bound]),
            True, "200", "success"),
        "notify_duplicate": (write("notify_duplicate", [
            ("POST", "/api/payments/alipay/notify", FORM_TYPE, "",
             notify_body(notify_params(no, amount, trade_no=f"2026BP{no[2:]:0>10}"))) for _, no, amount in pools.paid]),
            False, "200", "success"),
        "poll_paid": (write("poll_paid", [("GET", f"/api/payments/alipay/query/{no}/", "", t, "")
                                          for t, no, _ in pools.paid]), False, "200", ""),
    }
    return files


WARM_SECONDS = 1
WARM_LINES = 800  # set apart from a distinct path's requests: a warm-up must not spend the measured run's orders
# Each path is measured in ROUNDS slices, every slice between two slices of the floor (F P F P F P F). This
# machine's speed drifts by tens of percent within seconds (a shared host); a path and its reference measured
# seconds apart could differ by that much, while slices interleaved this way share the drift.
ROUNDS = 3


# Besides its slices, a distinct path's prepared requests are shared by three runs: the calm run, the judged open
# loop and the reported open loop at half the path's own throughput.
PARTS = ROUNDS + 3


def measured_specs(files: dict) -> tuple[dict, dict, dict, dict, dict]:
    """What warms each path before it is measured, what each of its ROUNDS slices sends, and what its run at
    CALM_CONNECTIONS and its two open-loop runs send. A path whose requests must be distinct (a new order, a first
    notify) is split: its last WARM_LINES into a warm-up file, the rest into one file per slice, one for the calm run
    and one for each open-loop run, so no request is sent twice in a run."""
    warm_specs, slice_specs, calm_specs, open_specs, own_specs = {}, {}, {}, {}, {}
    for name, (path, distinct, statuses, body) in files.items():
        if not distinct:
            warm_specs[name] = calm_specs[name] = open_specs[name] = own_specs[name] = (path, False, statuses, body)
            slice_specs[name] = [(path, False, statuses, body)] * ROUNDS
            continue
        lines = path.read_text().splitlines(keepends=True)
        warm = path.with_name(f"{path.stem}.warm.tsv")
        warm.write_text("".join(lines[-WARM_LINES:]))
        warm_specs[name] = (warm, True, statuses, body)
        measured = lines[:-WARM_LINES]
        chunk = len(measured) // PARTS
        parts = []
        for r in range(PARTS):
            part = path.with_name(f"{path.stem}.{r}.tsv")
            part.write_text("".join(measured[r * chunk:(r + 1) * chunk]))
            parts.append((part, True, statuses, body))
        slice_specs[name], (calm_specs[name], open_specs[name], own_specs[name]) = parts[:ROUNDS], parts[ROUNDS:]
    return warm_specs, slice_specs, calm_specs, open_specs, own_specs


# --- the server ----------------------------------------------------------------------------------------------

def drain(port: int) -> None:
    """Wait until both workers have worked off what a finished wrk run left queued (wrk stops on time, but up to
    32 requests it sent are still in the listen queue): the next run must not pay for them. The queue is first
    in, first out, so a health check answered means what was queued before it has been taken."""
    for _ in range(2):
        http_call(port, "GET", "/api/health/", timeout=30)
    time.sleep(0.1)


http_call = stack.http_call


# --- load ----------------------------------------------------------------------------------------------------

def run_wrk(wrk: str, port: int, name: str, spec, duration: float, connections: int = CONNECTIONS) -> dict:
    path, distinct, statuses, body = spec
    env = {**os.environ, "BENCH_REQUESTS": str(path), "BENCH_THREADS": str(WRK_THREADS),
           "BENCH_DISTINCT": "1" if distinct else "0", "BENCH_EXPECT_STATUS": statuses, "BENCH_EXPECT_BODY": body}
    cmd = [wrk, f"-t{WRK_THREADS}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "5s", "-s", str(LUA),
           f"http://127.0.0.1:{port}"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 60)
    line = next((l for l in out.stdout.splitlines() if l.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"bench: wrk gave no result for {name}:\n{out.stdout}\n{out.stderr}")
    raw = json.loads(line[len("BENCH_JSON "):])
    seconds = raw["duration_us"] / 1e6
    problems = []
    if raw["bad"]:
        problems.append(f"{raw['bad']} unexpected answers, e.g. {raw['sample']!r}")
    if raw["connect_errors"] or raw["read_errors"] or raw["write_errors"] or raw["timeouts"]:
        problems.append("socket errors/timeouts: " + ", ".join(
            f"{k}={raw[k]}" for k in ("connect_errors", "read_errors", "write_errors", "timeouts") if raw[k]))
    if distinct and raw["wraps"]:
        problems.append(f"ran out of distinct requests ({raw['lines']} prepared): seed more")
    return {"name": name, "requests": raw["requests"], "good": raw["good"], "seconds": round(seconds, 2),
            "rps": round(raw["good"] / seconds, 1), "p50_ms": raw["p50_us"] / 1000, "p90_ms": raw["p90_us"] / 1000,
            "p99_ms": raw["p99_us"] / 1000, "max_ms": raw["max_us"] / 1000, "problems": problems,
            "tool": "wrk", "connections": connections, "quantiles_us": raw["quantiles_us"]}


def run_open(port: int, spec, rate: float, seconds: float) -> dict:
    """The open-loop run of one path at `rate` requests/s (bench/openloop.py): its requests from the path's file;
    a distinct path that has fewer prepared requests than the run needs is shortened and fails."""
    path, distinct, statuses, body = spec
    rows = [line.rstrip("\n").split("\t") for line in path.read_text().splitlines(keepends=True)]
    requests = [openloop.raw_request(port, *row) for row in rows]
    problems = []
    if distinct and len(requests) < rate * seconds:
        problems.append(f"open loop: only {len(requests)} distinct requests for {rate * seconds:.0f}: seed more")
        seconds = len(requests) / rate
    row = openloop.run(port, requests, rate, seconds, {int(s) for s in statuses.split(",")},
                       body.encode() if body else None)
    row["problems"] = problems + row["problems"]
    return row


def merge_slices(name: str, slices: list[dict]) -> dict:
    """One row from several wrk runs of one path: throughput over their summed time, and percentiles of their
    pooled latencies (each run's latency at every 0.1 % stands for a thousandth of its requests)."""
    good = sum(s["good"] for s in slices)
    seconds = sum(s["seconds"] for s in slices)
    pooled = sorted((q, s["requests"] / len(s["quantiles_us"])) for s in slices for q in s["quantiles_us"])
    total = sum(weight for _, weight in pooled)

    def percentile(p: float) -> float:
        reached = 0.0
        for value, weight in pooled:
            reached += weight
            if reached >= total * p / 100 - 1e-9:
                return value / 1000
        return pooled[-1][0] / 1000 if pooled else 0.0

    return {"name": name, "requests": sum(s["requests"] for s in slices), "good": good,
            "seconds": round(seconds, 2), "rps": round(good / seconds, 1) if seconds else 0.0,
            "p50_ms": percentile(50), "p90_ms": percentile(90), "p99_ms": percentile(99),
            "max_ms": max(s["max_ms"] for s in slices), "problems": sorted({p for s in slices for p in s["problems"]}),
            "tool": "wrk", "connections": CONNECTIONS, "slices_rps": [s["rps"] for s in slices]}


def run_journey(port: int, pools: Pools, duration: float) -> dict:
    """login → cart add → order → pay link → notify → query, by 32 concurrent users, each journey a new user.
    Driven from Python, not wrk: the notify must be RSA-signed for an order number that exists only once the
    order is created, and wrk's Lua cannot sign."""
    users = iter(pools.journey)
    # courses without a discount window (every 4th has one, some of them free: a 0.00 order needs no payment)
    course_ids = [c.id for i, c in enumerate(pools.courses) if i >= 40 and i % 4]
    lock = threading.Lock()
    steps = {k: [] for k in ("login", "cart_add", "order_create", "pay_link", "notify", "query")}
    journeys, failures = [], []
    stop_at = time.monotonic() + duration

    def timed(step, method, path, body=None, headers=None):
        t = time.perf_counter()
        status, content = http_call(port, method, path, body, headers)
        elapsed = (time.perf_counter() - t) * 1000
        with lock:
            steps[step].append(elapsed)
        return status, content

    def journey(user, n):
        t0 = time.perf_counter()
        status, content = timed("login", "POST", "/api/users/login/",
                                json.dumps({"username": user.mobile, "password": PASSWORD}), {"Content-Type": JSON_TYPE})
        assert status == 200, (status, content[:200])
        auth = {"Authorization": f"Bearer {json.loads(content)['access']}", "Content-Type": JSON_TYPE}
        status, content = timed("cart_add", "POST", "/api/cart/",
                                json.dumps({"course_id": course_ids[n % len(course_ids)]}), auth)
        assert status == 201, (status, content[:200])
        status, content = timed("order_create", "POST", "/api/orders/",
                                json.dumps({"pay_type": 0, "user_coupon_id": -1, "credit": 0}), auth)
        assert status == 201, (status, content[:200])
        order = json.loads(content)
        status, content = timed("pay_link", "GET", f"/api/payments/alipay/{order['order_number']}/", None, auth)
        assert status == 200 and json.loads(content)["link"], (status, content[:200])
        number, amount = order["order_number"], Decimal(order["real_price"])
        body = notify_body(notify_params(number, amount, trade_no=f"2026J{n:012d}"))
        status, content = timed("notify", "POST", "/api/payments/alipay/notify", body, {"Content-Type": FORM_TYPE})
        assert status == 200 and content == b"success", (status, content[:200])
        status, content = timed("query", "GET", f"/api/payments/alipay/query/{order['order_number']}/", None, auth)
        assert status == 200 and json.loads(content)["order_status"] == 1, (status, content[:200])
        return (time.perf_counter() - t0) * 1000

    def worker():
        while time.monotonic() < stop_at:
            with lock:
                user = next(users, None)
                n = len(journeys) + len(failures) + 1000 * len(steps["login"])
            if user is None:
                with lock:
                    failures.append("ran out of journey users")
                return
            try:
                elapsed = journey(user, n)
            except (AssertionError, OSError, KeyError, ValueError) as exc:
                with lock:
                    failures.append(repr(exc)[:300])
                continue
            with lock:
                journeys.append(elapsed)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 60)
    seconds = time.monotonic() - started
    n_requests = sum(len(v) for v in steps.values())
    return {"name": "journey", "requests": n_requests, "good": n_requests, "seconds": round(seconds, 2),
            "rps": round(n_requests / seconds, 1), "journeys_per_s": round(len(journeys) / seconds, 2),
            "journeys": len(journeys), "p50_ms": pct(journeys, 50), "p90_ms": pct(journeys, 90),
            "p99_ms": pct(journeys, 99), "max_ms": max(journeys, default=0.0),
            "steps": {k: {"n": len(v), "p50_ms": pct(v, 50), "p99_ms": pct(v, 99)} for k, v in steps.items()},
            "problems": sorted(set(failures))[:5], "tool": "python threads", "connections": CONNECTIONS}


def hash_cost(pools: Pools) -> dict:
    """The production hasher list (settings.prod's PASSWORD_HASHERS, never the tests' fast one) and what one
    login's password check costs with it: the bench users' stored hash must be made by the first hasher."""
    from django.conf import settings
    from django.contrib.auth.hashers import check_password, get_hashers, identify_hasher

    if settings.SETTINGS_MODULE != "luffycityapi.settings.prod":
        raise SystemExit(f"bench: runs on settings.prod, not {settings.SETTINGS_MODULE}")
    encoded = pools.journey[0].password
    algorithm = identify_hasher(encoded).algorithm
    if algorithm != get_hashers()[0].algorithm:
        raise SystemExit(f"bench: users hashed with {algorithm}, the first hasher is {get_hashers()[0].algorithm}")
    times = []
    for _ in range(5):
        t = time.perf_counter()
        assert check_password(PASSWORD, encoded)
        times.append((time.perf_counter() - t) * 1000)
    return {"algorithm": algorithm, "hash_ms": round(sorted(times)[2], 1), "samples": len(times)}


def pct(values, p) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))], 2)


# --- report --------------------------------------------------------------------------------------------------

def evaluate(results: dict) -> list[str]:
    """Each path's ratio is to the floor slices measured beside it (see ROUNDS); the floor's row pools them all."""
    missed = []
    for name, row in results.items():
        if name == "floor":
            row["ratio"] = 1.0
        elif name != "journey":
            row["ratio"] = round(row["rps"] / row["floor_rps"], 3) if row["floor_rps"] else 0.0
        target = TARGETS.get(name)
        row["target_ratio"] = target
        row["verdicts"] = []
        if target is not None and row["ratio"] < target:
            # shown rounded down: 0.298 is "0.29 < 0.3", not "0.30 < 0.3"
            row["verdicts"].append(f"ratio {math.floor(row['ratio'] * 100) / 100:.2f} < {target}")
        opened = row.get("open_loop")
        if opened and name != "floor":
            if opened["p99_ms"] >= P99_LIMIT_MS and name not in BOUNDS:  # a bound's latency is reported only
                # Say when the rate is more than the path served at all: then no p99 could be met (a queue
                # grows for the whole run), and the miss is capacity, not a slow request.
                over = (f" (above the {row['rps']:.0f} req/s it served at {CONNECTIONS} connections" +
                        _own_share(row.get("open_loop_own")) + ")" if opened["rate"] > row["rps"] else "")
                row["verdicts"].append(f"open-loop p99 {opened['p99_ms']:.1f} ms >= {P99_LIMIT_MS:.0f} at "
                                       f"{opened['rate']:.0f} req/s{over}")
            row["verdicts"] += opened["problems"]
        if name == "journey" and row.get("floor_rps"):
            need = journey_target(row["floor_rps"])
            row["target_journeys_per_s"] = need
            if row["journeys_per_s"] < need:
                row["verdicts"].append(f"{row['journeys_per_s']:.2f} journeys/s < {need:.2f} "
                                       f"({JOURNEY_GAIN:.0f}× PBKDF2's at a floor of {row['floor_rps']:.0f} req/s)")
        row["verdicts"] += row["problems"]
        # a wrong answer in the calm run fails the path like any other
        row["verdicts"] += [f"at {CALM_CONNECTIONS} connections: {p}" for p in row.get("calm", {}).get("problems", [])]
        if row["verdicts"]:
            missed.append(f"{name}: " + "; ".join(row["verdicts"]))
    return missed


def _own_share(own: dict | None) -> str:
    """The reported open loop at a share of the path's own throughput, as a verdict's aside."""
    if not own:
        return ""
    return (f"; at {OPEN_LOOP_SHARE:.0%} of that, {own['rate']:.0f} req/s, its p99 was {own['p99_ms']:.1f} ms"
            + (f", {'; '.join(own['problems'])}" if own["problems"] else ""))


def journey_target(floor_rps: float) -> float:
    """Journeys per second the journey must reach beside a floor of `floor_rps` (JOURNEY_GAIN × the baseline)."""
    return round(JOURNEY_GAIN * JOURNEY_BASELINE_PER_FLOOR_RPS * floor_rps, 2)


def table(results: dict) -> str:
    lines = [f"| path | req/s | p50 ms | p99 ms | p99 ms at {CALM_CONNECTIONS} conn. | floor beside it, req/s | "
             "ratio to floor | target | open loop req/s | open p50 ms | open p99 ms | open p99.9 ms | ok |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|"]
    for name, row in results.items():
        ratio = "" if name == "journey" else f"{row['ratio']:.2f}"
        beside = f"{row['floor_rps']:.0f}" if row.get("floor_rps") else ""
        target = f"≥ {row['target_ratio']}" if row.get("target_ratio") else ""
        rps = f"{row['rps']:.0f}"
        if name == "journey":
            rps += f" ({row['journeys_per_s']:.1f} journeys/s)"
            target = f"≥ {row['target_journeys_per_s']:.1f} journeys/s" if row.get("target_journeys_per_s") else ""
        calm_p99 = f"{row['calm']['p99_ms']:.1f}" if row.get("calm") else ""
        o = row.get("open_loop")
        opened = (f"{o['rate']:.0f} | {o['p50_ms']:.1f} | {o['p99_ms']:.1f} | {o['p999_ms']:.1f}" if o
                  else " |  |  | ")
        ok = "✗" if row["verdicts"] else "✓"
        if name in BOUNDS and not row["verdicts"]:
            # A bound is reported only, but a bare ✓ beside an open-loop p99 of seconds read as a pass: show, in
            # parentheses, what its open loop would get if it were judged.
            ok = "(✗)" if o and o["p99_ms"] >= P99_LIMIT_MS else "(✓)"
        lines.append(f"| {LABELS.get(name, name)} | {rps} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {calm_p99} | "
                     f"{beside} | {ratio} | {target} | {opened} | {ok} |")
    if any(name in BOUNDS for name in results):
        lines += ["", "A bound's ok in parentheses is what its open loop would get; bounds are reported, not judged."]
    own = [(name, row["open_loop_own"]) for name, row in results.items() if row.get("open_loop_own")]
    if own:
        lines += ["", f"Reported, not judged: the open loop at {OPEN_LOOP_SHARE:.0%} of the path's own throughput, for "
                      "each path judged at a rate above what it served at all:"]
        lines += [f"- {LABELS.get(name, name)}: {o['rate']:.0f} req/s, p50 {o['p50_ms']:.1f} ms, p99 {o['p99_ms']:.1f} "
                  f"ms, p99.9 {o['p999_ms']:.1f} ms" + (f" ({'; '.join(o['problems'])})" if o["problems"] else "")
                  for name, o in own]
    return "\n".join(lines)


def chart(results: dict, path: Path, server: str) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench: matplotlib is not installed (pip install -r requirements-bench.txt); no chart", flush=True)
        return False
    names = [n for n in results if n != "journey"]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 8), sharex=True)
    rps = [results[n]["rps"] for n in names]
    colors = ["#888888" if n == "floor" else ("#c0392b" if results[n]["verdicts"] else "#2e86c1") for n in names]
    top.bar(names, rps, color=colors)
    floor = results["floor"]["rps"]
    top.axhline(floor, color="#555555", linestyle="--", linewidth=1)
    for i, n in enumerate(names):
        top.text(i, rps[i], f"{results[n]['ratio']:.2f}", ha="center", va="bottom", fontsize=8)
        if TARGETS.get(n):
            top.hlines(results[n]["floor_rps"] * TARGETS[n], i - 0.4, i + 0.4, color="#e67e22", linewidth=2)
    top.set_ylabel("req/s (label: ratio to the floor beside it; orange: target)")
    top.set_title(f"luffycity bench — gunicorn {server}, {CONNECTIONS} connections, "
                  f"{datetime.now():%Y-%m-%d %H:%M}")
    bottom.bar([i - 0.27 for i in range(len(names))], [results[n]["p99_ms"] for n in names], width=0.27,
               label=f"p99 at {CONNECTIONS} connections (closed loop, reported)")
    bottom.bar(list(range(len(names))), [results[n].get("calm", {}).get("p99_ms", 0) for n in names],
               width=0.27, label=f"p99 at {CALM_CONNECTIONS} connections")
    bottom.bar([i + 0.27 for i in range(len(names))], [results[n].get("open_loop", {}).get("p99_ms", 0)
                                                        for n in names], width=0.27,
               label=f"open-loop p99 at {OPEN_LOOP_SHARE:.0%} of the floor (judged)")
    bottom.axhline(P99_LIMIT_MS, color="#c0392b", linestyle="--", linewidth=1, label="p99 limit (open loop)")
    bottom.set_ylabel("latency ms")
    bottom.legend()
    bottom.set_xticks(range(len(names)))
    bottom.set_xticklabels(names, rotation=30, ha="right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


# --- main ----------------------------------------------------------------------------------------------------

ORDER = ["floor", "course_list", "course_detail", "cart_add", "cart_list", "order_quote", "order_create",
         "create_bound", "create_batched_bound", "pay_link", "notify_distinct", "notify_bound", "notify_duplicate",
         "poll_paid", "journey"]
# Each bound (bench/bounds.py) runs beside the path whose work it repeats raw: measured and reported, never judged.
BOUNDS = {"create_bound": "order_create", "create_batched_bound": "order_create", "notify_bound": "notify_distinct"}
# Run only when --only names them: an experiment's question, answered once, need not cost every run its time.
ON_REQUEST = {"create_batched_bound"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", "6")),
                        help="seconds of load per path (default 6)")
    parser.add_argument("--only", default="", help="comma-separated paths (the floor always runs)")
    parser.add_argument("--growth-orders", type=int, default=int(os.environ.get("BENCH_GROWTH_ORDERS", "1000000")),
                        help="orders in the growth table's large database (default 1,000,000); 0 skips the "
                             "growth phase")
    database_url, redis_url = stack.own_urls("bench", 9)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "2")),
                        help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_WORKER_THREADS", "1")),
                        help="threads per worker: 1 is the sync worker class, more is gthread (default 1)")
    parser.add_argument("--database-url", default=database_url)
    parser.add_argument("--redis-url", default=redis_url)
    args = parser.parse_args()
    only = args.only.split(",")
    wanted = [n for n in ORDER if n == "floor" or n in only or (
        n not in ON_REQUEST and (not args.only or BOUNDS.get(n) in only))]

    RESULTS.mkdir(exist_ok=True)
    wrk = ensure_wrk()
    port = stack.free_port()
    env = configure_environment(port, args.database_url, args.redis_url)
    started = time.monotonic()

    print(f"bench: fresh database {urlparse(args.database_url).path.lstrip('/')}, Redis {args.redis_url}", flush=True)
    stack.prepare(args.database_url, suffix="_bench")
    # enough distinct orders and notifies for ROUNDS slices, a calm run and two open-loop runs of each: the split is
    # even (measured_specs), and the judged open loop needs the most, OPEN_LOOP_SHARE of the floor for the whole
    # duration
    distinct = WARM_LINES + PARTS * math.ceil(OPEN_LOOP_SHARE * FASTEST_FLOOR_RPS * args.duration)
    pools = bench_shop(n_create=distinct, n_notify_users=math.ceil(distinct / 20), password=PASSWORD,
                       n_bound_create=distinct if "create_bound" in wanted else 0,
                       n_batched_bound=distinct if "create_batched_bound" in wanted else 0)
    hashing = hash_cost(pools)
    print(f"bench: password hasher {hashing['algorithm']} ({hashing['hash_ms']:.0f} ms per login's check)",
          flush=True)
    files = request_files(pools)
    warm_specs, slice_specs, calm_specs, open_specs, own_specs = measured_specs(files)
    from django.db import connections

    connections.close_all()  # gunicorn's workers get their own; this process only signs from here on
    print(f"bench: seeded in {time.monotonic() - started:.0f} s; starting gunicorn on 127.0.0.1:{port}", flush=True)

    server = stack.Stack(env, RESULTS)
    stack.exit_on_signals("bench")
    results = {}
    try:
        worker_class = ["--worker-class", "sync"] if args.threads == 1 else \
            ["--worker-class", "gthread", "--threads", str(args.threads)]
        server.start("gunicorn", stack.gunicorn(port, args.workers, *worker_class, "--backlog", "2048", "--timeout",
                                                "60", "--log-level", "warning"))
        server.wait_ready(port, timeout=60)
        # warm both workers (imports, connections, the catalogue cache) before anything is measured
        warm = (WORK / "warm.tsv")
        warm.write_text("".join(line for name in ("floor", "course_list", "course_detail", "cart_list", "poll_paid")
                                for line in files[name][0].read_text().splitlines(keepends=True)[:50]))
        run_wrk(wrk, port, "warm", (warm, False, "200", ""), 2)
        drain(port)
        slice_seconds = max(1.0, args.duration / ROUNDS)
        floor_slices = []

        def measure(label, spec, seconds, connections=CONNECTIONS):
            row = run_wrk(wrk, port, label, spec, seconds, connections)
            drain(port)
            return row

        def paced(name, spec, base_rps, base="the floor's"):
            rate = OPEN_LOOP_SHARE * base_rps
            print(f"bench: {name} open loop at {rate:.0f} req/s ({OPEN_LOOP_SHARE:.0%} of {base} throughput) …",
                  flush=True)
            row = run_open(port, spec, rate, args.duration)
            drain(port)
            return row

        def calm(name):
            row = measure(f"{name} at {CALM_CONNECTIONS} connections", calm_specs[name], slice_seconds,
                          CALM_CONNECTIONS)
            return {key: row[key] for key in ("connections", "rps", "p50_ms", "p99_ms", "problems")}

        for name in wanted:
            if name == "floor":
                continue
            print(f"bench: {name} …", flush=True)
            if name == "journey":
                beside = [measure("floor", files["floor"], slice_seconds)]
                results[name] = run_journey(port, pools, args.duration)
                drain(port)
                beside.append(measure("floor", files["floor"], slice_seconds))
                results[name]["floor_rps"] = merge_slices("floor", beside)["rps"]
                results[name]["hashing"] = hashing
                floor_slices += beside
                continue
            # Steady state, not the first second: each path's own first-use costs (its code paths' lazy set-up,
            # the gateway client's keys, a 32-deep queue formed while both workers pay them) are run off
            # unmeasured, as the catalogue's were above.
            measure(f"{name} warm-up", warm_specs[name], WARM_SECONDS)
            beside = [measure("floor", files["floor"], slice_seconds)]
            path_slices = []
            for spec in slice_specs[name]:
                path_slices.append(measure(name, spec, slice_seconds))
                beside.append(measure("floor", files["floor"], slice_seconds))
            results[name] = merge_slices(name, path_slices)
            results[name]["floor_rps"] = merge_slices("floor", beside)["rps"]
            results[name]["calm"] = calm(name)
            results[name]["open_loop"] = paced(name, open_specs[name], results[name]["floor_rps"])
            if results[name]["open_loop"]["rate"] > results[name]["rps"]:
                # Judged at a rate above what the path serves at all, its p99 only says the queue grew; reported
                # beside it: its latency at the same share of its own throughput.
                results[name]["open_loop_own"] = paced(name, own_specs[name], results[name]["rps"], "its own")
            floor_slices += beside
        if not floor_slices:  # --only floor
            floor_slices = [measure("floor", files["floor"], args.duration)]
        floor_row = {**merge_slices("floor", floor_slices), "floor_rps": None, "calm": calm("floor")}
        floor_row["open_loop"] = paced("floor", files["floor"], floor_row["rps"])
        results = {"floor": floor_row, **results}
    finally:
        server.stop()

    missed = evaluate(results)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    report = {"when": datetime.now().isoformat(timespec="seconds"), "duration_s": args.duration,
              "connections": CONNECTIONS, "workers": args.workers, "threads": args.threads, "cpus": os.cpu_count(),
              "database": args.database_url,
              "redis": args.redis_url, "results": results, "growth": [], "missed": missed,
              "total_seconds": round(time.monotonic() - started, 1)}

    def save():
        for name in (f"bench-{stamp}.json", "latest.json"):
            (RESULTS / name).write_text(json.dumps(report, indent=2, ensure_ascii=False))

    save()  # the main table is kept even if the growth phase below fails
    server_shape = f"{args.workers} sync workers" if args.threads == 1 else \
        f"{args.workers} gthread workers × {args.threads} threads"
    if chart(results, RESULTS / f"bench-{stamp}.png", server_shape):
        shutil.copyfile(RESULTS / f"bench-{stamp}.png", RESULTS / "latest.png")
    (RESULTS / "latest.md").write_text(table(results) + "\n")
    print("\n" + table(results), flush=True)
    growth_rows = []
    if args.growth_orders:
        try:
            growth_rows = growth.run(env, args.database_url, orders=args.growth_orders)
        except Exception as exc:  # noqa: BLE001 - reported as a miss with what failed, the run's table kept
            missed.append(f"growth phase failed: {exc!r}"[:500])
        missed += growth.evaluate(growth_rows)
        report.update(growth=growth_rows, total_seconds=round(time.monotonic() - started, 1))
        save()
    if growth_rows:
        (RESULTS / "growth.md").write_text(growth.table(growth_rows) + "\n")
        shutil.copyfile(RESULTS / "growth.md", RESULTS / f"growth-{stamp}.md")
    if growth_rows:
        print("\ngrowth (time per request, one client):\n" + growth.table(growth_rows))
    if "journey" in results:
        print("\njourney steps (ms): " + ", ".join(f"{k} p50 {v['p50_ms']:.1f} / p99 {v['p99_ms']:.1f}"
                                               for k, v in results["journey"]["steps"].items()))
        print(f"password hasher: {hashing['algorithm']}, {hashing['hash_ms']:.1f} ms of CPU per login's check "
              f"(this process, median of {hashing['samples']})")
    print(f"\nfloor slices: {results['floor']['slices_rps']} req/s; total {report['total_seconds']:.0f} s; "
          f"results in {RESULTS}/latest.json, latest.png")
    if missed:
        print("\nMISSED:\n  " + "\n  ".join(missed))
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
