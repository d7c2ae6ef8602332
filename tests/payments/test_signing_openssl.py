"""The provider signs and verifies through OpenSSL; what it produces must be exactly what python-alipay-sdk's own
(pycryptodomex) signer produces, for the page-pay links and server calls we send, and it must accept and refuse
exactly the signatures the SDK accepts and refuses."""
import binascii

import pytest
from alipay import AliPay
from django.conf import settings

from luffycityapi.apps.payments.providers import alipay as provider
from luffycityapi.core.keys import read_private_key_pem, read_public_key_pem

from .conftest import WRONG_KEY, notify_params, sign_params

INPUTS = [
    "",
    "a=1",
    "app_id=9021000000000001&biz_content={\"out_trade_no\":\"20261125120000000000010000001\",\"total_amount\":"
    "\"1579.00\",\"subject\":\"购买课程：Python 全栈\"}&charset=utf-8&method=alipay.trade.page.pay",
    "中文、全角，字符与 emoji 🎓 &=+%/?#",
    "x" * 5000,
]


def _pair(sign_type="RSA2"):
    kwargs = dict(appid=settings.ALIPAY_APP_ID, app_notify_url=None, sign_type=sign_type,
                  app_private_key_string=read_private_key_pem(settings.ALIPAY_APP_PRIVATE_KEY_FILE),
                  alipay_public_key_string=read_public_key_pem(settings.ALIPAY_PUBLIC_KEY_FILE))
    return AliPay(**kwargs), provider.OpenSSLAliPay(**kwargs)


@pytest.mark.parametrize("sign_type", ["RSA2", "RSA"])
@pytest.mark.parametrize("text", INPUTS)
def test_signatures_are_byte_identical_to_the_sdks(text, sign_type):
    sdk, ours = _pair(sign_type)

    assert ours._sign(text) == sdk._sign(text)


def test_a_signed_page_pay_request_is_identical(settings):
    sdk, ours = _pair()
    body = {"out_trade_no": "20261125120000000000010000001", "total_amount": "1579.00",
            "subject": "购买课程：Python、Go", "product_code": "FAST_INSTANT_TRADE_PAY",
            "time_expire": "2026-11-25 12:15:00"}
    data = sdk.build_body("alipay.trade.page.pay", body, return_url="http://127.0.0.1:8000/alipay")

    assert ours.sign_data(dict(data)) == sdk.sign_data(dict(data))


def test_the_provider_client_is_the_openssl_one():
    assert isinstance(provider.client(), provider.OpenSSLAliPay)


@pytest.mark.parametrize("wrong", ["good", "bad_key", "tampered", "garbled", "truncated"])
def test_verification_agrees_with_the_sdk(wrong):
    sdk, ours = _pair()
    params = notify_params("20261125120000000000010000001", "100.00")
    signed = sign_params(params, key=WRONG_KEY if wrong == "bad_key" else None)
    if wrong == "tampered":
        signed["total_amount"] = "0.01"
    signature = signed["sign"]
    if wrong == "garbled":
        signature = "not base64 at all!"
    if wrong == "truncated":
        signature = signature[:40]
    data = {k: v for k, v in signed.items() if k not in ("sign", "sign_type")}

    def outcome(client):
        try:
            return client.verify(dict(data), signature)
        except ValueError as exc:  # binascii.Error: provider.verify turns it into "unverified"
            return type(exc)

    assert outcome(ours) == outcome(sdk)
    # both refuse garbage base64 the same way (binascii.Error), which provider.verify reports as unverified
    assert outcome(ours) is {"good": True, "garbled": binascii.Error}.get(wrong, False)
    assert provider.verify({**data, "sign": signature, "sign_type": "RSA2"}) is (wrong == "good")
