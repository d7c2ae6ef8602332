"""The pay link for the SPA's device: `?device=mobile` is Alipay's phone cashier (alipay.trade.wap.pay,
QUICK_WAP_WAY, quit_url), desktop (or no device) stays page pay; anything else is a 400 {errmsg, code}.
The signature is checked here with our own code, the way the gateway checks it (§1.4), against the app's
public key."""
import base64
import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings

from luffycityapi.apps.payments.models import PaymentEvent


def link_params(link: str) -> dict:
    """The link's params as the gateway receives them (URL-decoded, every key once)."""
    pairs = parse_qsl(urlsplit(link).query, keep_blank_values=True)
    assert len(pairs) == len(dict(pairs)), "no key twice"
    return dict(pairs)


def app_signature_holds(params: dict) -> bool:
    """Alipay's request rule: every param but `sign`, empty values dropped, sorted, raw values, SHA256withRSA."""
    content = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v != "")
    key = serialization.load_pem_public_key(open(settings.SANDBOX_APP_PUBLIC_KEY_FILE, "rb").read())
    try:
        key.verify(base64.b64decode(params["sign"]), content.encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def get_link(client, order_number: str, query: str = ""):
    return client.get(f"/api/payments/alipay/{order_number}/{query}")


def test_mobile_gets_the_wap_cashier_with_quick_wap_way_and_quit_url_signed(auth_client, place_order, settings):
    settings.SITE_URL = "https://shop.example.com"
    order = place_order(auth_client, "99.00")

    response = get_link(auth_client, order["order_number"], "?device=mobile")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"pay_type", "get_pay_type_display", "link", "order_status"}  # the shape stays
    assert body["pay_type"] == 0 and body["order_status"] == 0
    assert body["link"].startswith(settings.ALIPAY_GATEWAY.split("?")[0] + "?")
    params = link_params(body["link"])
    assert params["method"] == "alipay.trade.wap.pay"
    assert params["return_url"] == settings.ALIPAY_RETURN_URL and params["notify_url"] == settings.ALIPAY_NOTIFY_URL
    biz = json.loads(params["biz_content"])
    assert biz["product_code"] == "QUICK_WAP_WAY"  # not the SDK's QUICK_WAP_PAY
    assert biz["quit_url"] == "https://shop.example.com/user/orders?status=0"
    assert biz["out_trade_no"] == order["order_number"] and biz["total_amount"] == "99.00"
    assert biz["subject"] and len(biz["time_expire"]) == 19
    assert app_signature_holds(params)
    assert not app_signature_holds({**params, "biz_content": params["biz_content"].replace("QUICK_WAP_WAY",
                                                                                         "QUICK_WAP_PAY")})

    event = PaymentEvent.objects.get(kind="link", order_number=order["order_number"])
    assert event.params["device"] == "mobile" and event.outcome == "ok"


@pytest.mark.parametrize("query", ["", "?device=desktop"])
def test_desktop_or_no_device_stays_page_pay(auth_client, place_order, query):
    order = place_order(auth_client, "120.00")

    response = get_link(auth_client, order["order_number"], query)

    assert response.status_code == 200, response.content
    params = link_params(response.json()["link"])
    assert params["method"] == "alipay.trade.page.pay"
    biz = json.loads(params["biz_content"])
    assert biz["product_code"] == "FAST_INSTANT_TRADE_PAY" and "quit_url" not in biz
    assert app_signature_holds(params)
    assert PaymentEvent.objects.get(kind="link", order_number=order["order_number"]).params["device"] == "desktop"


@pytest.mark.parametrize("query", ["?device=phone", "?device=", "?device=MOBILE", "?device=mobile&device=desktop"])
def test_an_invalid_device_is_a_400_and_no_link(auth_client, place_order, query):
    order = place_order(auth_client, "99.00")

    response = get_link(auth_client, order["order_number"], query)

    assert response.status_code == 400, response.content
    assert response.json() == {"errmsg": "支付设备参数有误，应为 desktop 或 mobile", "code": "device_invalid"}
    assert not PaymentEvent.objects.filter(kind="link").exists()


def test_the_schema_names_the_device_parameter(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/payments/alipay/{order_number}/"]["get"]
    device = next(p for p in operation["parameters"] if p["name"] == "device")
    assert device["in"] == "query" and device["schema"]["enum"] == ["desktop", "mobile"]
