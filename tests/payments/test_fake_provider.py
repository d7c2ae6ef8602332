"""The provider seam, proven by a way to pay that exists only here: a fake provider registered for this test runs a
whole purchase (link → notify → paid → refund) and a cancel through the same payment service, views, fulfilment
and refunds that serve Alipay. Nothing outside this module knows about it except the registry it is put in.

Its wire format is deliberately unlike Alipay's (a signed JSON notify, a JSON answer), so the service cannot be
leaning on anything Alipay-shaped."""
import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.urls import include, path
from django.utils import timezone

from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments import refunds
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.payments.models import PaymentEvent, Refund
from luffycityapi.apps.payments.providers import registry
from luffycityapi.apps.payments.providers.base import (Claim, CloseResult, Notice, NotifyAnswer, PayRequest,
                                                       RefundLookup, RefundResult, Rejection, Trade)
from luffycityapi.apps.payments.views import PaymentAPIViewSet
from luffycityapi.apps.users.models import UserCourse

FAKE_PAY_TYPE = 99
SECRET = b"fake-provider-secret"


def sign(body: dict) -> str:
    return hmac.new(SECRET, json.dumps(body, sort_keys=True).encode(), hashlib.sha256).hexdigest()


@dataclass
class FakeTrade:
    amount: Decimal
    trade_no: str = ""
    state: str = "open"  # open / paid / closed
    refunds: dict = field(default_factory=dict)  # request_no -> amount


class FakeProvider:
    """A gateway in memory, behind the same protocol as Alipay (providers.base.PaymentProvider)."""

    name = "fake"
    title = "假支付"
    pay_type = FAKE_PAY_TYPE
    key_fields = ("body", "signature")

    def __init__(self):
        self.trades: dict[str, FakeTrade] = {}
        self.numbers = itertools.count(1)
        self.calls: list[str] = []

    # --- the buyer's side, as the gateway would see it ---
    def buyer_pays(self, order_number: str) -> dict:
        trade = self.trades[order_number]
        trade.state, trade.trade_no = "paid", f"FAKE{next(self.numbers):06d}"
        body = {"order": order_number, "txn": trade.trade_no, "cents": int(trade.amount * 100), "event": "paid"}
        return {"body": body, "signature": sign(body)}

    # --- the protocol ---
    def pay_url(self, request: PayRequest, *, device: str = "desktop") -> str:
        self.calls.append(f"pay_url:{device}")
        assert isinstance(request.amount, Decimal) and timezone.is_aware(request.expire_at)
        self.trades.setdefault(request.order_number, FakeTrade(amount=request.amount))
        return f"https://fake.example/checkout/{request.order_number}"

    def claim(self, params: dict) -> Claim:
        body = params.get("body") or {}
        cents = body.get("cents")
        return Claim(order_number=str(body.get("order", "")), trade_no=str(body.get("txn", "")),
                     amount=Decimal(cents) / 100 if isinstance(cents, int) else None)

    def parse_notify(self, params: dict, *, malformed: str = "") -> Notice | Rejection:
        if malformed:
            return Rejection(malformed, signed=False)
        body = params.get("body") or {}
        if not hmac.compare_digest(sign(body), str(params.get("signature", ""))):
            return Rejection("bad_signature", signed=False)
        paid = body.get("event") == "paid"
        trade = Trade(exists=True, paid=paid, status=body.get("event", ""), trade_no=body.get("txn", ""),
                      amount=Decimal(body["cents"]) / 100, paid_at=timezone.now(), raw=body)
        return Notice(order_number=body.get("order", ""), trade=trade)

    def parse_return(self, params: dict) -> Notice | Rejection:
        return Rejection("no_returns_here", signed=False)

    def read_notify(self, request) -> tuple[dict | None, str]:
        try:
            params = json.loads(request.body)
        except ValueError:
            return None, "unreadable"
        return params, "" if request.content_type == "application/json" else "wrong_content_type"

    def notify_answer(self, accepted: bool) -> NotifyAnswer:
        return NotifyAnswer(json.dumps({"code": "OK" if accepted else "RETRY"}), "application/json")

    def query(self, order_number: str) -> Trade:
        self.calls.append("query")
        trade = self.trades.get(order_number)
        if trade is None:
            return Trade(exists=False, summary="unknown")
        return Trade(exists=True, paid=trade.state == "paid", closed=trade.state == "closed", status=trade.state,
                     trade_no=trade.trade_no, amount=trade.amount, summary=trade.state, raw={"state": trade.state})

    def close(self, order_number: str) -> CloseResult:
        self.calls.append("close")
        trade = self.trades.get(order_number)
        if trade is None:
            return CloseResult.NOT_EXIST
        if trade.state == "paid":
            return CloseResult.ALREADY_PAID
        trade.state = "closed"
        return CloseResult.CLOSED

    def refund(self, *, order_number: str, amount: Decimal, request_no: str, reason: str = "",
               total: Decimal | None = None) -> RefundResult:
        self.calls.append("refund")
        trade = self.trades[order_number]
        moved = request_no not in trade.refunds
        trade.refunds.setdefault(request_no, amount)
        return RefundResult(moved=moved, amount=amount, summary="refunded", raw={"request_no": request_no})

    def refund_query(self, *, order_number: str, request_no: str) -> RefundLookup:
        amount = self.trades[order_number].refunds.get(request_no)
        return RefundLookup(found=amount is not None, amount=amount, raw={"request_no": request_no})


class FakeAPIViewSet(PaymentAPIViewSet):
    provider_name = "fake"


# This module is the URLconf while its tests run: the shop's own URLs, plus the fake provider's routes.
urlpatterns = [
    path("api/payments/", include(FakeAPIViewSet.routes("fake"))),
    path("", include("luffycityapi.urls")),
]


@pytest.fixture
def fake(settings):
    provider = FakeProvider()
    registry.register(provider)
    settings.ROOT_URLCONF = __name__
    yield provider
    registry.unregister(FAKE_PAY_TYPE)


def place(client, make_course, price):
    course = make_course(price=price)
    assert client.post("/api/cart/", {"course_id": course.id}, format="json").status_code == 201
    created = client.post("/api/orders/", {"pay_type": FAKE_PAY_TYPE, "user_coupon_id": -1, "credit": 0},
                          format="json")
    assert created.status_code == 201, created.content
    return course, created.json()


def notify(client, message, content_type="application/json"):
    response = client.post("/api/payments/fake/notify", json.dumps(message), content_type=content_type)
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)["code"]


def test_a_whole_purchase_and_refund_through_a_provider_that_only_this_test_knows(fake, auth_client, make_course,
                                                                                   django_capture_on_commit_callbacks):
    course, order = place(auth_client, make_course, "66.60")
    number = order["order_number"]

    link = auth_client.get(f"/api/payments/fake/{number}/")
    assert link.status_code == 200, link.content
    assert link.json() == {"pay_type": FAKE_PAY_TYPE, "get_pay_type_display": "假支付",
                           "link": f"https://fake.example/checkout/{number}", "order_status": Order.Status.UNPAID}
    # Alipay's endpoints refuse an order placed for another way to pay.
    assert auth_client.get(f"/api/payments/alipay/{number}/").json()["code"] == "pay_type_mismatch"

    message = fake.buyer_pays(number)
    forged = {**message, "body": {**message["body"], "cents": 1}}
    assert notify(auth_client, forged) == "RETRY"  # a bad signature changes nothing
    assert notify(auth_client, message, content_type="text/plain") == "RETRY"
    assert Order.objects.get(order_number=number).order_status == Order.Status.UNPAID

    assert notify(auth_client, message) == "OK"
    assert notify(auth_client, message) == "OK"  # the provider's retry: a duplicate, nothing more happens
    paid = Order.objects.get(order_number=number)
    assert (paid.order_status, paid.trade_no) == (Order.Status.PAID, message["body"]["txn"])
    assert UserCourse.objects.filter(user=auth_client.user, course=course).count() == 1
    notifies = PaymentEvent.objects.filter(kind="notify", order_number=number).order_by("id")
    assert [(e.provider, e.verdict, e.outcome) for e in notifies] == [
        ("fake", "bad_signature", "rejected"), ("fake", "wrong_content_type", "rejected"),
        ("fake", "ok", "fulfilled"), ("fake", "ok", "duplicate")]
    assert notifies.last().provider_trade_no == message["body"]["txn"]

    status = auth_client.get(f"/api/payments/fake/query/{number}/").json()
    assert (status["order_status"], status["real_price"]) == (Order.Status.PAID, "66.60")
    timeline = auth_client.get(f"/api/orders/{number}/timeline/").json()["events"]
    assert [(e["code"], e["label"]) for e in timeline][:3] == [
        ("created", "订单创建"), ("link_issued", "发起假支付支付"), ("paid", "支付成功")]
    assert timeline[2]["detail"] == "假支付支付成功"

    with django_capture_on_commit_callbacks(execute=True):
        refund = refunds.refund_courses(order_id=paid.id, course_ids=[course.id], out_request_no="R-FAKE-1")
    assert (refund.status, refund.amount) == (Refund.Status.SUCCEEDED, Decimal("66.60"))
    assert fake.trades[number].refunds == {"R-FAKE-1": Decimal("66.60")}
    assert Order.objects.get(pk=paid.id).order_status == Order.Status.REFUNDED
    assert not UserCourse.objects.filter(user=auth_client.user, course=course).exists()
    outbound = PaymentEvent.objects.filter(order_number=number, direction="out").order_by("id")
    assert [(e.provider, e.kind, e.outcome) for e in outbound] == [("fake", "link", "ok"), ("fake", "refund", "refunded")]
    assert fake.calls == ["pay_url:desktop", "refund"]
    assert {check: found for check, found in run_audit().items() if found} == {}  # the books read back through it


def test_a_cancel_asks_the_fake_provider_and_closes_the_trade_there(fake, auth_client, make_course):
    _, order = place(auth_client, make_course, "10.00")
    number = order["order_number"]
    assert auth_client.get(f"/api/payments/fake/{number}/").status_code == 200
    cancelled = auth_client.post(f"/api/orders/{number}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["order_status"] == Order.Status.CANCELLED
    assert fake.calls == ["pay_url:desktop", "query", "close"] and fake.trades[number].state == "closed"


def test_without_its_registry_entry_the_fake_pay_type_cannot_be_ordered(auth_client, make_course):
    course = make_course(price="10.00")
    assert auth_client.post("/api/cart/", {"course_id": course.id}, format="json").status_code == 201
    refused = auth_client.post("/api/orders/", {"pay_type": FAKE_PAY_TYPE, "user_coupon_id": -1, "credit": 0},
                               format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "pay_type_invalid"
