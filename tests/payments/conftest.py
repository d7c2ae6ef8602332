"""Payment test helpers: real RSA2 signatures made with the sandbox gateway's dev key by the sandbox's own signer
(independent of the SDK the shop verifies with; shared with bench and soak through harness/alipay.py), and orders
placed through the HTTP API."""
import re
import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from conftest import bearer
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from harness.alipay import notify_params  # noqa: F401 - the tests import it from here
from luffycityapi.apps.alipay_sandbox.signing import sign_params  # noqa: F401 - likewise

WRONG_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


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


# --- the live shop + sandbox (end-to-end tests) ---

TIMEOUT = 15


def wait_for(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what} not met within {timeout}s")


class Shop:
    """A student's view of the live shop, plus the sandbox's control API."""

    def __init__(self, base, user):
        self.base, self.user = base, user
        self.api = requests.Session()
        self.api.headers["Authorization"] = bearer(user)
        self.browser = requests.Session()

    def call(self, method, path, expect=None, **kwargs):
        response = self.api.request(method, self.base + path, timeout=TIMEOUT, **kwargs)
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    def sim(self, path, **body):
        response = requests.post(f"{self.base}/sandbox/alipay/__sim__/{path}", json=body, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return response.json()

    def order(self, course_ids, coupon_id=-1, credit=0):
        for course_id in course_ids:
            self.call("POST", "/api/cart/", 201, json={"course_id": course_id})
        return self.call("POST", "/api/orders/", 201,
                         json={"pay_type": 0, "user_coupon_id": coupon_id, "credit": credit}).json()

    def open_cashier(self, order_number, device=None) -> str:
        """Follow the pay link (for `device`, if given) like a browser: the gateway answers a 302 to its cashier."""
        query = f"?device={device}" if device else ""
        link = self.call("GET", f"/api/payments/alipay/{order_number}/{query}", 200).json()["link"]
        assert link.startswith(self.base + "/sandbox/alipay/gateway.do?")
        gateway = self.browser.get(link, allow_redirects=False, timeout=TIMEOUT)
        assert gateway.status_code == 302, gateway.text[:500]
        cashier_url = self.base + urlsplit(gateway.headers["Location"]).path
        page = self.browser.get(cashier_url, timeout=TIMEOUT)
        assert page.status_code == 200 and 'id="cashier-pay"' in page.text
        return cashier_url

    def click(self, cashier_url, button):
        page = self.browser.get(cashier_url, timeout=TIMEOUT)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return self.browser.post(f"{cashier_url}/{button}", data={"csrfmiddlewaretoken": token},
                                 headers={"Referer": cashier_url}, allow_redirects=False, timeout=TIMEOUT)


@pytest.fixture
def shop_env(live_server, transactional_db, settings):
    base = live_server.url
    settings.SITE_URL = base
    settings.ALIPAY_GATEWAY = f"{base}/sandbox/alipay/gateway.do"
    settings.ALIPAY_NOTIFY_URL = f"{base}/api/payments/alipay/notify"
    settings.ALIPAY_RETURN_URL = f"{base}/alipay"
    requests.post(f"{base}/sandbox/alipay/__sim__/reset", timeout=TIMEOUT).raise_for_status()
    return base


@pytest.fixture
def student(shop_env, make_user):
    return Shop(shop_env, make_user(credit=500))


@pytest.fixture
def coupon_log(student):
    from luffycityapi.apps.coupon.models import Coupon
    from luffycityapi.apps.coupon.services import coupon_grant

    now = timezone.now()
    coupon = Coupon.objects.create(name="满100减20", discount=Coupon.Kind.AMOUNT, amount=Decimal("20.00"),
                                   condition=Decimal("100.00"), start_time=now - timedelta(days=1),
                                   end_time=now + timedelta(days=1))
    return coupon_grant(coupon_id=coupon.id, user_id=student.user.id)


