"""The shop as the soak's clients see it: every HTTP request counted in one tally (Stats), connection errors and
gateway 502/503s retried as a client would, the sandbox's control API, and running calls at one instant."""
import threading
import time
from collections import Counter

import requests

from soak.inflight import Failure, InFlight, is_proxy_failure, retry_safe

HTTP_TIMEOUT = 30
PAID = ("TRADE_SUCCESS", "TRADE_FINISHED")
# Endpoints that talk to the gateway: a 502/503 from them is the clear error an injected gateway fault must give.
GATEWAY_KINDS = {"link", "query", "result", "cancel", "wechat_link"}


class Stats:
    """Everything the soak counts, from many threads at once (under `lock`)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = Counter()       # by kind
        self.statuses = Counter()       # "kind status"
        self.gateway_errors = 0         # 502/503 from gateway endpoints (expected under injected faults)
        self.connection_errors = 0      # requests cut off (the killed worker)
        self.retries = 0
        self.orders_found_after_lost_answer = 0  # an order POST committed, its answer lost with a killed node
        self.payments_found_after_lost_answer = 0  # a WeChat pay taken, its answer lost with a killed worker
        self.faults = Counter()
        self.notify_orders = 0
        self.notify_deliveries = 0
        self.notify_answers = Counter()
        self.sandbox_duplicates = 0
        self.violations = []
        self.bursts_done = 0
        self.late_cancels = 0           # cancels that reached an order after its deadline (it had timed out)
        self.wechat_paid = 0            # orders paid with WeChat Pay (students.pay_with_wechat)

    def count(self, field, n=1):
        with self.lock:
            setattr(self, field, getattr(self, field) + n)

    def answered(self, kind, response, **counters):
        """One answer of `kind`, by status; `counters` are more Counters to add the same answer to."""
        with self.lock:
            self.requests[kind] += 1
            self.statuses[f"{kind} {response.status_code}"] += 1
            for field, key in counters.items():
                getattr(self, field)[key] += 1

    def violation(self, text):
        with self.lock:
            self.violations.append(text)
        print(f"soak: VIOLATION {text}", flush=True)


stats = Stats()
BASE = ""  # http://127.0.0.1:<port>, set once by connect()
# The cluster soak's node kills, which explain the proxy's own failures of requests in flight on a killed node;
# None in `make soak` (no proxy: any 5xx that is not a gateway fault is a violation there).
outage: InFlight | None = None
_local = threading.local()


def connect(base: str) -> None:
    """Aim every call at the soak's shop."""
    global BASE
    BASE = base


def thread_session() -> requests.Session:
    """This thread's HTTP session (keep-alive per thread, as separate clients would have)."""
    s = getattr(_local, "session", None)
    if s is None:
        s = _local.session = requests.Session()
    return s


def call(kind, method, path, *, token=None, retries=4, session=None, **kwargs) -> requests.Response:
    """One HTTP request to the shop, counted. Connection errors (a killed worker) and gateway 502/503s are retried
    like a client would; any other 5xx is a violation."""
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url = path if path.startswith("http") else BASE + path
    for attempt in range(retries + 1):
        started = time.monotonic()
        try:
            response = (session or thread_session()).request(method, url, headers=headers, timeout=HTTP_TIMEOUT,
                                                             allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            stats.count("connection_errors")
            connection_failure(kind, method, path, exc, started)
            if attempt == retries:
                stats.violation(f"{kind} {method} {path}: no answer after {retries + 1} tries ({exc.__class__.__name__})")
                raise
            stats.count("retries")
            time.sleep(0.5 + attempt)
            continue
        stats.answered(kind, response)
        explained = proxy_failure(kind, method, path, response, started)
        if explained is not None:  # failed in flight on a killed node: again only what the shop dedupes
            if explained and attempt < retries and retry_safe(kind, method):
                stats.count("retries")
                time.sleep(0.3 + attempt * 0.5)
                continue
            return response
        if response.status_code >= 500:
            if response.status_code in (502, 503) and kind in GATEWAY_KINDS:
                stats.count("gateway_errors")
                if attempt < retries:
                    stats.count("retries")
                    time.sleep(0.3 + attempt * 0.5)
                    continue
                return response
            stats.violation(f"{kind} {method} {path}: HTTP {response.status_code} {response.text[:200]}")
        return response
    raise AssertionError("unreachable")


def proxy_failure(kind, method, path, response, started) -> bool | None:
    """None unless `response` is the proxy's own failure (cluster soak); then whether a node kill explains it
    (an unexplained one is a violation)."""
    if outage is None or not is_proxy_failure(response.status_code, response.headers.get("Content-Type", "")):
        return None
    failure = Failure(kind, method, path, started, time.monotonic(), str(response.status_code))
    if outage.failed(failure):
        return True
    stats.violation(f"{failure.line()}: the proxy failed a request no node kill explains")
    return False


def connection_failure(kind, method, path, exc, started) -> None:
    """In the cluster soak, a connection to nginx cut or timed out is judged like the proxy's own failures."""
    if outage is not None and not outage.failed(Failure(kind, method, path, started, time.monotonic(),
                                                        exc.__class__.__name__)):
        stats.violation(f"{kind} {method} {path}: {exc.__class__.__name__}, and no node kill explains it")


def sim(path, http="POST", **body) -> requests.Response:
    """The sandbox's control API (not Alipay)."""
    return call("sim", http, f"/sandbox/alipay/__sim__/{path}", json=body if http == "POST" else None)


def wsim(path, http="POST", **body) -> requests.Response:
    """The WeChat Pay sandbox's control API (not WeChat)."""
    return call("wsim", http, f"/sandbox/wechatpay/__sim__/{path}", json=body if http == "POST" else None)


# --- running at once -------------------------------------------------------------------------------------------

def together(calls):
    """Run the callables at the same instant, each in its own thread (a barrier)."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(fn):
        try:
            barrier.wait(timeout=60)
            fn()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(fn,), daemon=True) for fn in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=HTTP_TIMEOUT * 8)
    if errors:
        raise errors[0]


def run_pool(fn, items, size):
    """Run fn over items with `size` threads; an exception is a violation (the harness goes on)."""
    items = list(items)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not items:
                    return
                item = items.pop(0)
            try:
                fn(item)
            except Exception as exc:  # noqa: BLE001
                stats.violation(f"{getattr(fn, '__name__', 'task')} {item!r}: {exc!r}"[:400])
            finally:
                from django.db import connections

                connections.close_all()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=900)
