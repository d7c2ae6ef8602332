"""The bench's open-loop sender: requests go out on a fixed timeline whatever the answers do, and each latency is
measured from the moment the request was *due*, not from when it was sent.

A closed loop (wrk, 32 connections) only sends when an answer comes back, so a slow answer delays the requests
behind it and they are never measured as late (coordinated omission); its p99 is set by Little's law. Debian has
no wrk2, so this paces requests itself: asyncio, one new connection per request (gunicorn's sync workers close
every connection anyway), at most MAX_IN_FLIGHT open at once; a request that waits for a slot still counts from
its due time. The sender's own lateness (how far behind the timeline it sent) is reported, so a run where the
sender, not the server, fell behind can be told apart."""
import asyncio
import math
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
    return asyncio.run(_run(port, requests, rate, seconds, statuses, expect_body))


async def _run(port, requests, rate, seconds, statuses, expect_body) -> dict:
    cpu = time.thread_time()  # this thread's CPU only: a test's server in another thread is not the sender's
    loop = asyncio.get_running_loop()
    due_times = schedule(rate, seconds)
    slots = asyncio.Semaphore(MAX_IN_FLIGHT)
    latencies, lags, problems = [], [], []
    good = 0

    async def one(raw: bytes, due: float):
        nonlocal good
        async with slots:
            lags.append((loop.time() - due) * 1000)
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), TIMEOUT_S)
                writer.write(raw)
                answer = await asyncio.wait_for(reader.read(), TIMEOUT_S)
                writer.close()
            except (OSError, asyncio.TimeoutError) as exc:
                problems.append(f"socket error/timeout: {type(exc).__name__}")
                latencies.append(TIMEOUT_S * 1000)
                return
        latencies.append((loop.time() - due) * 1000)
        status, body = parse_response(answer)
        if status in statuses and (expect_body is None or body == expect_body):
            good += 1
        else:
            problems.append(f"unexpected answer, e.g. {status} {body[:120]!r}")

    start = loop.time() + 0.05
    tasks = []
    for i, offset in enumerate(due_times):
        due = start + offset
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(requests[i % len(requests)], due)))
    await asyncio.gather(*tasks)
    return summary(latencies, lags, len(due_times), good, rate, seconds,
                   [f"{problems.count(p)}× {p}" for p in set(problems)], time.thread_time() - cpu)
