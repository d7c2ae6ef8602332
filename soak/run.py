#!/usr/bin/env python
"""`make soak`: the production stack under races, duplicates, faults and a killed web worker, then the books.

    .venv/bin/python soak/run.py [--students 50] [--timeout 40] [--workers 3]

The stack (all on 127.0.0.1, started by harness/stack.py in process groups of its own and stopped on any exit):
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
worker, `manage.py audit` exits 0. The figures are printed last; the exit status is non-zero on any violation.

The parts: soak/stack.py (the stack), shop.py (counted calls and the tally), students.py and storm.py (the
actors), faults.py, books.py (the verdict and the audit), report.py (the figures); this file runs the phases."""
import argparse
import os
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import stack  # noqa: E402 - needs ROOT on sys.path
from harness.seed import soak_shop  # noqa: E402
from soak import phases, shop  # noqa: E402
from soak.books import check_books, run_audit, settle  # noqa: E402
from soak.faults import check_replaced, kill_a_worker  # noqa: E402
from soak.report import print_figures  # noqa: E402
from soak.shop import sim, stats  # noqa: E402
from soak.stack import VAR, soak_environment, start  # noqa: E402


def main() -> int:
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
    port = stack.free_port()
    shop.connect(f"http://127.0.0.1:{port}")
    database_url, redis_url = stack.own_urls("soak", 8)
    env = soak_environment(port, database_url, redis_url, args.timeout)
    print(f"soak: {shop.BASE}, database {urlparse(database_url).path[1:]}, Redis {redis_url}, VAR_DIR {VAR}",
          flush=True)
    stack.prepare(database_url, suffix="_soak", collectstatic=True)
    course_ids, coupon_ids = soak_shop()

    processes = stack.Stack(env, VAR)
    stack.exit_on_signals("soak")
    killed: dict = {}
    tally = Counter()
    audit_code, audit_text = None, ""
    try:
        start(processes, port, args.workers, args.threads)
        sim("reset")
        sim("config", notify_order="after", notify_after_delay_seconds=3)  # our 4 copies land first
        print(f"soak: stack ready after {time.monotonic() - started:.0f}s; {args.students} students", flush=True)

        students, first_orders = phases.sign_up(args.students, course_ids, coupon_ids)
        print(f"soak: phase A done at {time.monotonic() - started:.0f}s "
              f"({len(first_orders)} first orders)", flush=True)

        # Phase B: the storm. Pay 4 orders each, bursts out of order, faults, cancels, expiries, a SIGKILL.
        expected = args.students * 4
        killer = threading.Thread(target=kill_a_worker, args=(processes, lambda: stats.bursts_done >= expected * 0.4,
                                                                killed), daemon=True)
        phases.storm(students, first_orders, course_ids, args.runners, [killer])
        print(f"soak: storm done at {time.monotonic() - started:.0f}s", flush=True)

        check_replaced(processes, args.workers, killed)

        # Everything lands: expiries (countdown or sweeper), late-payment refunds (retried every minute).
        settle(max_wait=args.timeout + 200)
        tally = check_books(students)
    finally:
        processes.stop()
    audit_code, audit_text = run_audit(env)
    if audit_code != 0:
        stats.violation("manage.py audit reported violations")
    print(audit_text, flush=True)
    print_figures(args, tally, killed, audit_code, time.monotonic() - started)
    return 1 if stats.violations else 0


if __name__ == "__main__":
    sys.exit(main())
