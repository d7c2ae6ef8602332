"""WeChat Pay end to end over real HTTP: the shop (live server) calls the local WeChat Pay sandbox through wechatpayv3
(its Authorization verified there, every answer signed), the "phone" pays on the sandbox's scan page, and the
sandbox posts its signed, encrypted notify back on its own thread. Plus query/close at expiry and refunds."""
import re
from decimal import Decimal
from urllib.parse import quote

import pytest
import requests
from django.db import connections
from django.utils import timezone

from luffycityapi.apps.orders import services as order_services
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments import refunds
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.payments.models import PaymentEvent, PaymentIssue, Refund
from luffycityapi.apps.payments.providers import wechat
from luffycityapi.apps.payments.providers.base import ProviderError
from luffycityapi.apps.users.models import UserCourse

from .conftest import TIMEOUT, Shop, wait_for


@pytest.fixture
def wx(live_server, transactional_db, settings, make_user):
    base = live_server.url
    settings.SITE_URL = base
    settings.WECHATPAY_GATEWAY = f"{base}/sandbox/wechatpay"
    settings.WECHATPAY_NOTIFY_URL = f"{base}/api/payments/wechat/notify"
    settings.WECHATPAY_SANDBOX_TIME_SCALE = 0.001
    requests.post(f"{base}/sandbox/wechatpay/__sim__/reset", timeout=TIMEOUT).raise_for_status()
    return WxShop(base, make_user())


class WxShop(Shop):
    def order(self, course_ids, coupon_id=-1, credit=0):
        for course_id in course_ids:
            self.call("POST", "/api/cart/", 201, json={"course_id": course_id})
        return self.call("POST", "/api/orders/", 201,
                         json={"pay_type": 1, "user_coupon_id": coupon_id, "credit": credit}).json()

    def wsim(self, path, expect=200, **body):
        response = requests.post(f"{self.base}/sandbox/wechatpay/__sim__/{path}", json=body, timeout=TIMEOUT)
        assert response.status_code == expect, response.text
        return response.json()

    def code_url(self, order_number):
        answer = self.call("GET", f"/api/payments/wechat/{order_number}/", 200).json()
        assert set(answer) >= {"pay_type", "code_url", "order_status"} and answer["pay_type"] == 1
        assert answer["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
        return answer["code_url"]

    def scan_and(self, code_url, button):
        page_url = f"{self.base}/sandbox/wechatpay/scan?code_url={quote(code_url, safe='')}"
        page = self.browser.get(page_url, timeout=TIMEOUT)
        assert page.status_code == 200 and 'id="scan-pay"' in page.text, page.text[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        done = self.browser.post(f"{self.base}/sandbox/wechatpay/scan/{button}",
                                 data={"csrfmiddlewaretoken": token, "code_url": code_url},
                                 headers={"Referer": page_url}, timeout=TIMEOUT)
        assert done.status_code == 200
        return done.text


def _paid(order_number):
    return Order.objects.get(order_number=order_number).order_status == Order.Status.PAID


def test_student_pays_by_scanning_and_the_notify_fulfils(wx, make_course):
    course = make_course(price="1389.52")
    order = wx.order([course.id])
    code_url = wx.code_url(order["order_number"])
    assert wx.code_url(order["order_number"]) == code_url  # same order, same params: the same code_url
    sandbox = requests.get(f"{wx.base}/sandbox/wechatpay/__sim__/orders/{order['order_number']}",
                           timeout=TIMEOUT).json()
    assert sandbox["amount"]["total"] == 138952 and sandbox["trade_state"] == "NOTPAY"
    db_order = Order.objects.get(order_number=order["order_number"])
    assert sandbox["time_expire"] == wechat.rfc3339(db_order.expire_time) and sandbox["time_expire"].endswith("+08:00")

    page = wx.scan_and(code_url, "pay")
    assert 'id="scan-paid"' in page
    wait_for(lambda: _paid(order["order_number"]), what="the sandbox's notify")
    db_order.refresh_from_db()
    assert db_order.trade_no.startswith("4200") and len(db_order.trade_no) == 28
    assert UserCourse.objects.filter(user=wx.user, course=course).exists()
    assert wx.call("GET", f"/api/payments/wechat/query/{order['order_number']}/", 200).json()["order_status"] == 1
    notified = wait_for(lambda: requests.get(f"{wx.base}/sandbox/wechatpay/__sim__/orders/{order['order_number']}",
                                             timeout=TIMEOUT).json()["notifications"][0]["state"] == "delivered",
                        what="the notify acknowledged")
    assert notified
    assert {k: v for k, v in run_audit().items() if v} == {}


def test_a_lost_notify_is_found_by_the_poll_and_duplicates_fulfil_once(wx, make_course):
    order = wx.order([make_course(price="19.99").id])
    number = order["order_number"]
    wx.code_url(number)
    wx.wsim("config", notify_hold=True)
    wx.wsim(f"orders/{number}/pay")
    assert not _paid(number)
    assert wx.call("GET", f"/api/payments/wechat/query/{number}/", 200).json()["order_status"] == 1  # query finds it
    results = wx.wsim(f"orders/{number}/notify/duplicate", count=4)["results"]
    assert results == [True] * 4
    outcomes = list(PaymentEvent.objects.filter(kind="notify", order_number=number).values_list("outcome", flat=True))
    assert outcomes == ["duplicate"] * 4
    assert UserCourse.objects.filter(user=wx.user).count() == 1


def test_tampered_notifies_are_refused_and_retried_until_a_good_one(wx, make_course):
    order = wx.order([make_course(price="0.01").id])
    number = order["order_number"]
    wx.code_url(number)
    wx.wsim(f"orders/{number}/notify/tamper-next", field="signature")
    wx.wsim(f"orders/{number}/pay")
    wait_for(lambda: _paid(number), what="the retry after the tampered attempt")
    verdicts = list(PaymentEvent.objects.filter(kind="notify").order_by("id").values_list("verdict", flat=True))
    assert verdicts[0] == "bad_signature" and verdicts[-1] == "ok"


def test_the_sandbox_refuses_a_request_signed_with_another_merchant_key(wx, settings, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = tmp_path / "other.pem"
    other.write_bytes(rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    settings.WECHATPAY_PRIVATE_KEY_FILE = str(other)
    with pytest.raises(ProviderError) as error:
        wechat.query("202612040000000000000000001")
    assert error.value.raw["http_status"] == 401 and error.value.raw["code"] == "SIGN_ERROR"
    assert not error.value.retryable


def test_gateway_faults_become_provider_errors(wx, settings):
    wx.wsim("faults", api="query", kind="system_error")
    with pytest.raises(ProviderError) as error:
        wechat.query("202612040000000000000000001")
    assert error.value.retryable and error.value.raw["code"] == "SYSTEM_ERROR"
    wx.wsim("faults", api="query", kind="rate_limited")
    with pytest.raises(ProviderError) as error:
        wechat.query("202612040000000000000000001")
    assert error.value.retryable and error.value.raw["code"] == "FREQUENCY_LIMITED"
    assert not wechat.query("202612040000000000000000001").exists  # 404 ORDER_NOT_EXIST: no trade there
    settings.WECHATPAY_TIMEOUT_SECONDS = 1
    wx.wsim("faults", api="query", kind="sleep", seconds=2)
    with pytest.raises(ProviderError) as error:
        wechat.query("202612040000000000000000001")
    assert error.value.code == "gateway_timeout"


def test_a_bad_signature_on_a_2xx_answer_is_refused(wx, make_course):
    order = wx.order([make_course(price="5.00").id])
    wx.code_url(order["order_number"])
    wx.wsim("faults", api="query", kind="bad_signature")
    with pytest.raises(ProviderError) as error:
        wechat.query(order["order_number"])
    assert error.value.code == "gateway_bad_signature"
    wx.wsim("faults", api="query", kind="unsigned")
    with pytest.raises(ProviderError) as error:
        wechat.query(order["order_number"])
    assert error.value.code == "gateway_bad_signature"


def test_expiry_queries_then_closes_and_a_late_payment_is_refunded(wx, make_course, settings):
    order = wx.order([make_course(price="99.00").id])
    number = order["order_number"]
    wx.code_url(number)
    Order.objects.filter(order_number=number).update(expire_time=timezone.now())
    order_services.order_expire(Order.objects.get(order_number=number).id)
    db_order = Order.objects.get(order_number=number)
    assert db_order.order_status == Order.Status.TIMEOUT
    kinds = list(PaymentEvent.objects.filter(order_number=number, direction="out").order_by("id")
                 .values_list("kind", "outcome"))
    assert kinds[-2:] == [("query", "NOTPAY"), ("close", "closed")]
    sandbox = requests.get(f"{wx.base}/sandbox/wechatpay/__sim__/orders/{number}", timeout=TIMEOUT).json()
    assert sandbox["trade_state"] == "CLOSED"
    # The phone can no longer pay a closed order.
    assert wx.wsim(f"orders/{number}/pay", expect=409)["error"] == "ORDER_CLOSED"


def test_a_payment_the_close_missed_is_fulfilled_not_closed(wx, make_course):
    order = wx.order([make_course(price="99.00").id])
    number = order["order_number"]
    wx.code_url(number)
    wx.wsim("config", notify_hold=True)
    wx.wsim(f"orders/{number}/pay")
    Order.objects.filter(order_number=number).update(expire_time=timezone.now())
    order_services.order_expire(Order.objects.get(order_number=number).id)
    assert _paid(number)  # query-then-close: the query found the payment


def test_partial_and_full_refunds_are_idempotent(wx, make_course):
    a, b = make_course(price="19.99"), make_course(price="80.01")
    order = wx.order([a.id, b.id])
    number = order["order_number"]
    wx.code_url(number)
    wx.wsim(f"orders/{number}/pay")
    wait_for(lambda: _paid(number), what="paid")
    db_order = Order.objects.get(order_number=number)
    first = refunds.refund_courses(order_id=db_order.id, course_ids=[a.id], out_request_no="RWX1")
    assert first.status == Refund.Status.SUCCEEDED and first.amount == Decimal("19.99")
    again = refunds.refund_courses(order_id=db_order.id, course_ids=[a.id], out_request_no="RWX1")
    assert again.id == first.id and again.status == Refund.Status.SUCCEEDED
    # The same out_refund_no sent again: WeChat refunds once.
    assert wechat.refund(out_trade_no=number, amount=Decimal("19.99"), total=Decimal("100.00"),
                         out_refund_no="RWX1").amount == Decimal("19.99")
    second = refunds.refund_courses(order_id=db_order.id, course_ids=[b.id], out_request_no="RWX2")
    assert second.status == Refund.Status.SUCCEEDED
    sandbox = requests.get(f"{wx.base}/sandbox/wechatpay/__sim__/orders/{number}", timeout=TIMEOUT).json()
    assert sandbox["refunded"] == 10000 and sandbox["trade_state"] == "REFUND"
    assert [r["amount"] for r in sandbox["refunds"]] == [1999, 8001]
    assert Order.objects.get(pk=db_order.pk).order_status == Order.Status.REFUNDED
    assert not PaymentIssue.objects.exists()
    assert {k: v for k, v in run_audit().items() if v} == {}
    connections.close_all()


def test_reconciliation_repairs_a_lost_notify_and_checks_paid_orders_against_wechat(wx, make_course, settings):
    from luffycityapi.apps.payments import reconcile
    from luffycityapi.apps.payments.models import ReconciliationMismatch

    lost = wx.order([make_course(price="19.99").id])["order_number"]
    wx.code_url(lost)
    wx.wsim("config", notify_hold=True)
    wx.wsim(f"orders/{lost}/pay")
    settings.RECONCILE_UNPAID_AFTER_SECONDS = 0
    report = reconcile.reconcile_unpaid(now=timezone.now() + timezone.timedelta(seconds=1))
    assert report.errors == [] and _paid(lost)
    mismatch = ReconciliationMismatch.objects.get(order_number=lost)
    assert mismatch.provider == "wechat" and mismatch.provider_status == "SUCCESS"
    assert mismatch.provider_amount == Decimal("19.99") and "微信支付" in mismatch.detail
    recent = reconcile.reconcile_recent()
    assert recent.errors == [] and recent.mismatches == 0 and recent.checked >= 1
