"""The operators' admin: pages render for staff, support can look but not refund, finance can; quarantine actions
are recorded; the index shows the revenue chart."""
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from payments.conftest import notify_params, place_order, post_notify, sign_params  # noqa: F401  (fixtures)

from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.payments.models import PaymentIssue, Refund
from luffycityapi.apps.users.models import UserCourse


@pytest.fixture
def paid_order(make_user, client_for, place_order, post_notify):  # noqa: F811
    user = make_user(credit=100)
    placed = place_order(client_for(user), "100.00", "50.00", credit=100)  # 100 credits = 10.00 off: 140.00
    assert post_notify(sign_params(notify_params(placed["order_number"], placed["real_price"],
                                                 trade_no="2026112522001499990000000042"))) == "success"
    return Order.objects.get(pk=placed["id"])


def test_the_data_migration_made_the_groups(staff_groups):
    support, finance = Group.objects.get(name="support"), Group.objects.get(name="finance")
    assert {p.codename for p in support.permissions.all()} >= {"view_order", "view_refund", "view_paymentevent",
                                                              "view_paymentissue", "view_reconciliationmismatch"}
    assert not support.permissions.filter(codename="can_refund").exists()
    assert finance.permissions.filter(codename="can_refund", content_type__app_label="payments").exists()
    assert not support.permissions.exclude(codename__startswith="view_").exists()


def test_every_operations_page_renders_for_staff(staff, paid_order):
    admin = staff()
    index = admin.get(reverse("admin:index")).content.decode()
    assert 'id="revenue-chart"' in index and "<svg" in index and "140.00" in index  # today's revenue
    page = admin.get(reverse("admin:orders_order_change", args=[paid_order.id])).content.decode()
    assert 'id="payment-timeline"' in page and "异步通知" in page and 'id="order-refund-link"' in page
    for query in (paid_order.order_number, paid_order.trade_no, paid_order.user.mobile):
        listing = admin.get(reverse("admin:orders_order_changelist"), {"q": query}).content.decode()
        assert paid_order.order_number in listing, query
    assert admin.get(reverse("admin:orders_order_changelist"), {"q": "nothing-like-it"}).content.decode() \
        .count(paid_order.order_number) == 0
    form = admin.get(reverse("admin:orders_order_refund", args=[paid_order.id])).content.decode()
    # 140.00 and 100 credits over prices 100:50 → 93.33 / 66 (rounded down), the last line 46.67 / 34.
    assert all(f"<td>{share}</td>" in form for share in ("93.33", "66", "46.67", "34"))
    for name in ("payments_refund", "payments_paymentissue", "payments_paymentevent",
                 "payments_reconciliationmismatch"):
        assert admin.get(reverse(f"admin:{name}_changelist")).status_code == 200, name


def test_support_can_look_but_not_refund_and_finance_can(staff, paid_order, post_notify):  # noqa: F811
    support, finance = staff("support"), staff("finance")
    # A paid order notified again with another amount: a quarantined payment, so the issue list has a row.
    post_notify(sign_params(notify_params(paid_order.order_number, "1.00", trade_no="2026112522001499990000000043")))
    assert PaymentIssue.objects.count() == 1
    change = reverse("admin:orders_order_change", args=[paid_order.id])
    refund = reverse("admin:orders_order_refund", args=[paid_order.id])
    page = support.get(change)
    assert page.status_code == 200 and 'id="order-refund-link"' not in page.content.decode()
    assert support.get(refund).status_code == 403
    lines = list(paid_order.order_courses.values_list("course_id", flat=True))
    assert support.post(refund, {"course_ids": lines, "out_request_no": "R1"}).status_code == 403
    assert not Refund.objects.exists()
    issues = support.get(reverse("admin:payments_paymentissue_changelist")).content.decode()
    assert "refund_issues" not in issues and "grant_issues" not in issues
    assert support.get(reverse("admin:index")).status_code == 200

    assert 'id="order-refund-link"' in finance.get(change).content.decode()
    assert finance.get(refund).status_code == 200
    assert "refund_issues" in finance.get(reverse("admin:payments_paymentissue_changelist")).content.decode()


def test_quarantined_payments_are_granted_or_dismissed_with_who_when_and_a_note(make_user, client_for, place_order,  # noqa: F811
                                                                               post_notify, finance):  # noqa: F811
    user = make_user()
    first, second = place_order(client_for(user), "80.00"), place_order(client_for(user), "90.00")
    for placed, trade_no in ((first, "2026112522001400000000000091"), (second, "2026112522001400000000000092")):
        params = notify_params(placed["order_number"], "1.00", trade_no=trade_no)  # not what the order costs
        assert post_notify(sign_params(params)) == "fail"
    one, two = (PaymentIssue.objects.get(order_id=p["id"]) for p in (first, second))
    assert one.kind == two.kind == PaymentIssue.Kind.AMOUNT_MISMATCH and one.amount == Decimal("1.00")
    url = reverse("admin:payments_paymentissue_changelist")
    finance.post(url, {"action": "grant_issues", "_selected_action": [one.id], "apply": "1", "note": "线下补差价"})
    finance.post(url, {"action": "dismiss_issues", "_selected_action": [two.id], "apply": "1", "note": "买家重复测试"})
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, one.note, one.resolved_by_id) == (PaymentIssue.Status.GRANTED, "线下补差价", finance.user.id)
    assert (two.status, two.note, two.resolved_by_id) == (PaymentIssue.Status.DISMISSED, "买家重复测试", finance.user.id)
    assert one.resolved_time and two.resolved_time
    assert Order.objects.get(pk=first["id"]).order_status == Order.Status.PAID
    assert UserCourse.objects.filter(user=user, order_number=first["order_number"]).count() == 1
    assert Order.objects.get(pk=second["id"]).order_status == Order.Status.UNPAID
    assert {k: v for k, v in run_audit().items() if v} == {}


def test_the_timeline_is_the_owners_only(make_user, client_for, paid_order):
    owner = client_for(paid_order.user)
    body = owner.get(f"/api/orders/{paid_order.order_number}/timeline/").json()
    assert [e["code"] for e in body["events"]] == ["created", "paid"]
    assert body["events"][0]["label"] == "订单创建" and body["events"][1]["amount"] == "140.00"
    # shop time with its offset, to the second (the serializer's LocalSecondsField); every key in the contract's order
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", e["time"]) for e in body["events"])
    assert list(body) == ["order_number", "order_status", "get_order_status_display", "events"]
    assert list(body["events"][0]) == ["code", "label", "time", "amount", "detail"]
    other = client_for(make_user()).get(f"/api/orders/{paid_order.order_number}/timeline/")
    assert other.status_code == 404 and other.json()["code"] == "order_not_found"
