"""Async notify delivery (S12–S15): retries on Alipay's (scaled) schedule, the attempt log, and the __sim__
notify controls. The receiver is the control API's test sink."""
import time

import pytest
import requests

from .conftest import return_params, wait_for


def pay(open_cashier, browser, out_trade_no, sink, sim, amount="88.00"):
    """Open a page.pay order notifying `sink`, pay it in the cashier; returns the return redirect."""
    cashier = open_cashier(out_trade_no, total_amount=amount, notify_url=sim.sink_url(sink))
    return browser.submit(cashier, "cashier-pay")


def test_failed_notify_is_retried_with_the_same_notify_id_and_a_fresh_signature(
        open_cashier, browser, client, sim, out_trade_no, settings):
    settings.SANDBOX_NOTIFY_TIME_SCALE = 0.005  # 4m → 1.2 s, 10m → 3 s: attempts land in different seconds
    sim.post("sink/flaky/config", fail_first=2)
    pay(open_cashier, browser, out_trade_no, "flaky", sim)
    hits = sim.wait_hits("flaky", 3, timeout=20)
    assert [h["answered_body"] for h in hits] == ["fail", "fail", "success"]
    params = [dict(h["params"]) for h in hits]
    assert len({p["notify_id"] for p in params}) == 1
    assert len({p["sign"] for p in params}) == 3 and len({p["notify_time"] for p in params}) == 3
    for p in params:
        signature = p.pop("sign")
        assert client.verify(p, signature)
    notification = sim.trade(out_trade_no)["notifications"][0]
    assert notification["state"] == "delivered" and notification["attempts"] == 3
    log = notification["attempt_log"]
    assert [a["number"] for a in log] == [1, 2, 3]
    assert [a["response_body"] for a in log] == ["fail", "fail", "success"]
    assert all(a["http_status"] == 200 and a["url"] == sim.sink_url("flaky") for a in log)
    gap = time.mktime(time.strptime(params[1]["notify_time"], "%Y-%m-%d %H:%M:%S")) - \
        time.mktime(time.strptime(params[0]["notify_time"], "%Y-%m-%d %H:%M:%S"))
    # The second attempt waits the scaled 4 minutes (1.2 s), never less; a busy machine may deliver it later.
    assert 1 <= gap <= 10


def test_eight_attempts_then_it_gives_up(open_cashier, browser, sim, out_trade_no, settings):
    settings.SANDBOX_NOTIFY_TIME_SCALE = 0.00005  # the whole 24h22m schedule in about 4.4 s
    sim.post("sink/down/config", answer="oops", status_code=500)
    pay(open_cashier, browser, out_trade_no, "down", sim)
    notification = wait_for(lambda: (n := sim.trade(out_trade_no)["notifications"][0])["state"] == "failed" and n,
                            timeout=30)
    assert notification["attempts"] == 8 and len(notification["attempt_log"]) == 8
    assert all(a["http_status"] == 500 and not a["success"] for a in notification["attempt_log"])
    assert len(sim.hits("down")) == 8


def test_only_exactly_success_counts(open_cashier, browser, sim, out_trade_no, settings):
    settings.SANDBOX_NOTIFY_TIME_SCALE = 10  # no retry within the test
    sim.post("sink/chatty/config", answer="success\n")
    pay(open_cashier, browser, out_trade_no, "chatty", sim)
    sim.wait_hits("chatty", 1)
    notification = wait_for(lambda: (n := sim.trade(out_trade_no)["notifications"][0])["attempts"] and n)
    assert notification["state"] == "pending" and not notification["attempt_log"][0]["success"]
    sim.post("config", notify_strip_whitespace=True)
    resent = sim.post(f"trades/{out_trade_no}/notify/resend")
    assert resent["attempts"][0]["success"] and resent["notification"]["state"] == "delivered"


def test_drop_next_loses_one_attempt_and_alipay_retries(open_cashier, browser, sim, out_trade_no, settings):
    settings.SANDBOX_NOTIFY_TIME_SCALE = 0.001
    cashier = open_cashier(out_trade_no, notify_url=sim.sink_url("lossy"))
    sim.post(f"trades/{out_trade_no}/notify/drop-next")
    browser.submit(cashier, "cashier-pay")
    sim.wait_hits("lossy", 1)

    # The sink counts the retry when it answers; the sandbox logs the attempt only after reading that answer.
    def two_attempts_logged():
        log = sim.trade(out_trade_no)["notifications"][0]["attempt_log"]
        return log if len(log) >= 2 else None

    log = wait_for(two_attempts_logged, timeout=15.0)
    assert log[0]["error"].startswith("dropped") and log[0]["http_status"] is None
    assert log[1]["success"]


def test_delay_next(open_cashier, browser, sim, out_trade_no):
    cashier = open_cashier(out_trade_no, notify_url=sim.sink_url("late"))
    sim.post(f"trades/{out_trade_no}/notify/delay-next", seconds=1.5)
    started = time.monotonic()
    browser.submit(cashier, "cashier-pay")
    time.sleep(0.5)
    assert sim.hits("late") == []
    sim.wait_hits("late", 1)
    assert time.monotonic() - started >= 1.4


@pytest.mark.parametrize("field", ["signature", "total_amount"])
def test_tampered_notify(open_cashier, browser, client, sim, out_trade_no, field, settings):
    settings.SANDBOX_NOTIFY_TIME_SCALE = 10
    cashier = open_cashier(out_trade_no, total_amount="88.00", notify_url=sim.sink_url(f"tamper-{field}"))
    sim.post(f"trades/{out_trade_no}/notify/tamper-next", field=field)
    browser.submit(cashier, "cashier-pay")
    params = dict(sim.wait_hits(f"tamper-{field}", 1)[0]["params"])
    signature = params.pop("sign")
    if field == "signature":
        assert params["total_amount"] == "88.00" and not client.verify(params, signature)
    else:  # validly signed but the wrong amount: only the shop's amount check catches it
        assert params["total_amount"] == "89.00" and client.verify(params, signature)


@pytest.mark.parametrize("field", ["signature", "total_amount"])
def test_tampered_return(open_cashier, browser, client, sim, out_trade_no, field):
    cashier = open_cashier(out_trade_no, total_amount="88.00")
    sim.post(f"trades/{out_trade_no}/return/tamper-next", field=field)
    data = return_params(browser.submit(cashier, "cashier-pay").headers["Location"])
    signature = data.pop("sign")
    assert client.verify(data, signature) is (field == "total_amount")
    assert data["total_amount"] == ("89.00" if field == "total_amount" else "88.00")


def test_duplicate_sends_the_same_notify_again(open_cashier, browser, sim, out_trade_no):
    pay(open_cashier, browser, out_trade_no, "dups", sim)
    sim.wait_hits("dups", 1)
    answer = sim.post(f"trades/{out_trade_no}/notify/duplicate", count=3)
    assert len(answer["attempts"]) == 3 and all(a["number"] == 0 for a in answer["attempts"])
    hits = sim.hits("dups")
    assert len(hits) == 4 and len({h["params"]["notify_id"] for h in hits}) == 1


def test_notify_order_never_then_resend(open_cashier, browser, sim, out_trade_no):
    sim.post("config", notify_order="never")
    pay(open_cashier, browser, out_trade_no, "held", sim)
    time.sleep(0.5)
    assert sim.hits("held") == [] and sim.trade(out_trade_no)["notifications"][0]["state"] == "held"
    resent = sim.post(f"trades/{out_trade_no}/notify/resend")
    assert resent["attempts"][0]["success"] and len(sim.hits("held")) == 1


def test_notify_order_before_delivers_before_the_redirect(open_cashier, browser, sim, out_trade_no):
    sim.post("config", notify_order="before")
    redirect = pay(open_cashier, browser, out_trade_no, "early", sim)
    assert redirect.status_code == 302
    assert len(sim.hits("early")) == 1  # already there when the browser gets its redirect


def test_notify_order_after_waits(open_cashier, browser, sim, out_trade_no):
    sim.post("config", notify_order="after", notify_after_delay_seconds=1.0)
    pay(open_cashier, browser, out_trade_no, "after", sim)
    assert sim.hits("after") == []
    sim.wait_hits("after", 1)


def test_forced_pay_through_the_control_api_notifies_and_returns_params(open_cashier, sim, client, out_trade_no):
    open_cashier(out_trade_no, total_amount="66.60", notify_url=sim.sink_url("forced"))
    answer = sim.post(f"trades/{out_trade_no}/pay")
    assert answer["paid_now"] and answer["trade"]["status"] == "TRADE_SUCCESS"
    assert answer["return_url"].split("?", 1)[0].endswith("/shop/return/")
    data = dict(answer["return_params"])
    signature = data.pop("sign")
    assert client.verify(data, signature) and data["total_amount"] == "66.60"
    assert sim.wait_hits("forced", 1)[0]["params"]["trade_status"] == "TRADE_SUCCESS"
    assert sim.post(f"trades/{out_trade_no}/pay")["paid_now"] is False  # paying twice is a no-op


def test_deliver_due_endpoint_and_celery_task_deliver_what_is_due(open_cashier, sim, out_trade_no, settings):
    from luffycityapi.apps.alipay_sandbox.tasks import run_due_work

    settings.SANDBOX_NOTIFY_IN_PROCESS = False  # as in a process where only Celery delivers
    open_cashier(out_trade_no, notify_url=sim.sink_url("beat"))
    sim.post(f"trades/{out_trade_no}/pay")
    time.sleep(0.3)
    assert sim.hits("beat") == []
    assert run_due_work.delay().get(timeout=10)["attempts"] == 1  # eager in tests: runs here, now
    assert len(sim.hits("beat")) == 1
    assert sim.post("notifications/deliver-due")["attempts"] == 0


def test_only_loopback_notify_urls_are_contacted(open_cashier, sim, out_trade_no):
    open_cashier(out_trade_no, notify_url="http://example.com/notify")
    sim.post(f"trades/{out_trade_no}/pay")
    attempt = wait_for(lambda: sim.trade(out_trade_no)["notifications"][0]["attempt_log"])[0]
    assert attempt["error"].startswith("refused") and attempt["http_status"] is None


def test_public_key_is_a_wrapped_pem(sim):
    pem = requests.get(sim.url("public-key"), timeout=5).text
    lines = pem.strip().splitlines()
    assert lines[0] == "-----BEGIN PUBLIC KEY-----" and lines[-1] == "-----END PUBLIC KEY-----"
    assert all(len(line) <= 64 for line in lines)


def test_overdue_orders_are_closed_by_the_due_work_with_a_closed_notify_when_on(open_cashier, sim, out_trade_no,
                                                                               settings):
    settings.SANDBOX_NOTIFY_IN_PROCESS = False
    sim.post("config", notify_closed=True)
    open_cashier(out_trade_no, notify_url=sim.sink_url("expiry"), timeout_express="5m")
    sim.post(f"trades/{out_trade_no}/login")
    sim.post("clock/advance", seconds=301)
    assert sim.post("notifications/deliver-due") == {"closed": 1, "attempts": 1}
    params = sim.hits("expiry")[0]["params"]
    assert params["trade_status"] == "TRADE_CLOSED" and params["gmt_close"] and "gmt_payment" not in params
