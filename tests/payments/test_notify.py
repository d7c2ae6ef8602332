"""The notify endpoint with real RSA2 signatures: only a verified, matching payment changes anything."""
import pytest

from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.models import PaymentEvent, PaymentIssue, Refund
from luffycityapi.apps.users.models import UserCourse

from .conftest import WRONG_KEY, notify_params, sign_params

pytestmark = pytest.mark.django_db


def _state(order_number):
    order = Order.objects.get(order_number=order_number)
    return order.order_status, UserCourse.objects.filter(order_number=order_number).count()


def test_valid_notify_fulfils_once_and_replays_are_success(auth_client, place_order, post_notify):
    order = place_order(auth_client, "399.00", "99.99")
    params = sign_params(notify_params(order["order_number"], "498.99"))
    assert post_notify(params) == "success"
    assert _state(order["order_number"]) == (Order.Status.PAID, 2)
    paid = Order.objects.get(order_number=order["order_number"])
    assert paid.trade_no == params["trade_no"] and paid.pay_time is not None
    assert post_notify(params) == "success"  # replay: success, nothing changes
    assert _state(order["order_number"]) == (Order.Status.PAID, 2)
    events = PaymentEvent.objects.filter(kind="notify", order_number=order["order_number"]).order_by("id")
    assert [e.outcome for e in events] == ["fulfilled", "duplicate"]
    assert all(e.verified for e in events)


@pytest.mark.parametrize("tamper", [
    lambda p: {**p, "total_amount": "0.01"},                      # one value changed after signing
    lambda p: sign_params({k: v for k, v in p.items() if k not in ("sign", "sign_type")}, key=WRONG_KEY),
    lambda p: {k: v for k, v in p.items() if k != "sign"},        # unsigned
    lambda p: {**p, "sign_type": "RSA"},
    lambda p: {**p, "sign": "not base64 at all!"},
], ids=["tampered_value", "wrong_key", "unsigned", "wrong_sign_type", "garbage_signature"])
def test_unverifiable_notify_fails_and_changes_nothing(auth_client, place_order, post_notify, tamper):
    order = place_order(auth_client, "100.00")
    params = tamper(sign_params(notify_params(order["order_number"], "100.00")))
    assert post_notify(params) == "fail"
    assert _state(order["order_number"]) == (Order.Status.UNPAID, 0)
    event = PaymentEvent.objects.get(kind="notify")
    assert event.verified is False and event.outcome == "rejected"


def test_wrong_app_id_wrong_amount_unknown_order_fail(auth_client, place_order, post_notify):
    order = place_order(auth_client, "100.00")
    number = order["order_number"]
    assert post_notify(sign_params(notify_params(number, "100.00", app_id="2021000000000000"))) == "fail"
    assert post_notify(sign_params(notify_params(number, "99.00"))) == "fail"
    assert post_notify(sign_params(notify_params("20990101000000000000000001", "100.00"))) == "fail"
    assert _state(number) == (Order.Status.UNPAID, 0)
    verdicts = set(PaymentEvent.objects.filter(kind="notify").values_list("verdict", flat=True))
    assert verdicts == {"wrong_app_id", "amount_mismatch", "unknown_order"}
    assert PaymentIssue.objects.get().kind == PaymentIssue.Kind.AMOUNT_MISMATCH


@pytest.mark.parametrize("status", ["WAIT_BUYER_PAY", "TRADE_CLOSED"])
def test_non_payment_statuses_are_acknowledged_without_effect(auth_client, place_order, post_notify, status):
    order = place_order(auth_client, "100.00")
    assert post_notify(sign_params(notify_params(order["order_number"], "100.00", status=status))) == "success"
    assert _state(order["order_number"]) == (Order.Status.UNPAID, 0)


@pytest.mark.parametrize("closed_status", ["cancel", "timeout"])
def test_payment_after_cancel_or_timeout_is_flagged_and_refunded_not_granted(
        auth_client, place_order, post_notify, closed_status, django_capture_on_commit_callbacks):
    from luffycityapi.apps.orders.services import order_release

    order = place_order(auth_client, "100.00")
    new_status = Order.Status.CANCELLED if closed_status == "cancel" else Order.Status.TIMEOUT
    order_release(order_id=order["id"], new_status=new_status)
    params = sign_params(notify_params(order["order_number"], "100.00"))
    with django_capture_on_commit_callbacks(execute=True):
        assert post_notify(params) == "success"  # recorded: Alipay must stop retrying
        assert post_notify(params) == "success"
    assert _state(order["order_number"]) == (new_status, 0)
    issue = PaymentIssue.objects.get()
    assert issue.kind == PaymentIssue.Kind.LATE_PAYMENT and issue.provider_trade_no == params["trade_no"]
    refund = Refund.objects.get()
    assert refund.out_request_no == f"L{order['order_number']}" and str(refund.amount) == "100.00"
    assert issue.refund_id == refund.id


def test_notify_with_empty_value_verifies_like_alipay(auth_client, place_order, post_notify):
    """Alipay does not sign empty values; a notify carrying `body=` must still verify."""
    order = place_order(auth_client, "100.00")
    params = sign_params(notify_params(order["order_number"], "100.00"))
    params["body"] = ""
    assert post_notify(params) == "success"


@pytest.mark.parametrize("mangle", ["repeated_key", "json_body", "empty", "huge_value"])
def test_malformed_notify_is_fail_never_500(auth_client, place_order, client, mangle):
    order = place_order(auth_client, "100.00")
    params = sign_params(notify_params(order["order_number"], "100.00"))
    if mangle == "repeated_key":
        from urllib.parse import urlencode

        body = urlencode(list(params.items()) + [("total_amount", "100.00")])
        response = client.post("/api/payments/alipay/notify", body, content_type="application/x-www-form-urlencoded")
    elif mangle == "json_body":
        response = client.post("/api/payments/alipay/notify", params, content_type="application/json")
    elif mangle == "empty":
        response = client.post("/api/payments/alipay/notify", "", content_type="application/x-www-form-urlencoded")
    else:
        from urllib.parse import urlencode

        response = client.post("/api/payments/alipay/notify", urlencode({**params, "subject": "课" * 1_000_000}),
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and response.content == b"fail"
    assert _state(order["order_number"]) == (Order.Status.UNPAID, 0)


def test_seller_id_is_checked_when_configured(auth_client, place_order, post_notify, settings):
    """ALIPAY_SELLER_ID set: a notify for another merchant's PID (or none) is `fail` with nothing changed; the
    configured PID passes. (The sandbox signs for SANDBOX_SELLER_ID, so only the setting differs.)"""
    order = place_order(auth_client, "100.00")
    number = order["order_number"]
    settings.ALIPAY_SELLER_ID = "2088000000000009"
    assert post_notify(sign_params(notify_params(number, "100.00"))) == "fail"  # seller_id = the sandbox's PID
    no_seller = {k: v for k, v in notify_params(number, "100.00").items() if k != "seller_id"}
    assert post_notify(sign_params(no_seller)) == "fail"
    assert _state(number) == (Order.Status.UNPAID, 0)
    rejected = PaymentEvent.objects.filter(kind="notify").order_by("id")
    assert [(e.verdict, e.outcome, e.verified) for e in rejected] == [("wrong_seller_id", "rejected", True)] * 2
    assert not PaymentIssue.objects.exists() and not Refund.objects.exists()

    settings.ALIPAY_SELLER_ID = settings.SANDBOX_SELLER_ID
    assert post_notify(sign_params(notify_params(number, "100.00"))) == "success"
    assert _state(number) == (Order.Status.PAID, 1)
    assert PaymentEvent.objects.filter(kind="notify").order_by("-id").first().outcome == "fulfilled"


def test_a_wrong_amount_is_quarantined_once_however_often_alipay_retries_it(auth_client, place_order, post_notify):
    """A validly signed notify for another amount answers `fail` (so Alipay keeps re-posting it on its schedule);
    every retry is recorded, the quarantine holds one issue for the trade, and the order is left alone."""
    order = place_order(auth_client, "100.00")
    params = sign_params(notify_params(order["order_number"], "90.00"))
    assert [post_notify(params) for _ in range(3)] == ["fail"] * 3
    assert _state(order["order_number"]) == (Order.Status.UNPAID, 0)
    events = PaymentEvent.objects.filter(kind="notify").order_by("id")
    assert [(e.verdict, e.outcome) for e in events] == [("amount_mismatch", "rejected: quarantined")] * 3
    issue = PaymentIssue.objects.get()
    assert (issue.kind, issue.provider_trade_no, str(issue.amount), issue.status) == (
        PaymentIssue.Kind.AMOUNT_MISMATCH, params["trade_no"], "90.00", PaymentIssue.Status.OPEN)
    assert not Refund.objects.exists()
