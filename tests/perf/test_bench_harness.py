"""The bench harness's own arithmetic: a path measured in interleaved slices is reported as one row whose
throughput and percentiles are those of all its requests together, and a distinct path's requests are split so
that no slice (nor the warm-up) sends a line another one sends."""
import contextlib
import socket
import socketserver
import struct
import threading
import time

import pytest

from bench import growth, openloop
from bench import run as bench


def _slice(rps, seconds, latencies_ms, problems=()):
    """A wrk result as run_wrk returns it, from known latencies (the Lua reports the latency at every 0.1 %)."""
    ordered = sorted(latencies_ms)
    quantiles = [ordered[min(len(ordered) - 1, int(len(ordered) * q / 1000) - (1 if q == 1000 else 0))] * 1000
                 for q in range(1, 1001)]
    return {"requests": len(ordered), "good": int(rps * seconds), "seconds": seconds, "rps": rps,
            "max_ms": ordered[-1], "problems": list(problems), "quantiles_us": quantiles}


def test_merged_throughput_is_all_good_answers_over_all_the_time():
    merged = bench.merge_slices("cart_add", [_slice(400, 2.0, [10] * 800), _slice(600, 2.0, [10] * 1200)])
    assert merged["good"] == 2000 and merged["seconds"] == 4.0
    assert merged["rps"] == 500.0  # not the mean of the means weighted wrongly: 2000 answers in 4 s
    assert merged["slices_rps"] == [400, 600]


def test_merged_percentiles_pool_the_requests_of_every_slice():
    fast = _slice(500, 2.0, [20] * 1000)
    slow = _slice(500, 2.0, [20] * 970 + [300] * 30)  # 30 slow requests out of 2000: 1.5 % of the pool
    merged = bench.merge_slices("order_create", [fast, slow])
    assert merged["p50_ms"] == 20
    assert merged["p99_ms"] == 300, "1.5 % of all requests are slow, so the pooled p99 is slow"
    only_one_slow = bench.merge_slices("order_create", [fast, _slice(500, 2.0, [20] * 990 + [300] * 10)])
    assert only_one_slow["p99_ms"] == 20, "0.5 % slow in the pool is under the p99"
    assert only_one_slow["max_ms"] == 300


def test_a_problem_in_any_slice_is_the_rows_problem():
    merged = bench.merge_slices("notify_distinct", [_slice(100, 2.0, [5] * 200),
                                                    _slice(100, 2.0, [5] * 200, ["3 unexpected answers"])])
    assert merged["problems"] == ["3 unexpected answers"]


def test_a_missed_ratio_is_judged_against_the_floor_beside_the_path():
    results = {"floor": {**bench.merge_slices("floor", [_slice(800, 2.0, [30] * 1600)]), "floor_rps": None},
               "cart_add": {**bench.merge_slices("cart_add", [_slice(420, 2.0, [40] * 840)]), "floor_rps": 500.0}}
    assert bench.evaluate(results) == []  # 420 / 500 = 0.84 of the floor measured beside it
    results["cart_add"]["floor_rps"] = 600.0
    assert bench.evaluate(results) == ["cart_add: ratio 0.70 < 0.8"]
    results["cart_add"]["floor_rps"] = 526.0  # 0.798: a miss, shown rounded down
    assert bench.evaluate(results) == ["cart_add: ratio 0.79 < 0.8"]


@pytest.mark.parametrize("distinct", [True, False])
def test_slices_of_a_distinct_path_never_share_a_request(tmp_path, monkeypatch, distinct):
    monkeypatch.setattr(bench, "WARM_LINES", 10)
    path = tmp_path / "order_create.tsv"
    path.write_text("".join(f"POST\t/api/orders/\t\ttoken-{i}\t{{}}\n" for i in range(100)))
    warm, slices, calm, paced, own = bench.measured_specs({"order_create": (path, distinct, "201", "")})
    warm_lines = warm["order_create"][0].read_text().splitlines()
    slice_lines = [spec[0].read_text().splitlines() for spec in slices["order_create"]]
    calm_lines = calm["order_create"][0].read_text().splitlines()
    open_lines = paced["order_create"][0].read_text().splitlines()
    own_lines = own["order_create"][0].read_text().splitlines()
    assert len(slice_lines) == bench.ROUNDS
    if not distinct:
        assert all(lines == slice_lines[0] for lines in slice_lines) and len(slice_lines[0]) == 100
        assert calm_lines == slice_lines[0] and open_lines == slice_lines[0] and own_lines == slice_lines[0]
        return
    assert len(warm_lines) == 10
    every = warm_lines + [line for lines in slice_lines for line in lines] + calm_lines + open_lines + own_lines
    assert len(every) == len(set(every)), "a request was sent twice"
    assert min(len(lines) for lines in [*slice_lines, calm_lines, open_lines, own_lines]) == 90 // (bench.ROUNDS + 3)


def test_a_wrong_answer_at_low_concurrency_fails_the_path():
    row = {**bench.merge_slices("poll_paid", [_slice(800, 2.0, [30] * 1600)]), "floor_rps": 800.0,
           "calm": {"connections": bench.CALM_CONNECTIONS, "rps": 300.0, "p50_ms": 5.0, "p99_ms": 9.0,
                    "problems": []}}
    floor = {**bench.merge_slices("floor", [_slice(800, 2.0, [30] * 1600)]), "floor_rps": None}
    assert bench.evaluate({"floor": floor, "poll_paid": row}) == []
    row["calm"]["problems"] = ["2 unexpected answers, e.g. '500'"]
    assert bench.evaluate({"floor": floor, "poll_paid": row}) == [
        f"poll_paid: at {bench.CALM_CONNECTIONS} connections: 2 unexpected answers, e.g. '500'"]
    row["calm"]["problems"], row["calm"]["p99_ms"] = [], 250.0
    assert bench.evaluate({"floor": floor, "poll_paid": row}) == [], "the calm run's latency is reported, not judged"


# --- issue #19: latency at a fixed offered load, the journey's rate, the growth table -------------------------

def _judged(name, rps, open_p99, floor_rps=500.0, **extra):
    row = {**bench.merge_slices(name, [_slice(rps, 2.0, [300] * int(rps * 2))]), "floor_rps": floor_rps, **extra}
    row["open_loop"] = openloop.summary([5.0] * 980 + [open_p99] * 20, [0.1] * 1000, 1000, 1000, floor_rps / 2,
                                        4.0, [])
    return row


def test_latency_is_judged_in_the_open_loop_not_at_32_connections():
    floor = {**bench.merge_slices("floor", [_slice(500, 2.0, [300] * 1000)]), "floor_rps": None}
    floor["open_loop"] = openloop.summary([500.0] * 100, [0.0] * 100, 100, 100, 250, 4.0, [])
    ok = _judged("poll_paid", 450, 40.0)
    assert ok["p99_ms"] == 300, "a closed-loop p99 of 300 ms at 32 connections ..."
    assert bench.evaluate({"floor": floor, "poll_paid": ok}) == [], "... is reported, not judged (nor the floor's)"
    slow = _judged("poll_paid", 450, 130.0)
    assert bench.evaluate({"floor": floor, "poll_paid": slow}) == [
        "poll_paid: open-loop p99 130.0 ms >= 100 at 250 req/s"]
    # a rate above what the path served at all is named as such: the queue grew for the whole run
    saturated = _judged("order_create", 200, 5000.0)
    assert bench.evaluate({"floor": floor, "order_create": saturated}) == [
        "order_create: open-loop p99 5000.0 ms >= 100 at 250 req/s (above the 200 req/s it served at 32 connections)"]
    # ... and its latency at half of what it served is named beside it, reported (a slow one does not fail it again)
    saturated["open_loop_own"] = openloop.summary([5.0] * 990 + [150.0] * 10, [0.1] * 1000, 1000, 1000, 100.0,
                                                  6.0, [])
    assert bench.evaluate({"floor": floor, "order_create": saturated}) == [
        "order_create: open-loop p99 5000.0 ms >= 100 at 250 req/s (above the 200 req/s it served at 32 connections; "
        "at 50% of that, 100 req/s, its p99 was 5.0 ms)"]
    assert "- POST /api/orders/: 100 req/s, p50 5.0 ms, p99 5.0 ms, p99.9 150.0 ms" in bench.table(
        {"floor": floor, "order_create": saturated})


def test_a_bounds_open_loop_is_shown_but_not_judged():
    floor = {**bench.merge_slices("floor", [_slice(500, 2.0, [300] * 1000)]), "floor_rps": None}
    floor["open_loop"] = openloop.summary([5.0] * 100, [0.0] * 100, 100, 100, 250, 4.0, [])
    slow, fast = _judged("create_bound", 240, 1300.0), _judged("notify_bound", 300, 40.0)
    assert bench.evaluate({"floor": floor, "create_bound": slow, "notify_bound": fast}) == []
    rows = {line.split(" | ")[0]: line for line in bench.table(
        {"floor": floor, "create_bound": slow, "notify_bound": fast}).splitlines()}
    assert rows[f"| {bench.LABELS['create_bound']}"].endswith("| 1300.0 | 1300.0 | (✗) |")
    assert rows[f"| {bench.LABELS['notify_bound']}"].endswith("| 40.0 | 40.0 | (✓) |")
    assert rows[f"| {bench.LABELS['floor']}"].endswith("| ✓ |")
    # a bound that answered wrongly still fails the run, and shows it plainly
    slow["problems"] = ["3 unexpected answers, e.g. '500'"]
    assert bench.evaluate({"floor": floor, "create_bound": slow}) == ["create_bound: 3 unexpected answers, e.g. '500'"]
    assert bench.table({"floor": floor, "create_bound": slow}).splitlines()[3].endswith("| ✗ |")


def test_an_open_loop_problem_fails_the_path():
    row = _judged("order_create", 200, 20.0)
    row["open_loop"]["problems"] = ["open loop: only 10 distinct requests for 1200: seed more"]
    assert bench.evaluate({"order_create": row}) == [
        "order_create: open loop: only 10 distinct requests for 1200: seed more"]


def test_the_journey_target_is_three_times_pbkdf2s_rate_on_the_same_runs_floor():
    assert bench.journey_target(380) == pytest.approx(10.5, abs=0.01)
    assert bench.journey_target(760) == pytest.approx(21.0, abs=0.01), "a floor twice as fast asks twice as much"
    journey = {"name": "journey", "rps": 60.0, "p50_ms": 900.0, "p99_ms": 2000.0, "journeys_per_s": 10.0,
               "floor_rps": 380.0, "problems": []}
    assert bench.evaluate({"journey": journey}) == [
        "journey: 10.00 journeys/s < 10.50 (3× PBKDF2's at a floor of 380 req/s)"]
    journey["journeys_per_s"] = 10.6
    assert bench.evaluate({"journey": journey}) == []


def test_the_pacing_schedule_is_a_fixed_timeline():
    due = openloop.schedule(200, 1.5)
    assert len(due) == 300 and due[0] == 0.0
    assert due[1] == pytest.approx(0.005) and due[-1] == pytest.approx(299 / 200)
    assert openloop.schedule(0, 5) == [] and openloop.schedule(10, 0) == []


def test_percentiles_are_nearest_rank():
    values = list(range(1, 1001))  # 1..1000 ms
    assert openloop.percentile(values, 50) == 500
    assert openloop.percentile(values, 99) == 990
    assert openloop.percentile(values, 99.9) == 999
    assert openloop.percentile([7.0], 99.9) == 7.0 and openloop.percentile([], 50) == 0.0
    row = openloop.summary([1.0] * 998 + [200.0, 300.0], [0.5] * 1000, 1000, 1000, 250.0, 4.0, [])
    assert (row["p50_ms"], row["p99_ms"], row["p999_ms"], row["max_ms"]) == (1.0, 1.0, 200.0, 300.0)


def test_a_response_is_parsed_plain_or_chunked():
    assert openloop.parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsuccess") == (200, b"success")
    chunked = b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nsuc\r\n4\r\ncess\r\n0\r\n\r\n"
    assert openloop.parse_response(chunked) == (201, b"success")
    assert openloop.parse_response(b"garbage")[0] == 0
    raw = openloop.raw_request(8000, "POST", "/api/orders/", "application/json", "tok", "{}")
    assert raw.startswith(b"POST /api/orders/ HTTP/1.1\r\n") and b"Authorization: Bearer tok\r\n" in raw
    assert raw.endswith(b"Content-Length: 2\r\n\r\n{}")


def test_the_open_loop_counts_a_stall_against_every_request_due_during_it():
    """A server that stalls 600 ms on its first request: in a closed loop the requests behind it would wait
    unmeasured (coordinated omission); here each is measured from when it was due, so the tail shows the stall."""
    import socketserver
    import threading
    import time

    first = threading.Event()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            while self.rfile.readline() not in (b"\r\n", b""):
                pass
            if not first.is_set():
                first.set()
                time.sleep(0.6)
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    class Server(socketserver.TCPServer):
        request_queue_size = 256
        allow_reuse_address = True

    with Server(("127.0.0.1", 0), Handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            raw = openloop.raw_request(server.server_address[1], "GET", "/", "", "", "")
            row = openloop.run(server.server_address[1], [raw], 100, 1.0, {200}, b"ok")
        finally:
            server.shutdown()
    assert row["sent"] == 100 and row["good"] == 100 and row["problems"] == []
    assert row["p99_ms"] >= 450, "the requests due during the stall waited for it, and that is their latency"
    assert row["p50_ms"] < row["p99_ms"]


@contextlib.contextmanager
def _serving(handle):
    """A threaded local server calling handle(sock, request_head) for each connection; yields its port."""
    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = self.request.recv(65536)
                if not chunk:
                    return
                head += chunk
            handle(self.request, head)

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        request_queue_size = 256
        allow_reuse_address = True

    with Server(("127.0.0.1", 0), Handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield server.server_address[1]
        finally:
            server.shutdown()


def test_the_open_loop_counts_refused_reset_and_unanswered_requests_as_problems(monkeypatch):
    """A connection reset before the answer and one never answered (past TIMEOUT_S) are each a problem, counted,
    at a latency of TIMEOUT_S; the answered requests beside them are still good. So is a port nobody listens on."""
    monkeypatch.setattr(openloop, "TIMEOUT_S", 0.3)
    release = threading.Event()

    def handle(sock, head):
        if head.startswith(b"GET /reset"):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()  # a RST, and no FIN before it (socketserver's own close would shut down writing first)
        elif head.startswith(b"GET /hang"):
            release.wait(5)
        else:
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    with _serving(handle) as port:
        raws = [openloop.raw_request(port, "GET", url, "", "", "") for url in ("/ok", "/reset", "/hang", "/ok")]
        try:
            row = openloop.run(port, raws, 40, 0.5, {200}, b"ok")
        finally:
            release.set()
    assert row["sent"] == 20 and row["good"] == 10
    assert sorted(row["problems"]) == ["5× socket error/timeout: ConnectionResetError",
                                       "5× socket error/timeout: TimeoutError"]
    assert row["p99_ms"] == 300.0 and row["p50_ms"] < 300.0

    with socket.socket() as unused:  # a port just bound and released: nothing listens there
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    row = openloop.run(port, [openloop.raw_request(port, "GET", "/", "", "", "")], 20, 0.25, {200})
    assert row["sent"] == 5 and row["good"] == 0
    assert row["problems"] == ["5× socket error/timeout: ConnectionRefusedError"] and row["p50_ms"] == 300.0


def test_the_open_loop_sends_a_large_request_whole_and_reads_an_answer_sent_in_pieces(monkeypatch):
    """A request body larger than the socket buffers, to a server slow to read it, goes out in several sends; an
    answer written in pieces, with pauses between them, is read to the connection's close and checked whole."""
    monkeypatch.setattr(openloop, "TIMEOUT_S", 3.0)
    body = "x" * 8_000_000
    answer = b"y" * 200_000

    def handle(sock, head):
        size = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        received = len(head.partition(b"\r\n\r\n")[2])
        time.sleep(0.05)  # the sender's buffers fill meanwhile
        while received < size:
            chunk = sock.recv(1 << 20)
            if not chunk:
                return
            received += len(chunk)
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n")
        for piece in (b"Connection: close\r\n\r\n", answer[:50_000], answer[50_000:150_000], answer[150_000:]):
            time.sleep(0.01)
            sock.sendall(piece)

    with _serving(handle) as port:
        raw = openloop.raw_request(port, "POST", "/", "text/plain", "", body)
        row = openloop.run(port, [raw], 20, 0.25, {200}, answer)
    assert row["sent"] == 5 and row["good"] == 5 and row["problems"] == []
    assert row["p50_ms"] >= 40, "each answer took four pauses of 10 ms, and was waited for"


def test_growth_flat_within_one_and_a_half_times():
    assert growth.judge_flat("list", [(10, 1.0), (1000, 1.2), (10000, 1.49)]) == []
    assert growth.judge_flat("list", [(10, 1.0), (1000, 1.2), (10000, 1.6)]) == [
        "list: 1.60× the time at 10,000 as at 10 (limit 1.5×)"]
    assert growth.judge_flat("poll", [(1_000_000, 1.0), (10_000, 0.5)]) == [
        "poll: 2.00× the time at 1,000,000 as at 10,000 (limit 1.5×)"], "sizes are sorted before judging"


def test_growth_at_most_linear_in_an_orders_lines():
    linear = [(1, 2.0), (10, 3.8), (50, 11.8)]  # 0.2 per line throughout
    assert growth.judge_linear("create", linear) == []
    quadratic = [(1, 2.0), (10, 2.0 + 0.2 * 81 / 9), (50, 2.0 + 0.2 * 2401 / 9)]
    assert growth.judge_linear("create", quadratic) != []
    # lines nearly free: each may still cost 1 % of a one-line request (noise, not growth)
    assert growth.judge_linear("quote", [(1, 2.0), (10, 2.0), (50, 2.5)]) == []
    assert growth.judge_linear("quote", [(1, 2.0), (10, 2.0), (50, 4.0)]) != []


def test_growth_rows_are_judged_by_their_rule():
    rows = [{"name": "GET /api/courses/", "axis": "courses", "rule": "flat",
             "points": [{"size": 10, "p50_ms": 5.0, "cost": 1.0}, {"size": 10000, "p50_ms": 40.0, "cost": 8.0}]},
            {"name": "POST /api/orders/", "axis": "lines", "rule": "linear",
             "points": [{"size": 1, "p50_ms": 9.0, "cost": 2.0}, {"size": 10, "p50_ms": 16.0, "cost": 3.8},
                        {"size": 50, "p50_ms": 50.0, "cost": 11.8}]}]
    assert growth.evaluate(rows) == ["growth GET /api/courses/: 8.00× the time at 10,000 as at 10 (limit 1.5×)"]
    assert "✗" in growth.table(rows).splitlines()[2] and "✓" in growth.table(rows).splitlines()[3]
