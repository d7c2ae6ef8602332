"""A partial refund is visible on the student's order card: the order list answers each refunded course with its
share (money and credits returned), the order's 部分退款 state and totals, and `?status=partial` finds it. The
refund records live in payments; orders reads them through the hook PaymentsConfig installs."""
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments import refunds
from luffycityapi.apps.payments.models import Refund

from .conftest import pay


def _card(student, order_number, status=None):
    query = f"?status={status}" if status is not None else ""
    cards = student.call("GET", f"/api/orders/{query}", 200).json()["results"]
    return {card["order_number"]: card for card in cards}.get(order_number)


def test_partial_refund_shows_on_the_card_and_under_the_partial_filter(student, make_course):
    courses = [make_course(price=price, credit=200) for price in ("100.00", "200.00", "300.00")]
    order = pay(student, student.order([c.id for c in courses], credit=500)["order_number"])  # pays 550.00
    other = pay(student, student.order([make_course(price="50.00").id])["order_number"])
    card = _card(student, order.order_number)
    assert (card["refund_state"], card["state_display"], card["refunded_price"], card["refunds"]) == (
        "none", "已支付", "0.00", [])
    assert [c["refund"] for c in card["courses"]] == [None, None, None]

    refund = refunds.refund_courses(order_id=order.id, course_ids=[courses[1].id],
                                    out_request_no=refunds.new_request_no())
    assert refund.status == Refund.Status.SUCCEEDED

    card = _card(student, order.order_number)
    # The refund's pro-rata share (tests/ops/test_refunds.py): 183.33 and 166 credits for the 200.00 course.
    assert (card["order_status"], card["refund_state"], card["state_display"]) == (1, "partial", "部分退款")
    assert (card["refunded_price"], card["refunded_credit"], card["real_price"]) == ("183.33", 166, "550.00")
    line = {c["id"]: c["refund"] for c in card["courses"]}
    assert line[courses[0].id] is None and line[courses[2].id] is None
    assert {k: line[courses[1].id][k] for k in ("status", "status_display", "amount", "credit")} == {
        "status": "refunded", "status_display": "已退款", "amount": "183.33", "credit": 166}
    assert line[courses[1].id]["time"].endswith("+08:00")
    assert [(r["kind"], r["status"], r["amount"], r["course_ids"]) for r in card["refunds"]] == [
        ("admin", "refunded", "183.33", [courses[1].id])]
    # The detail answer is the same card.
    detail = student.call("GET", f"/api/orders/{order.order_number}/", 200).json()
    assert detail["refund_state"] == "partial" and detail["courses"] == card["courses"]

    partial = student.call("GET", "/api/orders/?status=partial", 200).json()
    assert (partial["count"], [c["order_number"] for c in partial["results"]]) == (1, [order.order_number])
    assert _card(student, other.order_number, "partial") is None
    assert _card(student, other.order_number, 1) is not None

    # Refunding the rest makes the order refunded: no longer "partial", every line shows its share.
    refunds.refund_courses(order_id=order.id, course_ids=[courses[0].id, courses[2].id],
                           out_request_no=refunds.new_request_no())
    card = _card(student, order.order_number)
    assert (card["order_status"], card["refund_state"], card["refunded_price"], card["refunded_credit"]) == (
        Order.Status.REFUNDED, "full", "550.00", 500)
    assert all(c["refund"]["status"] == "refunded" for c in card["courses"])
    assert _card(student, order.order_number, "partial") is None


def test_a_pending_refund_and_a_late_payment_refund_are_shown_as_such(student, make_course):
    a, b = make_course(price="100.00"), make_course(price="100.00")
    order = pay(student, student.order([a.id, b.id])["order_number"])
    refunds.refund_request(order_id=order.id, course_ids=[a.id], out_request_no="R-pending-card")  # not sent yet

    card = _card(student, order.order_number)
    assert (card["refund_state"], card["state_display"], card["refunded_price"]) == (
        "refunding", "已支付 · 退款中", "0.00")
    assert {c["id"]: (c["refund"] or {}).get("status") for c in card["courses"]} == {a.id: "refunding", b.id: None}
    assert _card(student, order.order_number, "partial") is None

    # A payment that arrived after the order closed, refunded: the closed order's card says the money went back.
    closed = Order.objects.get(order_number=student.order([make_course(price="30.00").id])["order_number"])
    Order.objects.filter(pk=closed.pk).update(order_status=Order.Status.TIMEOUT,
                                              expire_time=timezone.now() - timedelta(minutes=1))
    Refund.objects.create(order=closed, out_request_no=f"L{closed.order_number}", amount=Decimal("30.00"),
                          reason=Refund.Reason.LATE_PAYMENT, status=Refund.Status.SUCCEEDED)
    card = _card(student, closed.order_number)
    assert (card["refund_state"], card["state_display"], card["refunded_price"]) == (
        "returned", "超时取消 · 款项已退回", "30.00")
    assert [(r["kind"], r["status"], r["amount"]) for r in card["refunds"]] == [("late_payment", "refunded", "30.00")]


def test_a_bad_status_is_still_refused(student):
    assert student.call("GET", "/api/orders/?status=partially", 400).json()["code"] == "status_invalid"


def test_the_return_after_close_says_the_order_closed_and_shows_the_refund(student, make_course):
    """The student paid on a cashier left open after cancelling: the return relay answers order_closed with the
    late payment's refund (refunding or refunded), not a bare failure."""
    from urllib.parse import urlsplit

    from .conftest import wait_for

    placed = student.order([make_course(price="120.00").id])
    cashier = student.open_cashier(placed["order_number"])
    student.call("POST", f"/api/orders/{placed['order_number']}/cancel/", 200)
    paid = student.click(cashier, "pay")
    assert paid.status_code == 302
    wait_for(lambda: Refund.objects.filter(order_id=placed["id"], status=Refund.Status.SUCCEEDED).exists(),
             what="the late payment's refund")

    answer = student.call("GET", f"/api/payments/alipay/result/?{urlsplit(paid.headers['Location']).query}",
                          400).json()

    assert (answer["code"], answer["order_status"], answer["order_number"]) == (
        "order_closed", Order.Status.CANCELLED, placed["order_number"])
    refund = answer["refund"]
    assert (refund["status"], refund["status_display"], refund["amount"]) == ("refunded", "已原路退回", "120.00")
    assert refund["time"].endswith("+08:00")
