"""Notify fuzzing beyond tests/payments/test_notify.py: every missing key, extra and list-valued keys, validly
signed nonsense values, bad encodings, wrong content types and methods. Always `fail` (or a 405 for a wrong
method), never a 500, and the order never changes."""
from urllib.parse import quote, urlencode

import pytest
from payments.conftest import WRONG_KEY, notify_params, sign_params

from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.users.models import UserCourse

pytestmark = pytest.mark.django_db

URL = "/api/payments/alipay/notify"
FORM = "application/x-www-form-urlencoded"
# sign_type may be left out (the configured type is assumed, the signature is still checked); a notify without
# trade_status is acknowledged without effect (test_notify.py: non-payment statuses).
REQUIRED = ["sign", "out_trade_no", "total_amount", "app_id", "trade_no"]


@pytest.fixture
def order(auth_client, place_order):
    return place_order(auth_client, "100.00")


@pytest.fixture
def signed(order):
    return sign_params(notify_params(order["order_number"], "100.00"))


def _unchanged(order):
    paid = Order.objects.get(order_number=order["order_number"])
    assert paid.order_status == Order.Status.UNPAID and paid.trade_no == ""
    assert not UserCourse.objects.filter(order_number=order["order_number"]).exists()


def _fails(response):
    assert response.status_code == 200, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("text/plain") and response.content == b"fail"


def test_the_valid_notify_these_are_built_from_succeeds(client, order, signed):
    assert client.post(URL, urlencode(signed), content_type=FORM).content == b"success"


@pytest.mark.parametrize("key", REQUIRED)
def test_each_missing_key_fails(client, order, signed, key):
    params = dict(signed)
    del params[key]
    if key != "sign":
        params = sign_params({k: v for k, v in params.items() if k not in ("sign", "sign_type")})  # validly signed
    _fails(client.post(URL, urlencode(params), content_type=FORM))
    _unchanged(order)


def test_an_extra_key_not_covered_by_the_signature_fails(client, order, signed):
    _fails(client.post(URL, urlencode({**signed, "refund_fee": "0.01"}), content_type=FORM))
    _unchanged(order)


@pytest.mark.parametrize("key", ["total_amount", "out_trade_no", "sign", "trade_status"])
def test_a_key_sent_twice_with_the_same_value_fails(client, order, signed, key):
    body = urlencode(list(signed.items()) + [(key, signed[key])])
    _fails(client.post(URL, body, content_type=FORM))
    _unchanged(order)


@pytest.mark.parametrize("raw_key", ["total_amount[]", "total_amount[0]", "out_trade_no[]"])
def test_php_style_list_keys_fail(client, order, signed, raw_key):
    key = raw_key.split("[")[0]
    params = [(k, v) for k, v in signed.items() if k != key] + [(raw_key, signed[key])]
    _fails(client.post(URL, urlencode(params), content_type=FORM))
    _unchanged(order)


@pytest.mark.parametrize("field,value", [
    ("total_amount", "1e2"), ("total_amount", "100.001"), ("total_amount", "-100.00"), ("total_amount", "NaN"),
    ("total_amount", "Infinity"), ("total_amount", " 100.00"), ("total_amount", "１００.００"),
    ("total_amount", "9" * 400), ("out_trade_no", "x" * 5000), ("out_trade_no", "' OR 1=1 --"),
    ("trade_status", "trade_success"), ("trade_status", "TRADE_SUCCESS "), ("app_id", "9021000000000002"),
    ("trade_no", ""), ("gmt_payment", "not a time"),
])
def test_validly_signed_nonsense_values_fail(client, order, field, value):
    params = sign_params(notify_params(order["order_number"], "100.00", **{field: value}))
    response = client.post(URL, urlencode(params), content_type=FORM)
    if field == "gmt_payment":  # an unparseable payment time is not a reason to refuse a real payment
        assert response.content == b"success"
        return
    if field == "trade_status":  # not a payment status: acknowledged, nothing changes
        assert response.status_code == 200 and response.content in (b"success", b"fail")
    else:
        _fails(response)
    _unchanged(order)


def test_signed_with_another_key_under_rsa_fails(client, order):
    params = sign_params(notify_params(order["order_number"], "100.00"), key=WRONG_KEY)
    _fails(client.post(URL, urlencode({**params, "sign_type": "RSA"}), content_type=FORM))
    _unchanged(order)


@pytest.mark.parametrize("body", [
    b"out_trade_no=%FF%FE&sign=%C3%28",            # percent-encoded bytes that are not UTF-8
    b"\xff\xfe\x00o\x00u\x00t",                    # raw bytes that are not UTF-8
    b"out_trade_no=%zz&sign=%",                    # broken percent escapes
    b"=&&==&sign",                                 # keys without values, values without keys
    b"a=" + b"%E8%AF%BE" * 400_000,                # ~3.6 MB: past DATA_UPLOAD_MAX_MEMORY_SIZE
    b"&".join(b"k%d=v" % i for i in range(2000)),  # past DATA_UPLOAD_MAX_NUMBER_FIELDS
])
def test_bad_encodings_and_oversized_bodies_fail(client, order, body):
    _fails(client.post(URL, body, content_type=FORM))
    _unchanged(order)


@pytest.mark.parametrize("charset", ["gbk", "latin-1", "utf-16", "no-such-charset"])
def test_a_body_declared_in_another_charset_fails(client, order, signed, charset):
    """Django reads forms as UTF-8 only (the pay link asks Alipay for utf-8): anything else is `fail`, not 500."""
    body = urlencode(signed, encoding="gbk").encode()
    _fails(client.generic("POST", URL, body, content_type=f"{FORM}; charset={charset}"))
    _unchanged(order)


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "multipart/form-data; boundary=x",
                                          "application/xml", ""])
def test_wrong_content_types_fail(client, order, signed, content_type):
    body = urlencode(signed) if content_type != "multipart/form-data; boundary=x" else (
        "--x\r\n" + "".join(f'Content-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n--x\r\n'
                            for k, v in signed.items()) + "--\r\n")
    _fails(client.generic("POST", URL, body.encode(), content_type=content_type))
    _unchanged(order)


def test_the_notify_in_the_query_string_fails(client, order, signed):
    _fails(client.post(f"{URL}?{urlencode(signed)}", "", content_type=FORM))
    _unchanged(order)


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_other_methods_are_405_not_500(client, order, signed, method):
    response = getattr(client, method)(f"{URL}?{quote(urlencode(signed))}")
    assert response.status_code == 405
    _unchanged(order)
