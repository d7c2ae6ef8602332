"""Fixtures for the sandbox gateway tests: everything goes over real HTTP to pytest-django's live server, driven by
python-alipay-sdk (the flows) and by the control API (__sim__, to force states and read the notify log)."""
import re
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from alipay import AliPay
from alipay.utils import AliPayConfig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

HTTP_TIMEOUT = 10


def pem_of_new_key() -> tuple[str, str]:
    """A fresh RSA-2048 pair nobody registered: (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def wait_for(predicate, timeout=15.0, interval=0.05):
    """Poll until predicate() is truthy; returns its value or fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s")
        time.sleep(interval)


class Sim:
    """The control API over HTTP."""

    def __init__(self, base: str):
        self.base = base

    def url(self, path: str) -> str:
        return f"{self.base}/sandbox/alipay/__sim__/{path}"

    def get(self, path: str, **params):
        response = requests.get(self.url(path), params=params, timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, expect: int = 200, **body):
        response = requests.post(self.url(path), json=body, timeout=HTTP_TIMEOUT)
        assert response.status_code == expect, response.text
        return response.json()

    def trade(self, out_trade_no: str) -> dict:
        return self.get(f"trades/{out_trade_no}")

    def sink_url(self, name: str) -> str:
        return self.url(f"sink/{name}/")

    def hits(self, name: str) -> list:
        return self.get(f"sink/{name}/")["hits"]

    def wait_hits(self, name: str, count: int, timeout: float = 15.0) -> list:
        def enough():
            hits = self.hits(name)
            return hits if len(hits) >= count else None

        return wait_for(enough, timeout=timeout)


@pytest.fixture
def base_url(live_server, transactional_db):
    return live_server.url


@pytest.fixture
def sim(base_url):
    return Sim(base_url)


@pytest.fixture
def gateway_url(base_url):
    return base_url + "/sandbox/alipay/gateway.do"


@pytest.fixture
def app_private_pem():
    return Path(settings.ALIPAY_APP_PRIVATE_KEY_FILE).read_text()


@pytest.fixture
def sandbox_public_pem(sim):
    response = requests.get(sim.url("public-key"), timeout=HTTP_TIMEOUT)
    assert response.status_code == 200 and response.text.startswith("-----BEGIN PUBLIC KEY-----")
    return response.text


@pytest.fixture
def make_client(gateway_url, app_private_pem, sandbox_public_pem):
    """python-alipay-sdk pointed at the sandbox, the way the shop will build it."""
    def make(private_pem=None, public_pem=None, sign_type="RSA2", timeout=3, notify_url=None):
        client = AliPay(appid=settings.ALIPAY_APP_ID, app_notify_url=notify_url,
                        app_private_key_string=private_pem or app_private_pem,
                        alipay_public_key_string=public_pem or sandbox_public_pem,
                        sign_type=sign_type, config=AliPayConfig(timeout=timeout))
        client._gateway = gateway_url
        return client

    return make


@pytest.fixture
def client(make_client):
    return make_client()


_out_trade_numbers = iter(range(1, 10 ** 6))


@pytest.fixture
def out_trade_no():
    return f"T{time.strftime('%H%M%S')}{next(_out_trade_numbers):04d}"


class Browser:
    """A tiny browser: one cookie jar, no automatic redirects (tests look at each hop)."""

    def __init__(self):
        self.session = requests.Session()

    def get(self, url, **kwargs):
        return self.session.get(url, allow_redirects=False, timeout=HTTP_TIMEOUT, **kwargs)

    def submit(self, page: requests.Response, button_id: str) -> requests.Response:
        """Submit the form holding the button with this id, CSRF token included, as a browser would."""
        html = page.text
        forms = re.findall(r'<form method="post" action="([^"]+)">(.*?)</form>', html, re.S)
        for action, inner in forms:
            if f'id="{button_id}"' in inner:
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', inner).group(1)
                name, value = re.search(r'name="(\w+)" value="(\w+)"', inner.split(f'id="{button_id}"')[1]).groups()
                origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
                return self.session.post(origin + action, data={"csrfmiddlewaretoken": token, name: value},
                                         headers={"Referer": page.url, "Origin": origin},
                                         allow_redirects=False, timeout=HTTP_TIMEOUT)
        raise AssertionError(f"no button #{button_id} on the page")


@pytest.fixture
def browser():
    return Browser()


@pytest.fixture
def open_cashier(client, gateway_url, browser, base_url):
    """page.pay link (wap.pay with wap=True) → 302 → the cashier page (a requests.Response)."""
    def open_(out_trade_no, total_amount="99.00", subject="Django 入门课", return_url=None, notify_url=None,
              wap=False, **biz):
        link = client.api_alipay_trade_wap_pay if wap else client.api_alipay_trade_page_pay
        order_string = link(
            subject=subject, out_trade_no=out_trade_no, total_amount=total_amount,
            return_url=return_url if return_url is not None else base_url + "/shop/return/",
            notify_url=notify_url, **biz)
        hop = browser.get(gateway_url + "?" + order_string)
        assert hop.status_code == 302, hop.text
        page = browser.get(base_url + hop.headers["Location"] if hop.headers["Location"].startswith("/")
                           else hop.headers["Location"])
        assert page.status_code == 200
        return page

    return open_


# A return's keys in the order Alipay emits them (§2), page pay and wap pay alike.
RETURN_KEYS = ["charset", "out_trade_no", "method", "total_amount", "sign", "trade_no", "auth_app_id", "version",
               "app_id", "sign_type", "seller_id", "timestamp"]


def return_params(location: str) -> dict:
    """The params of a return redirect, as the shop's view would see them (request.GET.dict())."""
    return dict(parse_qsl(urlsplit(location).query, keep_blank_values=True))


def pay_and_return(browser, cashier, base_url) -> dict:
    """Click the cashier's one-step pay; the browser is sent to the shop's return URL with Alipay's params,
    in Alipay's order. Returns them."""
    paid = browser.submit(cashier, "cashier-pay")
    assert paid.status_code == 302
    location = paid.headers["Location"]
    assert location.startswith(base_url + "/shop/return/?charset=utf-8&out_trade_no=")
    data = return_params(location)
    assert list(data) == RETURN_KEYS
    assert "+" in location.split("timestamp=")[1]  # the timestamp's space encoded as "+"
    return data
