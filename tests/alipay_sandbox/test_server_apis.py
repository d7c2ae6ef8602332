"""close, refund, refund query and injected faults, over HTTP with python-alipay-sdk."""
import json
import socket
import threading
import time
import urllib.error

import pytest
from alipay.exceptions import AliPayException, AliPayValidationError

from .conftest import wait_for


@pytest.fixture
def paid(open_cashier, sim, out_trade_no):
    """A paid 100.00 trade; returns its out_trade_no."""
    open_cashier(out_trade_no, total_amount="100.00")
    assert sim.post(f"trades/{out_trade_no}/pay")["paid_now"]
    return out_trade_no


# --- close ---------------------------------------------------------------------------------------------------

def test_close_before_login_is_trade_not_exist_and_the_cashier_stays_payable(open_cashier, client, browser,
                                                                             out_trade_no):
    cashier = open_cashier(out_trade_no)
    result = client.api_alipay_trade_close(out_trade_no=out_trade_no)
    assert result["code"] == "40004" and result["sub_code"] == "ACQ.TRADE_NOT_EXIST"
    assert browser.submit(browser.get(cashier.url), "cashier-pay").status_code == 302
    assert client.api_alipay_trade_query(out_trade_no=out_trade_no)["trade_status"] == "TRADE_SUCCESS"


def test_close_a_waiting_trade(open_cashier, client, browser, out_trade_no, sim):
    cashier = open_cashier(out_trade_no)
    browser.submit(cashier, "cashier-login")
    result = client.api_alipay_trade_close(out_trade_no=out_trade_no)
    assert result["code"] == "10000" and result["out_trade_no"] == out_trade_no and result["trade_no"]
    assert client.api_alipay_trade_query(out_trade_no=out_trade_no)["trade_status"] == "TRADE_CLOSED"
    assert 'id="cashier-closed"' in browser.get(cashier.url).text
    assert sim.post(f"trades/{out_trade_no}/pay")["paid_now"] is False
    again = client.api_alipay_trade_close(out_trade_no=out_trade_no)
    assert again["sub_code"] == "ACQ.TRADE_STATUS_ERROR"


def test_close_a_paid_trade_is_refused(paid, client):
    assert client.api_alipay_trade_close(out_trade_no=paid)["sub_code"] == "ACQ.TRADE_STATUS_ERROR"


def test_close_needs_a_trade_number(client):
    result = client.server_api("alipay.trade.close", {"operator_id": "x"})
    assert result["code"] == "40004" and result["sub_code"] == "ACQ.INVALID_PARAMETER"


# --- refund --------------------------------------------------------------------------------------------------

def refund(client, out_trade_no, amount, out_request_no=None, **extra):
    kwargs = {"out_request_no": out_request_no} if out_request_no else {}
    return client.api_alipay_trade_refund(refund_amount=amount, out_trade_no=out_trade_no, **kwargs, **extra)


def test_partial_refunds_accumulate_and_a_full_refund_closes(paid, client, sim):
    first = refund(client, paid, "30.00", "R1", refund_reason="不想学了")
    assert first["code"] == "10000" and first["fund_change"] == "Y" and first["refund_fee"] == "30.00"
    assert first["gmt_refund_pay"] and first["buyer_user_id"] and first["send_back_fee"] == "30.00"
    assert client.api_alipay_trade_query(out_trade_no=paid)["trade_status"] == "TRADE_SUCCESS"

    second = refund(client, paid, "70.00", "R2")
    assert second["fund_change"] == "Y" and second["refund_fee"] == "100.00"
    assert client.api_alipay_trade_query(out_trade_no=paid)["trade_status"] == "TRADE_CLOSED"

    too_much = refund(client, paid, "0.01", "R3")
    assert too_much["sub_code"] == "ACQ.TRADE_STATUS_ERROR"
    assert too_much["refund_fee"] == "0.00" and too_much["out_trade_no"] == paid


def test_same_out_request_no_is_idempotent(paid, client):
    first = refund(client, paid, "10.00", "R1")
    repeat = refund(client, paid, "10.00", "R1")
    assert repeat["code"] == "10000" and repeat["fund_change"] == "N"
    assert repeat["refund_fee"] == "10.00" and repeat["gmt_refund_pay"] == first["gmt_refund_pay"]
    discordant = refund(client, paid, "11.00", "R1")
    assert discordant["code"] == "40004" and discordant["sub_code"] == "ACQ.DISCORDANT_REPEAT_REQUEST"


def test_refund_without_out_request_no_must_be_the_total(paid, client):
    partial = refund(client, paid, "10.00")
    assert partial["sub_code"] == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"
    full = refund(client, paid, "100.00")
    assert full["fund_change"] == "Y" and full["refund_fee"] == "100.00"
    # Its request number defaults to out_trade_no, which makes a repeat idempotent too.
    assert refund(client, paid, "100.00")["fund_change"] == "N"
    by_number = client.api_alipay_trade_fastpay_refund_query(out_request_no=paid, out_trade_no=paid)
    assert by_number["refund_amount"] == "100.00"


def test_refund_more_than_paid(paid, client):
    refund(client, paid, "60.00", "R1")
    result = refund(client, paid, "40.01", "R2")
    assert result["sub_code"] == "ACQ.REASON_TRADE_REFUND_FEE_ERR"


def test_refund_of_unpaid_and_unknown_trades(open_cashier, client, sim, out_trade_no):
    assert refund(client, out_trade_no, "1.00", "R1")["sub_code"] == "ACQ.TRADE_NOT_EXIST"
    open_cashier(out_trade_no)
    assert refund(client, out_trade_no, "1.00", "R1")["sub_code"] == "ACQ.TRADE_NOT_EXIST"
    sim.post(f"trades/{out_trade_no}/login")
    assert refund(client, out_trade_no, "1.00", "R1")["sub_code"] == "ACQ.TRADE_STATUS_ERROR"


def test_refund_of_a_finished_trade(paid, client, sim):
    sim.post(f"trades/{paid}/finish")
    assert client.api_alipay_trade_query(out_trade_no=paid)["trade_status"] == "TRADE_FINISHED"
    assert refund(client, paid, "1.00", "R1")["sub_code"] == "ACQ.TRADE_HAS_FINISHED"


def test_refund_needs_merchant_balance(paid, client, sim):
    sim.post("config", merchant_balance="5.00")
    assert refund(client, paid, "5.01", "R1")["sub_code"] == "ACQ.SELLER_BALANCE_NOT_ENOUGH"
    assert refund(client, paid, "5.00", "R2")["fund_change"] == "Y"
    assert sim.get("config")["merchant_balance"] == "0.00"


def test_refund_amount_must_be_an_amount(paid, client):
    assert refund(client, paid, "1.001", "R1")["sub_code"] == "ACQ.INVALID_PARAMETER"
    assert client.server_api("alipay.trade.refund", {"out_trade_no": paid, "refund_amount": 12.34,
                                                     "out_request_no": "R2"})["fund_change"] == "Y"


def test_partial_refund_notifies_trade_success_with_refund_fields(open_cashier, sim, client, out_trade_no):
    open_cashier(out_trade_no, total_amount="50.00", notify_url=sim.sink_url("refunds"))
    sim.post(f"trades/{out_trade_no}/pay")
    refund(client, out_trade_no, "20.00", "RF-1")
    hits = sim.wait_hits("refunds", 2)
    params = dict(hits[1]["params"])
    assert params["trade_status"] == "TRADE_SUCCESS" and params["refund_fee"] == "20.00"
    assert params["out_biz_no"] == "RF-1" and params["gmt_refund"]
    assert params["notify_id"] != hits[0]["params"]["notify_id"]
    signature = params.pop("sign")
    assert client.verify(params, signature)


def test_full_refund_notifies_closed_only_when_switched_on(open_cashier, sim, client, out_trade_no):
    open_cashier(out_trade_no, total_amount="50.00", notify_url=sim.sink_url("closing"))
    sim.post(f"trades/{out_trade_no}/pay")
    sim.wait_hits("closing", 1)
    sim.post("config", notify_closed=True)
    refund(client, out_trade_no, "50.00", "RF-ALL")
    params = sim.wait_hits("closing", 2)[1]["params"]
    assert params["trade_status"] == "TRADE_CLOSED" and params["gmt_close"] and params["refund_fee"] == "50.00"


def test_full_refund_sends_no_notify_by_default(open_cashier, sim, client, out_trade_no):
    open_cashier(out_trade_no, total_amount="50.00", notify_url=sim.sink_url("quiet"))
    sim.post(f"trades/{out_trade_no}/pay")
    sim.wait_hits("quiet", 1)
    refund(client, out_trade_no, "50.00", "RF-ALL")
    time.sleep(0.5)
    assert len(sim.hits("quiet")) == 1 and len(sim.trade(out_trade_no)["notifications"]) == 1


# --- refund query --------------------------------------------------------------------------------------------

def test_refund_query(paid, client):
    refund(client, paid, "25.00", "R1")
    found = client.server_api("alipay.trade.fastpay.refund.query",
                              {"out_trade_no": paid, "out_request_no": "R1", "query_options": ["gmt_refund_pay"]})
    assert found["code"] == "10000" and found["refund_amount"] == "25.00" and found["total_amount"] == "100.00"
    assert found["refund_status"] == "REFUND_SUCCESS" and found["out_request_no"] == "R1"
    assert found["gmt_refund_pay"]
    unknown = client.api_alipay_trade_fastpay_refund_query(out_request_no="R9", out_trade_no=paid)
    assert unknown["code"] == "10000" and "refund_amount" not in unknown and "refund_status" not in unknown
    missing = client.api_alipay_trade_fastpay_refund_query(out_request_no="R1", out_trade_no="NOPE")
    assert missing["sub_code"] == "ACQ.TRADE_NOT_EXIST"


# --- injected faults -------------------------------------------------------------------------------------------

def test_system_error_fault_is_signed_20000(paid, client, sim):
    sim.post("faults", method="alipay.trade.query", kind="system_error", count=2)
    for _ in range(2):
        result = client.api_alipay_trade_query(out_trade_no=paid)
        assert result["code"] == "20000" and result["sub_code"] == "ACQ.SYSTEM_ERROR"
    assert client.api_alipay_trade_query(out_trade_no=paid)["code"] == "10000"
    assert sim.get("faults")["faults"][0]["remaining"] == 0


def test_unsigned_error_fault(paid, client, sim):
    sim.post("faults", method="alipay.trade.refund", kind="unsigned_error")
    with pytest.raises(AliPayException):
        refund(client, paid, "1.00", "R1")
    assert refund(client, paid, "1.00", "R1")["fund_change"] == "Y"  # the faulty call did nothing


def test_bad_signature_fault(paid, client, sim):
    sim.post("faults", method="*", kind="bad_signature")
    with pytest.raises(AliPayValidationError):
        client.api_alipay_trade_query(out_trade_no=paid)


def test_http_500_fault(paid, client, sim):
    sim.post("faults", method="alipay.trade.close", kind="http_500")
    with pytest.raises(urllib.error.HTTPError) as caught:
        client.api_alipay_trade_close(out_trade_no=paid)
    assert caught.value.code == 500


def test_sleep_fault_times_the_client_out_after_the_refund_happened(paid, make_client, client, sim):
    sim.post("faults", method="alipay.trade.refund", kind="sleep", seconds=2)
    impatient = make_client(timeout=0.5)
    with pytest.raises((socket.timeout, TimeoutError, urllib.error.URLError)):
        refund(impatient, paid, "10.00", "R-SLOW")
    # The refund went through; a retry with the same out_request_no says so without moving money again.
    again = refund(client, paid, "10.00", "R-SLOW")
    assert again["fund_change"] == "N" and again["refund_fee"] == "10.00"


def test_delay_fault_waits_before_the_call_is_processed(open_cashier, browser, client, sim, out_trade_no):
    """`delay` is the opposite of `sleep`: the call waits first and is processed afterwards, so something that
    happens during the wait (here the buyer paying) is what the call sees: a close then finds the trade paid."""
    cashier = open_cashier(out_trade_no, total_amount="100.00")
    browser.submit(cashier, "cashier-login")
    sim.post("faults", method="alipay.trade.close", kind="delay", seconds=1.5)
    answers = {}
    started = time.monotonic()
    closing = threading.Thread(target=lambda: answers.update(close=client.api_alipay_trade_close(
        out_trade_no=out_trade_no)))
    closing.start()
    wait_for(lambda: sim.get("faults")["faults"][0]["remaining"] == 0)  # the close has arrived and is waiting
    assert sim.trade(out_trade_no)["status"] == "WAIT_BUYER_PAY"
    assert sim.post(f"trades/{out_trade_no}/pay")["paid_now"] is True
    closing.join(timeout=10)
    assert time.monotonic() - started >= 1.5
    assert answers["close"]["code"] == "40004" and answers["close"]["sub_code"] == "ACQ.TRADE_STATUS_ERROR"
    assert sim.trade(out_trade_no)["status"] == "TRADE_SUCCESS"


def test_wrong_amount_fault_is_a_validly_signed_answer_with_the_amount_off_by_one_yuan(paid, client, sim):
    refund(client, paid, "25.00", "R1")
    sim.post("faults", method="alipay.trade.fastpay.refund.query", kind="wrong_amount")
    sim.post("faults", method="alipay.trade.query", kind="wrong_amount")
    # The SDK verifies these signatures (it would raise otherwise): only the amount is off.
    found = client.api_alipay_trade_fastpay_refund_query(out_request_no="R1", out_trade_no=paid)
    assert (found["code"], found["refund_amount"], found["refund_status"]) == ("10000", "26.00", "REFUND_SUCCESS")
    queried = client.api_alipay_trade_query(out_trade_no=paid)
    assert (queried["trade_status"], queried["total_amount"]) == ("TRADE_SUCCESS", "101.00")
    # Used up: the next answers are the truth again, and nothing changed at the gateway.
    assert client.api_alipay_trade_fastpay_refund_query(out_request_no="R1", out_trade_no=paid)["refund_amount"] \
        == "25.00"
    assert client.api_alipay_trade_query(out_trade_no=paid)["total_amount"] == "100.00"
    assert sim.trade(paid)["refund_fee"] == "25.00"


def test_fault_on_page_pay_shows_an_error_page(client, browser, gateway_url, sim, out_trade_no):
    sim.post("faults", method="alipay.trade.page.pay", kind="system_error")
    page = browser.get(gateway_url + "?" + client.api_alipay_trade_page_pay(
        subject="x", out_trade_no=out_trade_no, total_amount="1.00"))
    assert page.status_code == 200 and "ACQ.SYSTEM_ERROR" in page.text


def test_bad_fault_kind_is_rejected(sim):
    assert "kind must be one of" in sim.post("faults", expect=400, method="*", kind="meteor")["error"]


def test_control_api_inspects_and_resets(paid, sim):
    listed = sim.get("trades")["trades"]
    assert [t["out_trade_no"] for t in listed] == [paid] and listed[0]["status"] == "TRADE_SUCCESS"
    assert json.dumps(sim.get("")).count("not Alipay") == 1
    sim.post("reset")
    assert sim.get("trades")["trades"] == []
    assert sim.post(f"trades/{paid}/pay", expect=404)["error"]
