"""The sandbox's API v3 rules, driven with hand-built Authorization headers (not wechatpayv3): any pair order,
±5 minute timestamps, a signature over the exact path, query and raw body; signed answers; integer fen only; close
and refund rules."""
import base64
import json
import re
import secrets
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.utils import timezone

from luffycityapi.apps.wechatpay_sandbox import gateway, signing
from luffycityapi.apps.wechatpay_sandbox.models import WxOrder

pytestmark = pytest.mark.django_db(transaction=True)
BASE = "/sandbox/wechatpay"
EXPIRE = (timezone.now() + timezone.timedelta(hours=2)).isoformat(timespec="seconds")  # the same on a repeat


def authorization(method, path, body=b"", *, stamp=None, go_order=False):
    key = serialization.load_pem_private_key(Path(settings.WECHATPAY_PRIVATE_KEY_FILE).read_bytes(), password=None)
    stamp = str(stamp or int(time.time()))
    nonce = secrets.token_hex(16).upper()
    message = f"{method}\n{path}\n{stamp}\n{nonce}\n".encode() + body + b"\n"
    signature = base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
    pairs = {"mchid": settings.WECHATPAY_MCHID, "nonce_str": nonce, "signature": signature, "timestamp": stamp,
             "serial_no": settings.WECHATPAY_CERT_SERIAL_NO}
    order = ["mchid", "nonce_str", "timestamp", "serial_no", "signature"] if go_order else list(pairs)
    return "WECHATPAY2-SHA256-RSA2048 " + ",".join(f'{k}="{pairs[k]}"' for k in order)


def call(client, method, path, data=None, **auth):
    body = b"" if data is None else json.dumps(data).encode()
    headers = {"HTTP_AUTHORIZATION": authorization(method, path, body, **auth)}
    if method == "GET":
        return client.get(BASE + path, **headers)
    return client.post(BASE + path, data=body, content_type="application/json", **headers)


def native_body(out_trade_no="ORD2026120400001", total=1999, **changes):
    data = {"appid": settings.WECHATPAY_APPID, "mchid": settings.WECHATPAY_MCHID, "description": "Django 入门课",
            "out_trade_no": out_trade_no, "notify_url": "http://127.0.0.1:9/notify",
            "time_expire": EXPIRE,
            "amount": {"total": total, "currency": "CNY"}}
    data.update(changes)
    return data


def verified(response) -> bool:
    """The answer's Wechatpay-Signature holds with the sandbox's (WeChat Pay) public key."""
    public = serialization.load_pem_public_key(Path(settings.WECHATPAY_PUBLIC_KEY_FILE).read_bytes())
    message = (f"{response['Wechatpay-Timestamp']}\n{response['Wechatpay-Nonce']}\n".encode() + response.content
               + b"\n")
    public.verify(base64.b64decode(response["Wechatpay-Signature"]), message, padding.PKCS1v15(), hashes.SHA256())
    return response["Wechatpay-Serial"] == settings.WECHATPAY_PUBLIC_KEY_ID


def test_native_order_with_pairs_in_any_order_gives_a_signed_code_url(client):
    response = call(client, "POST", "/v3/pay/transactions/native", native_body(), go_order=True)
    assert response.status_code == 200 and verified(response)
    assert response.json()["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    again = call(client, "POST", "/v3/pay/transactions/native", native_body())
    assert again.json() == response.json()
    changed = call(client, "POST", "/v3/pay/transactions/native", native_body(total=2000))
    assert changed.status_code == 403 and changed.json()["code"] == "OUT_TRADE_NO_USED"


@pytest.mark.parametrize("mutate, message", [
    (lambda a: a.replace('mchid="1900000109"', 'mchid="1900000999"'), "商户号"),
    (lambda a: re.sub(r'signature="(.)', lambda m: 'signature="' + ("B" if m.group(1) == "A" else "A"), a),
     "验签失败"),
    (lambda a: a.replace("WECHATPAY2-SHA256-RSA2048", "WECHATPAY2-SHA256"), "格式错误"),
])
def test_a_bad_authorization_is_401_sign_error(client, mutate, message):
    body = json.dumps(native_body()).encode()
    header = mutate(authorization("POST", "/v3/pay/transactions/native", body))
    response = client.post(f"{BASE}/v3/pay/transactions/native", data=body, content_type="application/json",
                           HTTP_AUTHORIZATION=header)
    assert response.status_code == 401 and response.json()["code"] == "SIGN_ERROR"
    assert message in response.json()["message"] and verified(response)
    assert not WxOrder.objects.exists()


def test_a_signature_over_another_body_or_a_stale_timestamp_is_refused(client):
    body = json.dumps(native_body()).encode()
    header = authorization("POST", "/v3/pay/transactions/native", body)
    other = client.post(f"{BASE}/v3/pay/transactions/native", data=body.replace(b"1999", b"1"),
                        content_type="application/json", HTTP_AUTHORIZATION=header)
    assert other.status_code == 401
    stale = call(client, "POST", "/v3/pay/transactions/native", native_body(), stamp=int(time.time()) - 301)
    assert stale.status_code == 401 and "5分钟" in stale.json()["message"]


@pytest.mark.parametrize("total", [19.99, "1999", 0, True])
def test_amounts_are_positive_integer_fen(client, total):
    response = call(client, "POST", "/v3/pay/transactions/native", native_body(total=total))
    assert response.status_code == 400 and response.json()["code"] == "PARAM_ERROR"
    assert response.json()["detail"]["field"] == "amount.total"


def test_query_close_and_the_paid_order_rules(client):
    call(client, "POST", "/v3/pay/transactions/native", native_body("ORDQ0001"))
    query_path = f"/v3/pay/transactions/out-trade-no/ORDQ0001?mchid={settings.WECHATPAY_MCHID}"
    assert call(client, "GET", query_path).json()["trade_state"] == "NOTPAY"
    unknown = call(client, "GET", f"/v3/pay/transactions/out-trade-no/NOPE0001?mchid={settings.WECHATPAY_MCHID}")
    assert unknown.status_code == 404 and unknown.json()["code"] == "ORDER_NOT_EXIST"
    gateway.pay(WxOrder.objects.get(out_trade_no="ORDQ0001").pk)
    paid = call(client, "GET", query_path).json()
    assert paid["trade_state"] == "SUCCESS" and paid["amount"]["total"] == 1999 and len(paid["transaction_id"]) == 28
    close = call(client, "POST", "/v3/pay/transactions/out-trade-no/ORDQ0001/close",
                 {"mchid": settings.WECHATPAY_MCHID})
    assert close.status_code == 400 and close.json()["code"] == "ORDERPAID"
    call(client, "POST", "/v3/pay/transactions/native", native_body("ORDQ0002"))
    closed = call(client, "POST", "/v3/pay/transactions/out-trade-no/ORDQ0002/close",
                  {"mchid": settings.WECHATPAY_MCHID})
    assert closed.status_code == 204 and closed.content == b"" and verified(closed)
    with pytest.raises(gateway.ApiError):
        gateway.pay(WxOrder.objects.get(out_trade_no="ORDQ0002").pk)


def test_refunds_are_idempotent_by_out_refund_no_and_never_exceed_the_total(client):
    call(client, "POST", "/v3/pay/transactions/native", native_body("ORDR0001", total=10000))
    gateway.pay(WxOrder.objects.get(out_trade_no="ORDR0001").pk)
    body = {"out_trade_no": "ORDR0001", "out_refund_no": "R1", "amount": {"refund": 6000, "total": 10000,
                                                                           "currency": "CNY"}}
    first = call(client, "POST", "/v3/refund/domestic/refunds", body)
    assert first.status_code == 200 and first.json()["status"] == "PROCESSING"
    assert call(client, "POST", "/v3/refund/domestic/refunds", body).json()["refund_id"] == first.json()["refund_id"]
    assert call(client, "GET", "/v3/refund/domestic/refunds/R1").json()["status"] == "SUCCESS"
    over = call(client, "POST", "/v3/refund/domestic/refunds", {**body, "out_refund_no": "R2"})
    assert over.status_code == 403 and over.json()["code"] == "NOT_ENOUGH"
    reused = call(client, "POST", "/v3/refund/domestic/refunds",
                  {**body, "amount": {"refund": 100, "total": 10000, "currency": "CNY"}})
    assert reused.status_code == 400 and reused.json()["code"] == "INVALID_REQUEST"
    wrong_total = call(client, "POST", "/v3/refund/domestic/refunds",
                       {**body, "out_refund_no": "R3", "amount": {"refund": 100, "total": 9999}})
    assert wrong_total.status_code == 400
    assert WxOrder.objects.get(out_trade_no="ORDR0001").refunded == 6000
    assert call(client, "GET", "/v3/refund/domestic/refunds/NOPE").status_code == 404


def test_notify_retry_schedule_is_wechats():
    from luffycityapi.apps.wechatpay_sandbox import notify

    assert notify.RETRY_WAITS_SECONDS == (15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800,
                                          21600, 21600)
    assert notify.MAX_ATTEMPTS == 16 and sum(notify.RETRY_WAITS_SECONDS) == 24 * 3600 + 4 * 60
    assert signing.SKEW_SECONDS == 300
