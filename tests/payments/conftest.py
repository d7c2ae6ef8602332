"""Payment test helpers: real RSA2 signatures made with the sandbox gateway's dev key (our own signer here, so
the shop's verification is tested against independent code), and orders placed through the HTTP API."""
import base64
from urllib.parse import urlencode
from datetime import datetime

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings

WRONG_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def sign_params(params: dict, key=None) -> dict:
    """Sign as Alipay does for notifies/returns: drop sign, sign_type and empty values, sort, join raw values."""
    if key is None:
        key = serialization.load_pem_private_key(open(settings.SANDBOX_PRIVATE_KEY_FILE, "rb").read(), password=None)
    content = "&".join(f"{k}={v}" for k, v in sorted(params.items())
                       if k not in ("sign", "sign_type") and v not in ("", None))
    signature = key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())
    return {**params, "sign_type": "RSA2", "sign": base64.b64encode(signature).decode()}


def notify_params(order_number: str, amount: str, *, status="TRADE_SUCCESS", trade_no="2026112522001400000000000001",
                  app_id=None, **extra) -> dict:
    now = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    params = {
        "gmt_create": now, "charset": "utf-8", "gmt_payment": now, "notify_time": now, "subject": "购买课程",
        "buyer_id": "2088102177846880", "invoice_amount": amount, "version": "1.0",
        "notify_id": "2026112500222000000000000001", "fund_bill_list": f'[{{"amount":"{amount}","fundChannel":"ALIPAYACCOUNT"}}]',
        "notify_type": "trade_status_sync", "out_trade_no": order_number, "total_amount": amount,
        "trade_status": status, "trade_no": trade_no, "auth_app_id": app_id or settings.ALIPAY_APP_ID,
        "receipt_amount": amount, "point_amount": "0.00", "buyer_pay_amount": amount,
        "app_id": app_id or settings.ALIPAY_APP_ID, "seller_id": settings.SANDBOX_SELLER_ID,
    }
    params.update(extra)
    return params


@pytest.fixture
def place_order(make_course, django_capture_on_commit_callbacks):
    """Put courses in the client's cart and order them over HTTP; returns the order's JSON."""
    def place(client, *prices, credit=0, user_coupon_id=-1):
        for price in prices or ("100.00",):
            course = make_course(price=price, credit=1000)
            assert client.post("/api/cart/", {"course_id": course.id}, format="json").status_code == 201
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/orders/", {"pay_type": 0, "user_coupon_id": user_coupon_id,
                                                    "credit": credit}, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return place


@pytest.fixture
def post_notify(client):
    """POST a notify form to the shop as Alipay does; returns the plain-text body."""
    def post(params):
        response = client.post("/api/payments/alipay/notify", urlencode(params),
                               content_type="application/x-www-form-urlencoded; charset=utf-8")
        assert response["Content-Type"].startswith("text/plain")
        return response.content.decode()

    return post
