"""The bench harness's own arithmetic: a path measured in interleaved slices is reported as one row whose
throughput and percentiles are those of all its requests together, and a distinct path's requests are split so
that no slice (nor the warm-up) sends a line another one sends."""
import pytest

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


@pytest.mark.parametrize("distinct", [True, False])
def test_slices_of_a_distinct_path_never_share_a_request(tmp_path, monkeypatch, distinct):
    monkeypatch.setattr(bench, "WARM_LINES", 10)
    path = tmp_path / "order_create.tsv"
    path.write_text("".join(f"POST\t/api/orders/\t\ttoken-{i}\t{{}}\n" for i in range(100)))
    warm, slices, calm = bench.measured_specs({"order_create": (path, distinct, "201", "")})
    warm_lines = warm["order_create"][0].read_text().splitlines()
    slice_lines = [spec[0].read_text().splitlines() for spec in slices["order_create"]]
    calm_lines = calm["order_create"][0].read_text().splitlines()
    assert len(slice_lines) == bench.ROUNDS
    if not distinct:
        assert all(lines == slice_lines[0] for lines in slice_lines) and len(slice_lines[0]) == 100
        assert calm_lines == slice_lines[0]
        return
    assert len(warm_lines) == 10
    every = warm_lines + [line for lines in slice_lines for line in lines] + calm_lines
    assert len(every) == len(set(every)), "a request was sent twice"
    assert min(len(lines) for lines in [*slice_lines, calm_lines]) == 90 // (bench.ROUNDS + 1)


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
