"""The figures `make soak` prints last: what was sent, what came back, what was injected, what was violated."""
from soak.shop import stats


def print_figures(args, tally, killed, audit_code, seconds, name="soak"):
    """The summary block, ending in PASS or FAIL."""
    total = sum(stats.requests.values())
    by_kind = ", ".join(f"{k} {v}" for k, v in sorted(stats.requests.items()))
    five_xx = sum(v for k, v in stats.statuses.items() if k.split()[-1].startswith("5"))
    duplicates = stats.notify_deliveries - stats.notify_orders
    print("\n===== soak figures =====")
    print(f"duration: {seconds:.0f} s; students {args.students}; orders {sum(tally[k] for k in ('paid', 'cancelled', 'timed out'))} "
          f"(paid {tally['paid']}, cancelled {tally['cancelled']}, timed out {tally['timed out']}, "
          f"of those late payments refunded {tally['late payments refunded']}; cancels sent after the deadline "
          f"{stats.late_cancels})")
    print(f"requests: {total} ({by_kind})")
    print(f"5xx answers: {five_xx} ({stats.gateway_errors} gateway 502/503 under injected faults); "
          f"connections cut: {stats.connection_errors}; client retries: {stats.retries}; orders found after their "
          f"answer was lost: {stats.orders_found_after_lost_answer}; WeChat payments found paid after their answer was "
          f"lost: {stats.payments_found_after_lost_answer}")
    print(f"notifies: {stats.notify_orders} payments x 4 at once = {stats.notify_deliveries} deliveries "
          f"({dict(stats.notify_answers)}); duplicates: {duplicates} ours + {stats.sandbox_duplicates} "
          f"from the gateway's duplicate switch + the gateway's own delayed notify per payment")
    print(f"WeChat Pay: {stats.wechat_paid} orders paid by the sandbox's phone, each notify sent x4 at once "
          f"(+ its own delivery) with the poll; {tally['paid with WeChat Pay']} paid in the books")
    faults = ", ".join(f"{k} x{v}" for k, v in sorted(stats.faults.items()))
    print(f"faults injected: {sum(stats.faults.values())} ({faults}); amount mismatches quarantined: "
          f"{tally['amount mismatches quarantined']}")
    if killed:
        print(f"killed worker: pid {killed['pid']} -> replaced by {killed.get('replaced_by')}")
    print(f"audit: exit {audit_code}")
    print(f"violations: {len(stats.violations)}")
    for line in stats.violations[:30]:
        print(f"  - {line}")
    print(f"{name}: {'PASS' if not stats.violations else 'FAIL'}", flush=True)
