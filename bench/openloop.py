"""The bench's open-loop sender: requests go out on a fixed timeline whatever the answers do, and each latency is
measured from the moment the request was *due*, not from when it was sent.

A closed loop (wrk, 32 connections) only sends when an answer comes back, so a slow answer delays the requests
behind it and they are never measured as late (coordinated omission); its p99 is set by Little's law. Debian has
no wrk2, so this paces requests itself: one new connection per request (gunicorn's sync workers close every
connection anyway), at most MAX_IN_FLIGHT open at once; a request that waits for a slot still counts from its due
time, and one not answered (to the connection's close) within TIMEOUT_S of its start is a problem.

The sender runs on the same cores as the server it measures, so every millisecond of CPU it spends is taken from
the server, and a sender that falls behind its timeline shows up as latency. It is therefore one thread and one
selector (epoll) loop over non-blocking sockets - connect, send, read until the server closes, sleeping in select()
until the next request is due or the next deadline - with no coroutine, task or stream object per request: on this
2-core machine that costs 0.18-0.27 ms of CPU per request, most of it the kernel's work for the connection and for
waking the thread, where asyncio streams and a task per request cost 0.37-0.87 ms. What it costs is reported
(sender_cpu_ms_per_request), and so is its own lateness (sender_lag_p99_ms: how long after its due time each
request was actually started), so a run where the sender, not the server, fell behind can be told apart."""
import collections
import errno
import math
import os
import selectors
import socket
import time

MAX_IN_FLIGHT = 512
TIMEOUT_S = 10.0


def schedule(rate: float, seconds: float) -> list[float]:
    """Due times (seconds from the start) of a constant-rate run: one request every 1/rate s."""
    if rate <= 0 or seconds <= 0:
        return []
    return [i / rate for i in range(int(math.floor(rate * seconds)))]


def percentile(values, p: float) -> float:
    """Nearest-rank percentile (the smallest value with at least p % of the values at or below it)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(len(ordered) * p / 100 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def summary(latencies_ms, lags_ms, sent: int, good: int, rate: float, seconds: float, problems,
            sender_cpu_s: float | None = None) -> dict:
    """One open-loop row: p50/p99/p99.9 from the due time, how late the sender itself was and, when measured, the
    CPU it spent per request (taken from the cores the server under test runs on)."""
    return {"rate": round(rate, 1), "seconds": round(seconds, 2), "sent": sent, "good": good,
            "p50_ms": round(percentile(latencies_ms, 50), 2), "p99_ms": round(percentile(latencies_ms, 99), 2),
            "p999_ms": round(percentile(latencies_ms, 99.9), 2), "max_ms": round(max(latencies_ms, default=0.0), 2),
            "sender_lag_p99_ms": round(percentile(lags_ms, 99), 2), "problems": sorted(set(problems))[:5],
            "sender_cpu_ms_per_request": round(sender_cpu_s * 1000 / sent, 3) if sender_cpu_s is not None and sent
            else None}


def raw_request(port: int, method: str, url: str, ctype: str, token: str, body: str) -> bytes:
    """One HTTP/1.1 request as bytes (the bench's request-file fields)."""
    data = body.encode()
    head = [f"{method} {url} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    if ctype:
        head.append(f"Content-Type: {ctype}")
    if token:
        head.append(f"Authorization: Bearer {token}")
    if data or method in ("POST", "PUT", "PATCH"):
        head.append(f"Content-Length: {len(data)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


def parse_response(raw: bytes) -> tuple[int, bytes]:
    """(status, body) of a whole HTTP/1.1 response read to the connection's close (chunked bodies joined)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return 0, raw[:200]
    if any(line.lower().replace(b" ", b"") == b"transfer-encoding:chunked" for line in lines[1:]):
        joined, rest = b"", body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0] or b"0", 16)
            if size == 0:
                break
            joined, rest = joined + rest[:size], rest[size + 2:]
        body = joined
    return status, body


def run(port: int, requests: list[bytes], rate: float, seconds: float, statuses: set[int],
        expect_body: bytes | None = None) -> dict:
    """Send len(schedule(rate, seconds)) requests (the i-th is requests[i % len]) at `rate` per second to
    127.0.0.1:port; the row summary() makes. The caller passes enough distinct requests for a distinct path."""
    cpu = time.thread_time()  # this thread's CPU only: a test's server in another thread is not the sender's
    due_times = schedule(rate, seconds)
    sender = _Sender(port, statuses, expect_body)
    sender.run(requests, due_times)
    counted = collections.Counter(sender.problems)
    return summary(sender.latencies, sender.lags, len(due_times), sender.good, rate, seconds,
                   [f"{n}× {problem}" for problem, n in counted.items()], time.thread_time() - cpu)


class _Request:
    """One request in flight: its socket, its due time and deadline, what is left to send, what came back."""
    __slots__ = ("sock", "due", "deadline", "out", "chunks", "event", "done")

    def __init__(self, sock, due, deadline, out):
        self.sock, self.due, self.deadline, self.out = sock, due, deadline, out
        self.chunks, self.event, self.done = [], 0, False


class _Sender:
    """The timeline's requests over non-blocking sockets in one selector (epoll) loop, no task per request."""

    def __init__(self, port: int, statuses: set[int], expect_body: bytes | None):
        self.address = ("127.0.0.1", port)
        self.statuses, self.expect_body = statuses, expect_body
        self.selector = selectors.DefaultSelector()
        self.open = collections.deque()  # the requests started and not yet swept, oldest (first deadline) first
        self.in_flight = 0
        self.latencies, self.lags, self.problems = [], [], []
        self.good = 0

    def run(self, requests: list[bytes], due_times: list[float]):
        start = time.monotonic() + 0.05
        i, count = 0, len(due_times)
        try:
            while i < count or self.in_flight:
                # every request now due goes out, as long as there is a slot; one waiting for a slot is late
                while i < count and self.in_flight < MAX_IN_FLIGHT and start + due_times[i] <= time.monotonic():
                    self.start(requests[i % len(requests)], start + due_times[i])
                    i += 1
                wake = self.expire(time.monotonic())
                if i < count and self.in_flight < MAX_IN_FLIGHT:
                    wake = start + due_times[i] if wake is None else min(wake, start + due_times[i])
                if wake is None:  # nothing in flight, nothing left to send (the last requests failed at once)
                    break
                for key, _ in self.selector.select(max(0.0, wake - time.monotonic())):
                    # an error or hang-up reports both events: what is left to do says which this was
                    if key.data.out:
                        self.send(key.data)
                    else:
                        self.receive(key.data)
        finally:
            for request in self.open:
                if not request.done:
                    request.sock.close()
            self.selector.close()

    def start(self, raw: bytes, due: float):
        started = time.monotonic()
        self.lags.append((started - due) * 1000)
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        except OSError as exc:  # out of descriptors, say
            self.problem(exc)
            return
        sock.setblocking(False)
        request = _Request(sock, due, started + TIMEOUT_S, raw)
        self.open.append(request)
        self.in_flight += 1
        error = sock.connect_ex(self.address)
        if error in (0, errno.EINPROGRESS):
            self.send(request)  # at once: a loopback connect is usually done by now, saving a wait for writable
        else:
            self.fail(request, OSError(error, os.strerror(error)))  # ECONNREFUSED → ConnectionRefusedError

    def send(self, request: _Request):
        try:
            sent = request.sock.send(request.out)
        except BlockingIOError:  # still connecting, or the socket's buffer is full
            sent = 0
        except OSError as exc:
            self.fail(request, exc)
            return
        request.out = request.out[sent:]
        self.wait(request, selectors.EVENT_WRITE if request.out else selectors.EVENT_READ)

    def receive(self, request: _Request):
        try:
            while chunk := request.sock.recv(65536):
                request.chunks.append(chunk)
        except BlockingIOError:  # the rest has not come yet
            return
        except OSError as exc:
            self.fail(request, exc)
            return
        self.close(request)  # the server closed: the answer is whole
        self.latencies.append((time.monotonic() - request.due) * 1000)
        status, body = parse_response(b"".join(request.chunks))
        if status in self.statuses and (self.expect_body is None or body == self.expect_body):
            self.good += 1
        else:
            self.problems.append(f"unexpected answer, e.g. {status} {body[:120]!r}")

    def wait(self, request: _Request, event: int):
        if not request.event:
            self.selector.register(request.sock, event, request)
        elif request.event != event:
            self.selector.modify(request.sock, event, request)
        request.event = event

    def expire(self, now: float) -> float | None:
        """Time out every request past its deadline; the next deadline. Requests start in deadline order."""
        while self.open and (self.open[0].done or self.open[0].deadline <= now):
            request = self.open.popleft()
            if not request.done:
                self.fail(request, TimeoutError())
        return self.open[0].deadline if self.open else None

    def close(self, request: _Request):
        if request.event:
            self.selector.unregister(request.sock)
        request.sock.close()
        request.done = True
        self.in_flight -= 1

    def fail(self, request: _Request, exc: Exception):
        self.close(request)
        self.problem(exc)

    def problem(self, exc: Exception):
        self.problems.append(f"socket error/timeout: {type(exc).__name__}")
        self.latencies.append(TIMEOUT_S * 1000)
