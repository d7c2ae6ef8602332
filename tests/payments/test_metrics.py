"""/metrics (Prometheus text): the shop's counters move with a purchase; only METRICS_ALLOWED_IPS may read it.
Also the liveness and readiness endpoints."""
from prometheus_client.parser import text_string_to_metric_families

from .conftest import notify_params, sign_params


def _value(client, name: str, **labels) -> float:
    response = client.get("/metrics")
    assert response.status_code == 200, response.content
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def test_counters_move_after_a_purchase(client, auth_client, place_order, post_notify,
                                        django_capture_on_commit_callbacks):
    order = place_order(auth_client, "100.00")
    before = {"ok": _value(client, "luffy_alipay_notifies_total", verdict="ok"),
              "fulfilments": _value(client, "luffy_fulfilments_total"),
              "fulfilled": _value(client, "luffy_trade_outcomes_total", outcome="fulfilled"),
              "duplicate": _value(client, "luffy_trade_outcomes_total", outcome="duplicate"),
              "bad": _value(client, "luffy_alipay_notifies_total", verdict="bad_signature")}
    params = sign_params(notify_params(order["order_number"], "100.00"))
    with django_capture_on_commit_callbacks(execute=True):
        assert post_notify(params) == "success"
    assert post_notify(params) == "success"  # Alipay's repeat
    assert post_notify({**params, "total_amount": "0.01"}) == "fail"

    assert _value(client, "luffy_alipay_notifies_total", verdict="ok") == before["ok"] + 2
    assert _value(client, "luffy_alipay_notifies_total", verdict="bad_signature") == before["bad"] + 1
    assert _value(client, "luffy_fulfilments_total") == before["fulfilments"] + 1
    assert _value(client, "luffy_trade_outcomes_total", outcome="fulfilled") == before["fulfilled"] + 1
    assert _value(client, "luffy_trade_outcomes_total", outcome="duplicate") == before["duplicate"] + 1
    text = client.get("/metrics").content.decode()
    assert "django_http_requests_total_by_method_total" in text  # django-prometheus's own
    assert 'luffy_celery_queue_depth{queue="celery"}' in text


def test_metrics_refused_to_other_addresses(client, settings):
    refused = client.get("/metrics", REMOTE_ADDR="10.1.2.3")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden" and refused.json()["errmsg"]
    settings.METRICS_ALLOWED_IPS = ["10.1.2.3"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics").status_code == 403  # 127.0.0.1 is no longer listed


def test_metrics_behind_a_proxy_use_the_address_it_saw(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # nginx on 127.0.0.1 appends the address it saw; a client's own X-Forwarded-For entry is ignored
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.9").status_code == 403
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9, 127.0.0.1").status_code == 200


def test_liveness_and_readiness(client, db):
    assert client.get("/api/health/live/").json() == {"status": "ok"}
    ready = client.get("/api/health/ready/")
    assert ready.status_code == 200 and ready.json() == {"db": "ok", "redis": "ok"}
