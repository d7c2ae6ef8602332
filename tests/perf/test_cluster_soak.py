"""The cluster soak's pure parts (soak/inflight.py): which failed requests a node kill explains, which requests a
client may send again, nginx's access log of upstream retries, and the /metrics figures summed over nodes."""
from harness.cluster import ACCESS_FORMAT
from soak.inflight import SLACK, Failure, InFlight, is_proxy_failure, metric_sums, retry_safe, upstream_retries


def failure(started, ended, kind="order", method="POST"):
    return Failure(kind, method, "/api/orders/", started, ended, "502")


def test_only_a_request_in_flight_at_the_kill_is_explained():
    outage = InFlight()
    outage.killed(100.0, 100.1)
    assert outage.failed(failure(99.0, 100.05))          # sent before, cut by the kill
    assert outage.failed(failure(100.0 + SLACK, 100.2))  # written on a kept-alive connection the kill had just closed
    assert not outage.failed(failure(90.0, 95.0))        # over before the kill
    assert not outage.failed(failure(100.2 + SLACK, 103.0))  # sent well after: nginx had the other node
    assert [f.started for f in outage.explained] == [99.0, 100.0 + SLACK]
    assert len(outage.unexplained) == 2
    assert outage.summary() == "2 (order POST x2)"


def test_no_kill_explains_nothing():
    outage = InFlight()
    assert not outage.failed(failure(1.0, 2.0))
    assert outage.summary() == "0 (none)"


def test_only_what_the_shop_dedupes_is_sent_again():
    assert retry_safe("query", "GET") and retry_safe("order", "POST") and retry_safe("cancel", "POST")
    assert not retry_safe("cashier", "POST")  # the pay button: the buyer looks at the trade instead
    assert not retry_safe("sim", "POST")


def test_the_proxy_s_failure_is_not_the_shop_s_gateway_error():
    assert is_proxy_failure(502, "text/html")
    assert not is_proxy_failure(502, "application/json")  # the shop's {errmsg, code} for a gateway fault
    assert not is_proxy_failure(500, "text/html")  # a 500 is the shop's, and always a violation


def test_upstream_retries_counts_passes_and_nginx_s_own_failures():
    assert "up=[$upstream_addr]" in ACCESS_FORMAT and "uplen=[$upstream_response_length]" in ACCESS_FORMAT
    victim, other = "127.0.0.3:8817", "127.0.0.2:8817"
    lines = [
        f'1.0 GET 200 "/api/orders/1/" up=[{victim}, {other}] upstatus=[502, 200] uplen=[0, 120]',
        f'1.1 POST 502 "/api/orders/" up=[{victim}] upstatus=[502] uplen=[0]',
        f'1.2 GET 502 "/api/payments/alipay/query/1/" up=[{victim}] upstatus=[502] uplen=[61]',  # the shop's 502
        f'1.3 GET 200 "/api/orders/" up=[{other}] upstatus=[200] uplen=[99]',
        "garbage",
    ]
    assert upstream_retries(lines, victim) == {"retried": 1, "failed": 1}


def test_metric_sums_add_the_nodes():
    node = ('# HELP luffy_fulfilments Orders newly paid\n# TYPE luffy_fulfilments counter\n'
            'luffy_fulfilments_total 3.0\n'
            '# HELP luffy_alipay_notifies Notifies\n# TYPE luffy_alipay_notifies counter\n'
            'luffy_alipay_notifies_total{verdict="ok"} 5.0\n'
            'luffy_alipay_notifies_total{verdict="bad_signature"} 1.0\n')
    other = node.replace("3.0", "4.0").replace("5.0", "2.0")
    assert metric_sums([node, other], ("luffy_fulfilments_total", "luffy_alipay_notifies_total")) == {
        'luffy_alipay_notifies_total{verdict="bad_signature"}': 2.0,
        'luffy_alipay_notifies_total{verdict="ok"}': 7.0,
        "luffy_fulfilments_total": 7.0,
    }
