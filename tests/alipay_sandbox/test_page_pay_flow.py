"""Page pay end to end over HTTP: SDK link → gateway 302 → cashier HTML → pay → signed return → signed notify."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alipay.exceptions import AliPayException

from .conftest import pay_and_return, wait_for


def test_link_cashier_pay_return_is_verified_by_the_sdk(open_cashier, browser, client, out_trade_no, base_url):
    cashier = open_cashier(out_trade_no, total_amount="1579", subject="Python 全栈 & Django")
    html = cashier.text
    for text in ("路飞学城", "Python 全栈 &amp; Django", "1579.00", out_trade_no, 'id="cashier-pay"',
                 'id="cashier-login"', 'id="cashier-cancel"', "csrfmiddlewaretoken"):
        assert text in html

    data = pay_and_return(browser, cashier, base_url)  # keys in Alipay's order, the timestamp's space as "+"
    assert data["method"] == "alipay.trade.page.pay.return"
    assert data["total_amount"] == "1579.00" and data["seller_id"] == "2088102177100122"
    assert len(data["trade_no"]) == 28 and data["trade_no"][8:13] == "22001"
    signature = data.pop("sign")
    assert client.verify(dict(data), signature)

    tampered = {**data, "total_amount": "1.00"}
    assert not client.verify(tampered, signature)


def test_query_before_login_after_login_after_pay(open_cashier, browser, client, out_trade_no, sim):
    cashier = open_cashier(out_trade_no, total_amount="12.30")
    before = client.api_alipay_trade_query(out_trade_no=out_trade_no)
    assert before == {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST",
                      "sub_msg": "交易不存在", "buyer_pay_amount": "0.00", "invoice_amount": "0.00",
                      "out_trade_no": out_trade_no, "point_amount": "0.00", "receipt_amount": "0.00"}

    logged_in = browser.submit(cashier, "cashier-login")
    assert logged_in.status_code == 302
    cashier = browser.get(cashier.url)
    assert 'id="cashier-confirm"' in cashier.text and 'id="cashier-login"' not in cashier.text
    waiting = client.api_alipay_trade_query(out_trade_no=out_trade_no)
    assert waiting["code"] == "10000" and waiting["trade_status"] == "WAIT_BUYER_PAY"
    assert waiting["total_amount"] == "12.30" and waiting["buyer_pay_amount"] == "0.00"
    assert "send_pay_date" not in waiting

    assert browser.submit(cashier, "cashier-confirm").status_code == 302
    paid = client.server_api("alipay.trade.query", {"out_trade_no": out_trade_no,
                                                    "query_options": ["fund_bill_list"]})
    assert paid["trade_status"] == "TRADE_SUCCESS" and paid["trade_no"] == waiting["trade_no"]
    assert paid["buyer_pay_amount"] == paid["receipt_amount"] == "12.30" and paid["send_pay_date"]
    assert paid["fund_bill_list"] == [{"amount": "12.30", "fund_channel": "ALIPAYACCOUNT"}]
    by_trade_no = client.api_alipay_trade_query(trade_no=paid["trade_no"])
    assert by_trade_no["out_trade_no"] == out_trade_no

    again = browser.get(cashier.url)
    assert 'id="cashier-paid"' in again.text and 'id="cashier-return"' in again.text


def test_notify_is_delivered_signed_and_verified_by_the_sdk(open_cashier, browser, client, out_trade_no, sim):
    cashier = open_cashier(out_trade_no, total_amount="0.01", subject="课程：Vue 3 实战",
                           notify_url=sim.sink_url("shop"), passback_params="merchant%3Dluffy")
    browser.submit(cashier, "cashier-pay")
    hit = sim.wait_hits("shop", 1)[0]
    assert hit["content_type"].startswith("application/x-www-form-urlencoded")
    params = dict(hit["params"])
    assert params["subject"] == "课程：Vue 3 实战"
    assert "%E8%AF%BE" in hit["raw_body"]  # real UTF-8 on the wire
    assert params["trade_status"] == "TRADE_SUCCESS" and params["notify_type"] == "trade_status_sync"
    assert params["fund_bill_list"] == '[{"amount":"0.01","fundChannel":"ALIPAYACCOUNT"}]'
    assert params["passback_params"] == "merchant%3Dluffy"
    assert all(value != "" for value in params.values())
    for key in ("gmt_create", "gmt_payment", "notify_time", "buyer_id", "invoice_amount", "version", "notify_id",
                "out_trade_no", "total_amount", "trade_no", "auth_app_id", "receipt_amount", "point_amount",
                "buyer_pay_amount", "app_id", "sign_type", "seller_id", "charset"):
        assert key in params
    signature = params.pop("sign")
    assert client.verify(params, signature)
    # The sandbox logs the attempt after reading the sink's answer: the sink's hit can come first.
    log = wait_for(lambda: (n := sim.trade(out_trade_no)["notifications"][0])["state"] != "pending" and n)
    assert log["state"] == "delivered" and log["attempt_log"][0]["http_status"] == 200
    assert log["attempt_log"][0]["response_body"] == "success"


def test_no_return_url_shows_own_success_page(open_cashier, browser, out_trade_no):
    cashier = open_cashier(out_trade_no, return_url="")
    paid = browser.submit(cashier, "cashier-pay")
    assert paid.status_code == 302 and "/sandbox/alipay/cashier/" in paid.headers["Location"]
    page = browser.get(cashier.url)
    assert "支付成功" in page.text and 'id="cashier-return"' not in page.text


def test_cancel_keeps_the_trade_waiting(open_cashier, browser, client, out_trade_no):
    cashier = open_cashier(out_trade_no)
    browser.submit(cashier, "cashier-login")
    cashier = browser.get(cashier.url)
    cancelled = browser.submit(cashier, "cashier-cancel")
    assert cancelled.status_code == 200
    assert "您已取消付款" in cancelled.text and 'id="cashier-back-to-merchant"' in cancelled.text
    assert client.api_alipay_trade_query(out_trade_no=out_trade_no)["trade_status"] == "WAIT_BUYER_PAY"


def test_pay_requires_the_csrf_token(open_cashier, browser, out_trade_no):
    cashier = open_cashier(out_trade_no)
    response = browser.session.post(cashier.url + "/pay", allow_redirects=False, timeout=10)
    assert response.status_code == 403


def test_time_expire_in_the_past_gives_a_closed_order(open_cashier, browser, client, out_trade_no, sim):
    past = (datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
    cashier = open_cashier(out_trade_no, time_expire=past)
    assert 'id="cashier-closed"' in cashier.text and 'id="cashier-pay"' not in cashier.text
    assert sim.trade(out_trade_no)["status"] == "TRADE_CLOSED"
    forced = sim.post(f"trades/{out_trade_no}/pay")
    assert forced["paid_now"] is False and forced["trade"]["status"] == "TRADE_CLOSED"
    assert client.api_alipay_trade_query(out_trade_no=out_trade_no)["sub_code"] == "ACQ.TRADE_NOT_EXIST"


def test_timeout_express_closes_a_logged_in_trade(open_cashier, browser, client, out_trade_no, sim):
    cashier = open_cashier(out_trade_no, timeout_express="1m")
    browser.submit(cashier, "cashier-login")
    sim.post("clock/advance", seconds=61)
    closed = client.api_alipay_trade_query(out_trade_no=out_trade_no)
    assert closed["code"] == "10000" and closed["trade_status"] == "TRADE_CLOSED"
    page = browser.get(cashier.url)
    assert 'id="cashier-closed"' in page.text
    late = browser.session.post(cashier.url + "/pay", timeout=10)  # no CSRF needed to prove the state: 403 first
    assert late.status_code == 403


@pytest.mark.parametrize("status, sub_code", [("pay", "ACQ.TRADE_HAS_SUCCESS"), ("close", "ACQ.TRADE_HAS_CLOSE")])
def test_reusing_a_finished_out_trade_no_shows_an_error_page(open_cashier, client, browser, gateway_url, sim,
                                                             out_trade_no, status, sub_code):
    open_cashier(out_trade_no)
    sim.post(f"trades/{out_trade_no}/login")
    sim.post(f"trades/{out_trade_no}/{status}")
    page = browser.get(gateway_url + "?" + client.api_alipay_trade_page_pay(
        subject="Django 入门课", out_trade_no=out_trade_no, total_amount="99.00"))
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert f"错误代码 <strong id=\"error-code\">{sub_code}</strong>" in page.text


def test_reusing_a_waiting_order_gives_the_same_cashier_unless_params_changed(open_cashier, client, browser,
                                                                            gateway_url, out_trade_no):
    first = open_cashier(out_trade_no, total_amount="10.00")
    same = browser.get(gateway_url + "?" + client.api_alipay_trade_page_pay(
        subject="Django 入门课", out_trade_no=out_trade_no, total_amount="10.00"))
    assert same.status_code == 302 and first.url.endswith(same.headers["Location"])
    changed = browser.get(gateway_url + "?" + client.api_alipay_trade_page_pay(
        subject="Django 入门课", out_trade_no=out_trade_no, total_amount="11.00"))
    assert changed.status_code == 200 and "ACQ.CONTEXT_INCONSISTENT" in changed.text


@pytest.mark.parametrize("biz, message", [
    ({"out_trade_no": "bad-no!", "total_amount": "1.00", "subject": "x"}, "out_trade_no"),
    ({"total_amount": "1.001", "subject": "x"}, "total_amount"),
    ({"total_amount": "0.00", "subject": "x"}, "total_amount"),
    ({"total_amount": "100000000.01", "subject": "x"}, "total_amount"),
    ({"total_amount": "1.00", "subject": ""}, "subject"),
    ({"total_amount": "1.00", "subject": "x", "product_code": "QUICK_WAP_PAY"}, "product_code"),
    ({"total_amount": "1.00", "subject": "x", "timeout_express": "1.5h"}, "timeout_express"),
])
def test_page_pay_business_errors_are_html_pages(client, browser, gateway_url, out_trade_no, biz, message):
    biz = {"out_trade_no": out_trade_no, "product_code": "FAST_INSTANT_TRADE_PAY", **biz}
    page = browser.get(gateway_url + "?" + client.client_api("alipay.trade.page.pay", biz))
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "错误代码" in page.text and "ACQ.INVALID_PARAMETER" in page.text and message in page.text


def test_page_pay_accepts_json_number_amounts(client, browser, gateway_url, out_trade_no, sim):
    biz = {"out_trade_no": out_trade_no, "total_amount": 12.5, "subject": "x",
           "product_code": "FAST_INSTANT_TRADE_PAY"}
    hop = browser.get(gateway_url + "?" + client.client_api("alipay.trade.page.pay", biz))
    assert hop.status_code == 302
    assert sim.trade(out_trade_no)["total_amount"] == "12.50"


def test_page_pay_with_a_bad_signature_is_an_html_error(make_client, browser, gateway_url, out_trade_no):
    from .conftest import pem_of_new_key

    stranger = make_client(private_pem=pem_of_new_key()[0])
    page = browser.get(gateway_url + "?" + stranger.api_alipay_trade_page_pay(
        subject="x", out_trade_no=out_trade_no, total_amount="1.00"))
    assert page.status_code == 200
    assert "isv.invalid-signature" in page.text and "网关生成的验签字符串为：" in page.text


def test_sdk_raises_for_unsigned_errors(client):
    with pytest.raises(AliPayException):
        client.server_api("alipay.rade.refund", {"out_trade_no": "X", "refund_amount": "1.00"})
