"""The wallet (余额支付) on the embedded stack: the ledger's sum is the balance after every way money moves (pay,
refund, top-up, staff adjustment), a wallet payment is all or nothing and charged once, top-ups have their bounds
and are fulfilled (or refunded when late) like any order, and the audit catches a tampered balance."""
from decimal import Decimal

import pytest
from api_asserts import assert_error
from django.core.management import CommandError, call_command
from django.urls import reverse

from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.payments.models import PaymentEvent, PaymentIssue, Refund
from luffycityapi.apps.payments.refunds import refund_courses, refund_execute
from luffycityapi.apps.users.models import User, UserCourse, WalletEntry

from .conftest import assert_books, fill, money, notify_params, sign_params

pytestmark = pytest.mark.django_db


def _violations():
    return {name: v for name, v in run_audit().items() if v}


def _pay(client, order_number):
    return client.post(f"/api/payments/wallet/{order_number}/")


def test_wallet_read_is_the_balance_and_the_ledger_newest_first(make_user, client_for, wallet_order):
    user = make_user()
    client = client_for(user)
    fill(user, "300.00")
    order = wallet_order(client, "120.50")
    assert _pay(client, order["order_number"]).status_code == 200
    wallet = client.get("/api/users/wallet/").json()
    assert wallet["money"] == "179.50"
    assert [(e["amount"], e["operation"], e["order_number"]) for e in wallet["entries"]] == [
        ("-120.50", WalletEntry.Operation.SPEND, order["order_number"]), ("300.00", WalletEntry.Operation.ADJUST, "")]
    assert wallet["entries"][0]["reason"] == f"支付订单 {order['order_number']}"
    assert_books(user.id, "179.50")


def test_pay_charges_once_and_fulfils_through_the_one_path(make_user, client_for, wallet_order):
    user = make_user()
    client = client_for(user)
    fill(user, "100.00")
    order = wallet_order(client, "60.00")
    first = _pay(client, order["order_number"])
    assert first.status_code == 200, first.content
    assert (first.json()["order_status"], first.json()["money"]) == (Order.Status.PAID, "40.00")
    again = _pay(client, order["order_number"])  # a double click: success, nothing charged again
    assert again.status_code == 200 and again.json()["money"] == "40.00"
    assert_books(user.id, "40.00")
    assert WalletEntry.objects.filter(order_number=order["order_number"]).count() == 1
    assert UserCourse.objects.filter(user=user, order_number=order["order_number"]).count() == 1
    charge = PaymentEvent.objects.get(kind=PaymentEvent.Kind.CHARGE, order_number=order["order_number"])
    assert (charge.provider, charge.outcome) == ("wallet", "fulfilled") and charge.provider_trade_no.startswith("W")
    assert client.get(f"/api/payments/wallet/query/{order['order_number']}/").json()["order_status"] == 1
    assert _violations() == {}


def test_insufficient_balance_is_a_4xx_and_nothing_is_half_done(make_user, client_for, wallet_order):
    user = make_user()
    client = client_for(user)
    fill(user, "100.00")
    order = wallet_order(client, "80.00")
    fill(user, "-50.00")  # spent elsewhere after the order was placed
    assert_error(_pay(client, order["order_number"]), 400, "wallet_insufficient")
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.UNPAID
    assert not UserCourse.objects.filter(user=user).exists()
    assert_books(user.id, "50.00")
    event = PaymentEvent.objects.get(kind=PaymentEvent.Kind.CHARGE)
    assert event.outcome == "error: wallet_insufficient"  # recorded first, and its outcome kept after the rollback
    assert _violations() == {}


def test_checkout_offers_the_registered_methods_with_the_balance(make_user, client_for, make_course):
    user = make_user()
    client = client_for(user)
    fill(user, "50.00")
    course = make_course(price="80.00")
    client.post("/api/cart/", {"course_id": course.id}, format="json")
    quote = client.post("/api/orders/quote/", {"pay_type": 2}, format="json").json()
    assert quote["pay_type"] == 2
    wallet = next(m for m in quote["pay_types"] if m["pay_type"] == 2)
    assert wallet == {"pay_type": 2, "name": "余额", "balance": "50.00", "available": False}
    assert_error(client.post("/api/orders/", {"pay_type": 2}, format="json"), 400, "pay_type_unavailable")
    assert_error(client.post("/api/orders/quote/", {"pay_type": 9}, format="json"), 400, "pay_type_invalid")
    assert not Order.objects.exists()


def test_an_alipay_order_is_not_paid_from_the_wallet(make_user, client_for, place_order):
    user = make_user()
    client = client_for(user)
    fill(user, "500.00")
    order = place_order(client, "100.00")
    assert_error(_pay(client, order["order_number"]), 400, "pay_type_mismatch")
    assert_books(user.id, "500.00")


def test_an_expired_or_cancelled_wallet_order_is_not_charged(make_user, client_for, wallet_order):
    user = make_user()
    client = client_for(user)
    fill(user, "500.00")
    cancelled = wallet_order(client, "100.00")
    assert client.post(f"/api/orders/{cancelled['order_number']}/cancel/").status_code == 200
    assert_error(_pay(client, cancelled["order_number"]), 409, "order_not_payable")
    late = wallet_order(client, "30.00")
    Order.objects.filter(pk=late["id"]).update(expire_time="2000-01-01T00:00:00Z")
    assert_error(_pay(client, late["order_number"]), 409, "order_expired")
    assert_books(user.id, "500.00")


def test_refunds_go_back_to_the_wallet_once(make_user, client_for, wallet_order):
    user = make_user()
    client = client_for(user)
    fill(user, "300.00")
    order = wallet_order(client, "100.00", "50.00")
    assert _pay(client, order["order_number"]).status_code == 200
    assert_books(user.id, "150.00")
    first_course = Order.objects.get(pk=order["id"]).order_courses.order_by("id").first().course_id
    refund = refund_courses(order_id=order["id"], course_ids=[first_course], out_request_no="RW-1")
    assert refund.status == Refund.Status.SUCCEEDED and refund.amount == Decimal("100.00")
    assert_books(user.id, "250.00")
    # The same request again (a resubmitted form, the retry job): no second credit.
    assert refund_courses(order_id=order["id"], course_ids=[first_course], out_request_no="RW-1").id == refund.id
    Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.PENDING)  # as if the process died after the call
    assert refund_execute(refund.id).status == Refund.Status.SUCCEEDED  # confirmed by the refund query
    assert_books(user.id, "250.00")
    rest = refund_courses(order_id=order["id"], course_ids=[c.course_id for c in
                                                           Order.objects.get(pk=order["id"]).order_courses.all()
                                                           if c.course_id != first_course], out_request_no="RW-2")
    assert rest.status == Refund.Status.SUCCEEDED
    assert_books(user.id, "300.00")
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.REFUNDED
    assert WalletEntry.objects.filter(operation=WalletEntry.Operation.REFUND).count() == 2
    assert _violations() == {}


def test_reconciliation_finds_a_wallet_payment_in_the_ledger(make_user, client_for, wallet_order):
    from luffycityapi.apps.payments.reconcile import reconcile_recent

    user = make_user()
    client = client_for(user)
    fill(user, "100.00")
    order = wallet_order(client, "100.00")
    assert _pay(client, order["order_number"]).status_code == 200
    report = reconcile_recent()
    assert (report.checked, report.mismatches, report.errors) == (1, 0, [])


# --- top-ups ---------------------------------------------------------------------------------------------------

def _topup(client, amount, pay_type=0):
    return client.post("/api/orders/topup/", {"amount": amount, "pay_type": pay_type}, format="json")


def test_topup_bounds_come_from_settings(make_user, client_for, settings):
    settings.WALLET_TOPUP_MIN, settings.WALLET_TOPUP_MAX = Decimal("10.00"), Decimal("2000.00")
    client = client_for(make_user())
    assert_error(_topup(client, "9.99"), 400, "topup_amount_invalid")
    assert_error(_topup(client, "2000.01"), 400, "topup_amount_invalid")
    assert_error(_topup(client, "100.00", pay_type=2), 400, "pay_type_invalid")  # the wallet cannot fund itself
    assert not Order.objects.exists()
    low, high = _topup(client, "10.00"), _topup(client, "2000.00")
    assert (low.status_code, high.status_code) == (201, 201)
    assert Order.objects.get(order_number=high.json()["order_number"]).kind == Order.Kind.TOPUP


def test_the_wallet_answer_lists_the_ways_to_pay_a_topup_and_each_is_accepted(make_user, client_for):
    client = client_for(make_user())
    offered = client.get("/api/users/wallet/").json()["topup_pay_types"]
    # Alipay and WeChat Pay take money from outside the shop; the wallet (2) cannot fund itself.
    assert offered == [{"pay_type": Order.PayType.ALIPAY, "name": "支付宝"},
                       {"pay_type": Order.PayType.WECHAT, "name": "微信支付"}]
    for method in offered:
        created = _topup(client, "20.00", pay_type=method["pay_type"])
        assert created.status_code == 201, created.content
        order = Order.objects.get(order_number=created.json()["order_number"])
        assert (order.kind, order.pay_type) == (Order.Kind.TOPUP, method["pay_type"])
        assert client.post(f"/api/orders/{order.order_number}/cancel/").status_code == 200


def test_a_way_to_pay_no_longer_registered_is_not_offered_for_a_topup(make_user, client_for):
    from luffycityapi.apps.payments.providers import registry

    wechat = registry.provider_for(Order.PayType.WECHAT)
    registry.unregister(Order.PayType.WECHAT)
    try:
        client = client_for(make_user())
        assert [m["pay_type"] for m in client.get("/api/users/wallet/").json()["topup_pay_types"]] == [
            Order.PayType.ALIPAY]
        assert_error(_topup(client, "20.00", pay_type=Order.PayType.WECHAT), 400, "pay_type_invalid")
    finally:
        registry.register(wechat)


def test_topup_paid_through_alipay_credits_the_wallet_once(make_user, client_for, post_notify):
    user = make_user()
    client = client_for(user)
    order = _topup(client, "88.80").json()
    assert order["real_price"] == "88.80"
    params = sign_params(notify_params(order["order_number"], "88.80"))
    assert post_notify(params) == "success"
    assert post_notify(params) == "success"  # a duplicate notify credits nothing
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.PAID
    assert_books(user.id, "88.80")
    entry = WalletEntry.objects.get(user=user)
    assert (entry.operation, entry.order_number) == (WalletEntry.Operation.TOPUP, order["order_number"])
    assert _violations() == {}


def test_a_topup_paid_after_it_closed_is_refunded_not_credited(make_user, client_for, post_notify,
                                                                django_capture_on_commit_callbacks):
    user = make_user()
    client = client_for(user)
    order = _topup(client, "50.00").json()
    assert client.post(f"/api/orders/{order['order_number']}/cancel/").status_code == 200
    params = sign_params(notify_params(order["order_number"], "50.00"))
    with django_capture_on_commit_callbacks(execute=True):
        assert post_notify(params) == "success"
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.CANCELLED
    assert_books(user.id, "0.00")
    refund = Refund.objects.get()
    assert (refund.out_request_no, refund.amount, refund.reason) == (
        f"L{order['order_number']}", Decimal("50.00"), Refund.Reason.LATE_PAYMENT)
    assert PaymentIssue.objects.get().kind == PaymentIssue.Kind.LATE_PAYMENT


def test_revenue_counts_what_the_wallet_bought_not_the_topup(make_user, client_for, post_notify, wallet_order):
    from django.utils import timezone

    from luffycityapi.apps.payments.selectors import revenue_by_day

    user = make_user()
    client = client_for(user)
    topup = _topup(client, "300.00").json()
    assert post_notify(sign_params(notify_params(topup["order_number"], "300.00"))) == "success"
    order = wallet_order(client, "120.00")
    assert _pay(client, order["order_number"]).status_code == 200
    today = [row for row in revenue_by_day(1) if row.day == timezone.localdate()]
    assert [(row.revenue, row.orders) for row in today] == [(Decimal("120.00"), 1)]


# --- staff and the audit ---------------------------------------------------------------------------------------

def test_admin_adjusts_only_through_a_ledger_entry_with_a_reason(admin_client, make_user):
    user = make_user()
    url = reverse("admin:users_walletentry_add")
    refused = admin_client.post(url, {"user": user.id, "amount": "20.00", "reason": ""})
    assert refused.status_code == 200 and not WalletEntry.objects.exists()
    overdraw = admin_client.post(url, {"user": user.id, "amount": "-1.00", "reason": "扣回"})
    assert overdraw.status_code == 200 and not WalletEntry.objects.exists()
    added = admin_client.post(url, {"user": user.id, "amount": "20.00", "reason": "客服补偿"})
    assert added.status_code == 302
    entry = WalletEntry.objects.get()
    assert (entry.operation, entry.reason, entry.amount) == (WalletEntry.Operation.ADJUST, "客服补偿",
                                                              Decimal("20.00"))
    assert entry.operator is not None
    assert_books(user.id, "20.00")
    # The user's page shows the wallet, read-only: posting a money value changes nothing.
    page = admin_client.get(reverse("admin:users_user_change", args=[user.id]))
    assert page.status_code == 200 and "客服补偿" in page.content.decode()
    edit = admin_client.post(reverse("admin:users_walletentry_change", args=[entry.id]),
                             {"user": user.id, "amount": "999.00", "reason": "改"})
    assert edit.status_code == 403  # the ledger is append-only
    assert admin_client.post(reverse("admin:users_user_change", args=[user.id]), {"money": "999.00"}).status_code \
        in (200, 302)  # money is read-only on the user's form: ignored whatever the form's outcome
    assert money(user.id) == Decimal("20.00")


def test_audit_detects_a_tampered_balance(make_user):
    user = make_user()
    fill(user, "10.00")
    assert _violations() == {}
    User.objects.filter(pk=user.pk).update(money=Decimal("999.00"))
    found = _violations()
    assert set(found) == {"wallet_matches_ledger"}
    assert "999.00" in found["wallet_matches_ledger"][0]
    with pytest.raises(CommandError):
        call_command("audit", stdout=open("/dev/null", "w"))


def test_audit_detects_a_paid_topup_never_credited(make_user, client_for, post_notify):
    user = make_user()
    order = _topup(client_for(user), "20.00").json()
    assert post_notify(sign_params(notify_params(order["order_number"], "20.00"))) == "success"
    WalletEntry.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(money=0)
    assert set(_violations()) == {"wallet_entries_match_orders"}
