"""Which failed requests a node's death explains (the cluster soak). A request fails behind nginx when the node
serving it dies with it: nginx answers 502 itself, and passes to the other node only what it may run twice
(`proxy_next_upstream`: idempotent methods, or a request never sent). Such a failure is explained only if the
request was in flight at the kill: it started before the kill had happened (plus SLACK, for a request written
on a kept-alive upstream connection the kill had just closed) and ended after the kill began. Any other failure
is unexplained, and a violation.

What a client then does depends on what the shop does with a second try (RETRY_SAFE): the shop answers a repeated
register/login/cart/cancel the same way, turns a second order POST into `order_unpaid_exists` naming the first
order (or, when the first had also emptied the cart, `cart_empty`: the student then finds that order among their
unpaid ones, soak/students.py), and a notify is retried by Alipay itself until it is answered `success`; a payment
on the cashier (or the sandbox's one-step pay) is never repeated blindly: the buyer looks at the trade instead."""
import re
import threading
from dataclasses import dataclass, field

SLACK = 1.0  # seconds after the kill in which a request could still be sent to the dying node
PROXY_FAILURES = (502, 503, 504)
# The POSTs whose second try the shop answers as the first (by the soak's request kinds); `notify` is Alipay's own
# retry (soak/storm.py). Not here: the cashier's pay button and the sandbox's control POSTs.
RETRY_SAFE_POSTS = {"register", "login", "cart", "order", "cancel", "notify"}


def retry_safe(kind: str, method: str) -> bool:
    """May a client simply send this request again after a proxy failure?"""
    return method in ("GET", "HEAD") or (method == "POST" and kind in RETRY_SAFE_POSTS)


def is_proxy_failure(status: int, content_type: str) -> bool:
    """nginx's own error page (not the shop's JSON error, which a gateway fault gives as 502/503)."""
    return status in PROXY_FAILURES and "json" not in (content_type or "")


@dataclass
class Failure:
    kind: str
    method: str
    path: str
    started: float
    ended: float
    status: str  # "502", or the exception's name for a cut connection

    def line(self) -> str:
        return f"{self.kind} {self.method} {self.path[:60]} -> {self.status}"


@dataclass
class InFlight:
    """The kills (each a monotonic interval around the signal) and the failed requests, judged against them."""
    kills: list = field(default_factory=list)
    explained: list = field(default_factory=list)
    unexplained: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def killed(self, before: float, after: float) -> None:
        with self.lock:
            self.kills.append((before, after))

    def in_flight(self, started: float, ended: float) -> bool:
        """Was a request from `started` to `ended` in flight at a kill?"""
        return any(started <= after + SLACK and ended >= before for before, after in self.kills)

    def failed(self, failure: Failure) -> bool:
        """Record a failed request; True when a kill explains it."""
        ok = self.in_flight(failure.started, failure.ended)
        with self.lock:
            (self.explained if ok else self.unexplained).append(failure)
        return ok

    def summary(self) -> str:
        """`N (kind xN, ...)` of the explained failures."""
        kinds: dict = {}
        for f in self.explained:
            kinds[f"{f.kind} {f.method}"] = kinds.get(f"{f.kind} {f.method}", 0) + 1
        return f"{len(self.explained)} ({', '.join(f'{k} x{v}' for k, v in sorted(kinds.items())) or 'none'})"


_ACCESS = re.compile(r'^\S+ (\S+) (\d{3}) "(.*)" up=\[(.*)\] upstatus=\[(.*)\] uplen=\[(.*)\]$')


def upstream_retries(lines, victim: str) -> dict:
    """From nginx's access log (harness/cluster.py's `upstreams` format): how many requests nginx passed from a
    node to the other (`proxy_next_upstream`, more than one upstream address) after trying `victim`, and how
    many it answered 5xx itself for a request that had reached `victim` (no bytes from the upstream)."""
    retried = failed = 0
    for line in lines:
        found = _ACCESS.match(line.strip())
        if not found:
            continue
        _, status, _, upstreams, _, lengths = found.groups()
        tried = [u.strip() for u in upstreams.split(",")]
        if len(tried) > 1 and victim in tried[:-1]:
            retried += 1
        if status.startswith("5") and tried[-1] == victim and lengths.split(",")[-1].strip() in ("0", "-", ""):
            failed += 1
    return {"retried": retried, "failed": failed}


def metric_sums(texts, names) -> dict:
    """Prometheus text from several targets: each sample of the metrics `names` (by sample name, labels shown),
    summed over the targets."""
    from prometheus_client.parser import text_string_to_metric_families

    sums: dict = {}
    for text in texts:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name not in names:
                    continue
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                key = f"{sample.name}{{{labels}}}" if labels else sample.name
                sums[key] = sums.get(key, 0) + sample.value
    return dict(sorted(sums.items()))
