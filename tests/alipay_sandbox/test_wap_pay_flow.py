"""Wap pay (the phone cashier, protocol §9) end to end over HTTP: SDK link (alipay.trade.wap.pay) → gateway 302 →
the phone cashier → pay → signed return (method alipay.trade.wap.pay.return) → signed notify, retried on Alipay's
schedule; the same signature check as page pay; a wrong product_code is refused the way page pay's is."""
import pytest

from .conftest import pay_and_return, pem_of_new_key, wait_for

QUIT_URL = "http://127.0.0.1:9/user/orders?status=0"


def open_wap(open_cashier, out_trade_no, **kwargs):
    """A wap order as the shop opens it: QUICK_WAP_WAY (not the SDK's QUICK_WAP_PAY) and a quit_url."""
    return open_cashier(out_trade_no, wap=True, product_code="QUICK_WAP_WAY", quit_url=QUIT_URL, **kwargs)


def test_wap_link_opens_the_phone_cashier(open_cashier, out_trade_no, sim):
    cashier = open_wap(open_cashier, out_trade_no, total_amount="1579", subject="Python 全栈 & Django")
    html = cashier.text
    assert '<body class="wap">' in html and 'data-cashier="wap"' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<title>支付宝 · 手机网站支付</title>" in html
    assert '<a class="quit" id="cashier-quit" href="http://127.0.0.1:9/user/orders?status=0">‹ 返回商家</a>' in html
    for text in ("路飞学城", "Python 全栈 &amp; Django", "1579.00", out_trade_no, 'id="cashier-pay"',
                 "打开支付宝App付款", 'id="cashier-login"', "登录账户付款", 'id="cashier-cancel"'):
        assert text in html
    trade = sim.trade(out_trade_no)
    assert trade["method"] == "alipay.trade.wap.pay" and trade["quit_url"] == QUIT_URL
    assert trade["status"] == "NOT_CREATED"  # like page pay: a trade only once the buyer logs in


def test_the_desktop_cashier_stays_the_desktop_one(open_cashier, out_trade_no, sim):
    html = open_cashier(out_trade_no, quit_url=QUIT_URL).text  # page pay ignores quit_url, like Alipay
    assert "<body>" in html and 'data-cashier="page"' in html and 'id="cashier-quit"' not in html
    assert sim.trade(out_trade_no)["method"] == "alipay.trade.page.pay" and sim.trade(out_trade_no)["quit_url"] == ""


def test_paid_on_the_phone_cashier_returns_and_notifies_signed_like_page_pay(open_cashier, browser, client,
                                                                             out_trade_no, sim, base_url):
    cashier = open_wap(open_cashier, out_trade_no, total_amount="0.01", subject="课程：Vue 3 实战",
                       notify_url=sim.sink_url("phone"))
    data = pay_and_return(browser, cashier, base_url)
    assert data["method"] == "alipay.trade.wap.pay.return" and data["total_amount"] == "0.01"
    signature = data.pop("sign")
    assert client.verify(dict(data), signature)

    hit = sim.wait_hits("phone", 1)[0]
    params = dict(hit["params"])
    assert params["trade_status"] == "TRADE_SUCCESS" and params["out_trade_no"] == out_trade_no
    assert params["trade_no"] == data["trade_no"] and params["subject"] == "课程：Vue 3 实战"
    signature = params.pop("sign")
    assert client.verify(params, signature)
    assert client.api_alipay_trade_query(out_trade_no=out_trade_no)["trade_status"] == "TRADE_SUCCESS"
    again = browser.get(cashier.url)
    assert 'id="cashier-paid"' in again.text and 'id="cashier-return"' in again.text and "wap" in again.text


def test_wap_notify_is_retried_on_alipays_schedule(open_cashier, browser, client, sim, out_trade_no, settings):
    settings.SANDBOX_NOTIFY_TIME_SCALE = 0.005  # 4m → 1.2 s
    sim.post("sink/flaky-phone/config", fail_first=1)
    browser.submit(open_wap(open_cashier, out_trade_no, notify_url=sim.sink_url("flaky-phone")), "cashier-pay")
    hits = sim.wait_hits("flaky-phone", 2, timeout=20)
    assert [h["answered_body"] for h in hits] == ["fail", "success"]
    assert len({h["params"]["notify_id"] for h in hits}) == 1
    # The sandbox logs an attempt after reading the sink's answer, so the sink can see a hit before the log does.
    notification = wait_for(lambda: (n := sim.trade(out_trade_no)["notifications"][0])["state"] != "pending" and n)
    assert notification["state"] == "delivered" and [a["number"] for a in notification["attempt_log"]] == [1, 2]


def test_the_sdks_own_wap_product_code_is_accepted_too(open_cashier, out_trade_no, sim):
    cashier = open_cashier(out_trade_no, wap=True)  # api_alipay_trade_wap_pay's default: QUICK_WAP_PAY
    assert 'data-cashier="wap"' in cashier.text
    assert sim.trade(out_trade_no)["quit_url"] == ""


@pytest.mark.parametrize("method, product_code, expected", [
    ("alipay.trade.wap.pay", "FAST_INSTANT_TRADE_PAY", "QUICK_WAP_WAY"),
    ("alipay.trade.wap.pay", None, "QUICK_WAP_WAY"),
    ("alipay.trade.page.pay", "QUICK_WAP_WAY", "FAST_INSTANT_TRADE_PAY"),
])
def test_a_wrong_product_code_is_an_html_error_page(client, browser, gateway_url, out_trade_no, sim, method,
                                                    product_code, expected):
    biz = {"out_trade_no": out_trade_no, "total_amount": "1.00", "subject": "x", "product_code": product_code}
    page = browser.get(gateway_url + "?" + client.client_api(method, {k: v for k, v in biz.items() if v}))
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert '<strong id="error-code">ACQ.INVALID_PARAMETER</strong>' in page.text
    assert f"product_code参数不得为空，且目前仅支持{expected}" in page.text
    assert sim.get("trades")["trades"] == []


def test_a_quit_url_that_is_not_http_is_an_html_error_page(client, browser, gateway_url, out_trade_no):
    page = browser.get(gateway_url + "?" + client.api_alipay_trade_wap_pay(
        subject="x", out_trade_no=out_trade_no, total_amount="1.00", product_code="QUICK_WAP_WAY",
        quit_url="javascript:alert(1)"))
    assert "ACQ.INVALID_PARAMETER" in page.text and "quit_url" in page.text


def test_wap_pay_with_a_bad_signature_is_an_html_error(make_client, browser, gateway_url, out_trade_no):
    stranger = make_client(private_pem=pem_of_new_key()[0])
    page = browser.get(gateway_url + "?" + stranger.api_alipay_trade_wap_pay(
        subject="x", out_trade_no=out_trade_no, total_amount="1.00", product_code="QUICK_WAP_WAY"))
    assert page.status_code == 200
    assert "isv.invalid-signature" in page.text and "网关生成的验签字符串为：" in page.text
    assert "method=alipay.trade.wap.pay" in page.text


def test_cancel_on_the_phone_leads_back_to_quit_url_and_keeps_the_trade(open_cashier, browser, client, out_trade_no):
    cashier = open_wap(open_cashier, out_trade_no)
    browser.submit(cashier, "cashier-login")
    cashier = browser.get(cashier.url)
    assert 'id="cashier-confirm"' in cashier.text
    cancelled = browser.submit(cashier, "cashier-cancel")
    assert cancelled.status_code == 200 and "您已取消付款" in cancelled.text
    assert '<body class="wap">' in cancelled.text
    assert f'id="cashier-back-to-merchant" href="{QUIT_URL}"' in cancelled.text
    assert client.api_alipay_trade_query(out_trade_no=out_trade_no)["trade_status"] == "WAIT_BUYER_PAY"


def test_a_closed_wap_trade_is_notified_by_default(open_cashier, client, sim, out_trade_no):
    open_wap(open_cashier, out_trade_no, notify_url=sim.sink_url("phone-closed"))
    sim.post(f"trades/{out_trade_no}/login")
    assert client.api_alipay_trade_close(out_trade_no=out_trade_no)["code"] == "10000"
    params = dict(sim.wait_hits("phone-closed", 1)[0]["params"])
    assert params["trade_status"] == "TRADE_CLOSED" and params["gmt_close"]
    signature = params.pop("sign")
    assert client.verify(params, signature)


def test_a_page_pay_order_reopened_on_a_phone_gets_the_phone_cashier(open_cashier, browser, out_trade_no, sim):
    desktop = open_cashier(out_trade_no, total_amount="10.00")
    phone = open_wap(open_cashier, out_trade_no, total_amount="10.00")
    assert phone.url == desktop.url and 'data-cashier="wap"' in phone.text
    assert sim.trade(out_trade_no)["method"] == "alipay.trade.wap.pay"
