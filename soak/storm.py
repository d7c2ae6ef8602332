"""The storm: each payment's notify signed as Alipay signs it and delivered 4 times at the same instant, with a
polling query and the buyer's return relay (or an order read), bursts queued and run out of order by a few
runners, sometimes with the sandbox's own duplicate notifies on top."""
import random
import threading
import time

import requests

from harness.alipay import notify_body, notify_params
from soak import shop
from soak.shop import HTTP_TIMEOUT, call, sim, stats, thread_session, together


def signed_notify(trade: dict) -> str:
    """The notify Alipay sends for a paid sandbox trade (as the sim API lists it), signed with the sandbox's key."""
    return notify_body(notify_params(trade["out_trade_no"], trade["total_amount"], trade_no=trade["trade_no"],
                                     notify_id=f"soak{trade['trade_no']}", gmt_create=trade.get("gmt_create") or None,
                                     gmt_payment=trade.get("gmt_payment") or None, subject=trade.get("subject", "")))


class Storm:
    """Bursts (a notify 4x + return relay + polls at one instant) queued and run out of order by a few runners."""

    def __init__(self, runners: int):
        self.queue, self.cond, self.closed = [], threading.Condition(), False
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(runners)]
        self.paid_numbers = set()
        for t in self.threads:
            t.start()

    def push(self, student, trade: dict, return_query: str | None):
        with self.cond:
            self.queue.append((student, trade, return_query))
            self.cond.notify()

    def close(self):
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        for t in self.threads:
            t.join(timeout=300)

    def _run(self):
        while True:
            with self.cond:
                while not self.queue and not self.closed:
                    self.cond.wait()
                if not self.queue:
                    return
                item = self.queue.pop(random.randrange(len(self.queue)))  # out of order
            try:
                self._burst(*item)
            except Exception as exc:  # noqa: BLE001 - a crashed burst is a finding, not a harness crash
                stats.violation(f"burst for {item[1].get('out_trade_no')} crashed: {exc!r}")
            stats.count("bursts_done")

    def _burst(self, student, trade: dict, return_query: str | None):
        number = trade["out_trade_no"]
        body = signed_notify(trade)
        calls = [lambda: self._notify(number, body) for _ in range(4)]
        calls.append(lambda: call("query", "GET", f"/api/payments/alipay/query/{number}/", token=student.token))
        if return_query:
            calls.append(lambda: call("result", "GET", f"/api/payments/alipay/result/?{return_query}",
                                      token=student.token))
        else:
            calls.append(lambda: call("order_detail", "GET", f"/api/orders/{number}/", token=student.token))
        if random.random() < 0.15:
            calls.append(lambda: self._sandbox_duplicate(number))
        with stats.lock:
            stats.notify_orders += 1
        together(calls)
        self.paid_numbers.add(number)

    def _notify(self, number: str, body: str):
        """One delivery, retried as Alipay would while the answer is not `success` (at most 6 tries)."""
        for attempt in range(6):
            started = time.monotonic()
            try:
                r = thread_session().post(f"{shop.BASE}/api/payments/alipay/notify", data=body, timeout=HTTP_TIMEOUT,
                                          headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
            except requests.RequestException as exc:
                stats.count("connection_errors")
                shop.connection_failure("notify", "POST", "/api/payments/alipay/notify", exc, started)
                stats.count("retries")
                time.sleep(0.5 + attempt)
                continue
            stats.answered("notify", r, notify_answers=r.text if r.status_code == 200 else f"HTTP {r.status_code}")
            stats.count("notify_deliveries")
            explained = shop.proxy_failure("notify", "POST", "/api/payments/alipay/notify", r, started)
            if explained is not None:  # failed on a killed node: Alipay sends it again, as for any non-success
                stats.count("retries")
                time.sleep(0.5 + attempt)
                continue
            if r.status_code >= 500:
                stats.violation(f"notify {number}: HTTP {r.status_code}")
            if r.status_code == 200 and r.text == "success":
                return r.text
            stats.count("retries")
            time.sleep(0.5 + attempt)
        stats.violation(f"notify {number}: never answered success")
        return None

    def _sandbox_duplicate(self, number):
        r = sim(f"trades/{number}/notify/duplicate", count=2)
        if r.status_code == 200:
            stats.count("sandbox_duplicates", 2)
