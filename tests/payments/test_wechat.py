"""WeChat Pay's provider: exact fen conversion, and the notify endpoint with real RSA signatures (the sandbox's own
signer, independent of wechatpayv3) and real AES-256-GCM, against the real database."""
import json
import time
from datetime import datetime
from datetime import timezone as dt_timezone
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.payments.models import PaymentEvent, PaymentIssue
from luffycityapi.apps.payments.providers import wechat
from luffycityapi.apps.users.models import UserCourse
from luffycityapi.apps.wechatpay_sandbox import signing

WRONG_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
NOTIFY_URL = "/api/payments/wechat/notify"


@pytest.mark.parametrize("yuan, fen", [("0.01", 1), ("19.99", 1999), ("1389.52", 138952), ("99999.99", 9999999),
                                       ("0.10", 10), ("100", 10000)])
def test_fen_conversion_is_exact_both_ways(yuan, fen):
    assert wechat.to_fen(Decimal(yuan)) == fen and isinstance(wechat.to_fen(Decimal(yuan)), int)
    assert wechat.from_fen(fen) == Decimal(yuan).quantize(Decimal("0.01"))


def test_fen_conversion_refuses_a_third_decimal_and_non_integers():
    with pytest.raises(ValueError):
        wechat.to_fen(Decimal("1.005"))
    assert wechat.from_fen(19.99) is None and wechat.from_fen("1999") is None and wechat.from_fen(True) is None


def test_time_expire_is_rfc3339_in_beijing_time():
    moment = datetime(2026, 12, 4, 1, 15, 30, 123456, tzinfo=dt_timezone.utc)
    assert wechat.rfc3339(moment) == "2026-12-04T09:15:30+08:00"


@pytest.fixture
def wechat_order(make_course, django_capture_on_commit_callbacks, auth_client):
    """An unpaid pay_type 1 order placed through the API (the order API accepts WeChat Pay once registered)."""
    def place(price="19.99"):
        course = make_course(price=price)
        assert auth_client.post("/api/cart/", {"course_id": course.id}, format="json").status_code == 201
        with django_capture_on_commit_callbacks(execute=True):
            response = auth_client.post("/api/orders/", {"pay_type": 1, "user_coupon_id": -1, "credit": 0},
                                        format="json")
        assert response.status_code == 201, response.content
        return Order.objects.get(order_number=response.json()["order_number"])

    return place


def resource(order, **changes):
    data = {"appid": "wx8888888888888888", "mchid": "1900000109", "out_trade_no": order.order_number,
            "transaction_id": "4200000000000000000000000001", "trade_type": "NATIVE", "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功", "bank_type": "OTHERS", "attach": "",
            "success_time": wechat.rfc3339(timezone.now()), "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {"total": wechat.to_fen(order.real_price), "payer_total": wechat.to_fen(order.real_price),
                       "currency": "CNY", "payer_currency": "CNY"}}
    data.update(changes)
    return data


def post(client, body: bytes, headers: dict):
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}
    return client.post(NOTIFY_URL, data=body, content_type=headers.get("Content-Type", "application/json"), **meta)


def notify(client, data, event_type="TRANSACTION.SUCCESS", **kwargs):
    body, headers = signing.signed_notify("EV-2026120400000001", event_type, data,
                                          create_time=wechat.rfc3339(timezone.now()), **kwargs)
    return post(client, body, headers)


def failed(response):
    return response.status_code >= 400 and response.json()["code"] == "FAIL"


def test_a_valid_notify_fulfils_once_and_answers_204(client, wechat_order):
    order = wechat_order("19.99")
    response = notify(client, resource(order))
    assert response.status_code == 204 and response.content == b""
    order.refresh_from_db()
    assert order.order_status == Order.Status.PAID and order.trade_no == "4200000000000000000000000001"
    assert UserCourse.objects.filter(user_id=order.user_id).count() == 1
    assert notify(client, resource(order)).status_code == 204  # WeChat's retry: a duplicate is success
    outcomes = list(PaymentEvent.objects.filter(kind="notify", order_number=order.order_number)
                    .order_by("id").values_list("provider", "outcome"))
    assert outcomes == [("wechat", "fulfilled"), ("wechat", "duplicate")]
    assert {k: v for k, v in run_audit().items() if v} == {}


def test_a_tampered_body_is_refused_and_nothing_changes(client, wechat_order):
    order = wechat_order()
    body, headers = signing.signed_notify("EV-1", "TRANSACTION.SUCCESS", resource(order),
                                          create_time=wechat.rfc3339(timezone.now()))
    tampered = body.replace(b'"summary":"', b'"summary":"x')
    response = post(client, tampered, headers)
    assert failed(response)
    order.refresh_from_db()
    assert order.order_status == Order.Status.UNPAID
    event = PaymentEvent.objects.get(kind="notify")
    assert event.verdict == "bad_signature" and event.verified is False and event.params["unverified"] is True


def test_a_notify_signed_with_another_key_is_refused(client, wechat_order):
    order = wechat_order()
    assert failed(notify(client, resource(order), key=WRONG_KEY))
    assert Order.objects.get(pk=order.pk).order_status == Order.Status.UNPAID


def test_a_resource_encrypted_with_another_apiv3_key_is_refused(client, wechat_order):
    order = wechat_order()
    assert failed(notify(client, resource(order), apiv3=b"0123456789abcdef0123456789abcdef"))
    assert Order.objects.get(pk=order.pk).order_status == Order.Status.UNPAID


def test_an_old_timestamp_is_refused_even_with_a_valid_signature(client, wechat_order):
    order = wechat_order()
    assert failed(notify(client, resource(order), timestamp=int(time.time()) - 301))
    assert PaymentEvent.objects.filter(kind="notify", verdict="old_timestamp").count() == 1
    assert Order.objects.get(pk=order.pk).order_status == Order.Status.UNPAID


@pytest.mark.parametrize("changes, verdict", [({"mchid": "1900000999"}, "wrong_mchid"),
                                              ({"appid": "wx0000000000000000"}, "wrong_appid")])
def test_a_validly_signed_notify_for_another_merchant_or_app_is_refused(client, wechat_order, changes, verdict):
    order = wechat_order()
    assert failed(notify(client, resource(order, **changes)))
    event = PaymentEvent.objects.get(kind="notify")
    assert event.verdict == verdict and event.verified is True
    assert Order.objects.get(pk=order.pk).order_status == Order.Status.UNPAID


def test_a_wrong_amount_is_quarantined_not_fulfilled(client, wechat_order):
    order = wechat_order("19.99")
    data = resource(order, amount={"total": 1998, "payer_total": 1998, "currency": "CNY"})
    assert failed(notify(client, data))
    assert Order.objects.get(pk=order.pk).order_status == Order.Status.UNPAID
    issue = PaymentIssue.objects.get()
    assert issue.kind == PaymentIssue.Kind.AMOUNT_MISMATCH and issue.amount == Decimal("19.98")
    assert issue.provider == "wechat"


def test_an_unknown_order_is_refused(client, wechat_order):
    order = wechat_order()
    assert failed(notify(client, resource(order, out_trade_no="20990101000000000000000000")))
    assert PaymentEvent.objects.get(kind="notify").verdict == "unknown_order"


def test_a_not_success_state_and_a_refund_notify_are_not_payments(client, wechat_order):
    order = wechat_order()
    assert notify(client, resource(order, trade_state="NOTPAY")).status_code == 204
    refund = {"mchid": "1900000109", "out_trade_no": order.order_number, "transaction_id": "42000000000000000001",
              "out_refund_no": "R1", "refund_id": "50000000001", "refund_status": "SUCCESS",
              "amount": {"total": 1999, "refund": 1999, "payer_total": 1999, "payer_refund": 1999}}
    assert notify(client, refund, event_type="REFUND.SUCCESS").status_code == 204
    assert Order.objects.get(pk=order.pk).order_status == Order.Status.UNPAID
    assert sorted(PaymentEvent.objects.filter(kind="notify").values_list("outcome", flat=True)) == [
        "ignored: NOTPAY", "ignored: refund SUCCESS"]


def test_a_form_post_or_missing_headers_are_refused(client, wechat_order):
    order = wechat_order()
    body, headers = signing.signed_notify("EV-1", "TRANSACTION.SUCCESS", resource(order),
                                          create_time=wechat.rfc3339(timezone.now()))
    assert failed(post(client, body, {**headers, "Content-Type": "application/x-www-form-urlencoded"}))
    assert failed(post(client, body, {"Content-Type": "application/json"}))
    assert failed(post(client, body, {**headers, "Wechatpay-Serial": "7132D72A03E93CDDF8C03BBD1F37EEDF204D8CE7"}))
    assert Order.objects.get(pk=order.pk).order_status == Order.Status.UNPAID
    assert json.loads(post(client, body, {}).content)["code"] == "FAIL"


def test_pay_type_1_is_offered_and_the_order_timeline_names_wechat(auth_client, wechat_order, client):
    order = wechat_order()
    assert order.pay_type == Order.PayType.WECHAT
    notify(client, resource(order))
    timeline = auth_client.get(f"/api/orders/{order.order_number}/timeline/").json()
    assert any("微信支付" in event["detail"] or "微信支付" in event["label"] for event in timeline["events"])
