"""The notify endpoint is the shop's one unauthenticated write. A notify that fails verification is recorded as a
bounded summary (keys, sizes, a digest, a short head of each value), never in full: 100 hostile 800 KB bodies
used to store ~80 MB of PaymentEvent.params. A verified delivery is still recorded in full and answered."""
from urllib.parse import urlencode

import pytest
from django.db import connection
from payments.conftest import notify_params, sign_params

from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.models import PaymentEvent, PaymentIssue, Refund

pytestmark = pytest.mark.django_db

URL = "/api/payments/alipay/notify"
FORM = "application/x-www-form-urlencoded"
BODY = 800_000
COLUMNS = ["kind", "direction", "order_number", "trade_no", "params", "verdict", "outcome", "response"]


def _stored():
    """(rows, bytes) of PaymentEvent as the database holds them: the summed byte length of every text column."""
    if connection.vendor == "sqlite":
        size = " + ".join(f"COALESCE(LENGTH(CAST({c} AS BLOB)), 0)" for c in COLUMNS)
    else:
        size = " + ".join(f"COALESCE(OCTET_LENGTH({c}), 0)" for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), COALESCE(SUM({size}), 0) FROM {PaymentEvent._meta.db_table}")
        rows, stored = cursor.fetchone()
    return rows, int(stored)


def _pad(params: dict, count: int, width: int, char="x") -> dict:
    return {**params, **{f"k{i}": char * width for i in range(count)}}


def _hostile_bodies(order_number: str) -> list[tuple[str, str]]:
    """Five shapes of ~800 KB: many long values, one huge value, many long keys, multi-byte values, and a body
    around a real order's number with a forged signature. Plus one that Django refuses (too many fields)."""
    forged = {**notify_params(order_number, "100.00"), "sign": "A" * 344, "sign_type": "RSA2"}
    shapes = [
        urlencode(_pad({}, 199, 4000)),
        urlencode({"out_trade_no": order_number, "junk": "y" * BODY}),
        urlencode({f"{i:04d}" + "k" * 3996: "v" for i in range(199)}),
        urlencode(_pad({}, 22, 4000, char="课")),  # 36 KB a field once percent-encoded
        urlencode(_pad(forged, 190, 4000)),
        urlencode(_pad({}, 1100, 700)),  # over DATA_UPLOAD_MAX_NUMBER_FIELDS (1000)
    ]
    for body in shapes:
        assert BODY * 0.95 < len(body) < BODY * 1.3, len(body)
    return [(body, FORM) for body in shapes] + [(shapes[0], "application/json")]


def _fail(response):
    assert response.status_code == 200, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("text/plain") and response.content == b"fail", response.content[:300]


def test_a_hundred_hostile_800kb_notifies_store_under_a_megabyte(client, auth_client, place_order):
    order = place_order(auth_client, "100.00")
    bodies = _hostile_bodies(order["order_number"])
    rows_before, bytes_before = _stored()
    for i in range(100):
        body, content_type = bodies[i % len(bodies)]
        _fail(client.post(URL, body, content_type=content_type))
    rows_after, bytes_after = _stored()

    assert bytes_after - bytes_before < 1_000_000, bytes_after - bytes_before
    # Every readable body is recorded (only Django's refusals are not), each row a few KB at most.
    assert 80 <= rows_after - rows_before <= 100
    assert (bytes_after - bytes_before) / (rows_after - rows_before) < 6_000
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.UNPAID
    assert not PaymentIssue.objects.exists() and not Refund.objects.exists()


def test_a_rejected_notify_keeps_its_keys_sizes_digest_and_heads(client, auth_client, place_order):
    order = place_order(auth_client, "100.00")
    forged = _pad({**notify_params(order["order_number"], "100.00"), "sign": "Zm9yZ2Vk", "sign_type": "RSA2"}, 190, 4000)
    _fail(client.post(URL, urlencode(forged), content_type=FORM))
    event = PaymentEvent.objects.get(kind="notify")
    assert (event.verified, event.verdict, event.outcome) == (False, "bad_signature", "rejected")
    assert event.order_number == order["order_number"]
    summary = event.params
    assert summary["keys"] == len(forged) and summary["chars"] == sum(len(k) + len(v) for k, v in forged.items())
    assert len(summary["sha256"]) == 64
    heads = {key: (size, head) for key, size, head in summary["fields"]}
    assert heads["out_trade_no"] == (len(order["order_number"]), order["order_number"][:16])
    assert heads["total_amount"] == (6, "100.00")
    assert len(summary["fields"]) <= 16 < len(forged)  # the number of keys kept is capped too


def test_a_verified_notify_is_still_recorded_in_full_and_answered(client, auth_client, place_order):
    order = place_order(auth_client, "100.00")
    params = sign_params(notify_params(order["order_number"], "100.00", passback_params="p" * 1000))
    assert client.post(URL, urlencode(params), content_type=FORM).content == b"success"
    event = PaymentEvent.objects.get(kind="notify")
    assert event.verified and event.outcome == "fulfilled" and event.params == params


def test_bodies_django_refuses_answer_fail_not_an_error_page(client):
    """Over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) or DATA_UPLOAD_MAX_NUMBER_FIELDS (1000): `fail`, nothing stored."""
    _fail(client.post(URL, urlencode({"junk": "x" * 3_000_000}), content_type=FORM))
    _fail(client.post(URL, urlencode(_pad({}, 1100, 10)), content_type=FORM))
    assert _stored() == (0, 0)
