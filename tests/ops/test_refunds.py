"""Refunds from the admin, end to end: the finance user's form on the order page, the shop calling the sandbox
gateway over real HTTP (alipay.trade.refund, then fastpay.refund.query when fund_change is not "Y"), and the books
afterwards (courses, credits ledger, coupon, order status, audit)."""
import re
from decimal import Decimal

from django.urls import reverse

from luffycityapi.apps.coupon.models import CouponLog
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.payments.models import PaymentIssue, Refund
from luffycityapi.apps.users.models import Credit, UserCourse

from .conftest import pay, sandbox_trade, wait_for


def _clean_audit():
    assert {k: v for k, v in run_audit().items() if v} == {}


def _form(admin_client, order_id) -> str:
    """Open the refund form; returns its out_request_no (fresh for each form)."""
    page = admin_client.get(reverse("admin:orders_order_refund", args=[order_id]))
    assert page.status_code == 200
    return re.search(r'name="out_request_no" value="([^"]+)"', page.content.decode()).group(1)


def _submit(admin_client, order_id, course_ids, out_request_no, remark="测试退款"):
    response = admin_client.post(reverse("admin:orders_order_refund", args=[order_id]),
                                 {"course_ids": [str(c) for c in course_ids], "out_request_no": out_request_no,
                                  "remark": remark, "confirmed": "1"}, follow=True)
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def test_full_refund_returns_the_money_takes_the_courses_and_gives_the_coupon_back(student, make_course, coupon_log,
                                                                                     finance):
    a, b = make_course(price="399.00"), make_course(price="99.99")
    order = pay(student, student.order([a.id, b.id], coupon_id=coupon_log.id)["order_number"])
    assert order.real_price == Decimal("478.99")

    messages = _submit(finance, order.id, [a.id, b.id], _form(finance, order.id))
    assert any("退款成功" in m for m in messages), messages
    refund = Refund.objects.get(order=order)
    assert refund.status == Refund.Status.SUCCEEDED and refund.amount == Decimal("478.99")
    assert refund.reason == Refund.Reason.ADMIN and refund.operator_id == finance.user.id
    assert refund.gateway_answer and refund.gateway_answer.get("fund_change") == "Y"
    order.refresh_from_db()
    assert order.order_status == Order.Status.REFUNDED
    assert not UserCourse.objects.filter(user=student.user).exists()
    coupon_log.refresh_from_db()
    assert coupon_log.use_status == CouponLog.Status.UNUSED and coupon_log.order_id is None  # still valid: back
    trade = sandbox_trade(student, order.order_number)
    assert [r["refund_amount"] for r in trade["refunds"]] == ["478.99"]
    assert (trade["status"], trade["refund_fee"]) == ("TRADE_CLOSED", "478.99")
    _clean_audit()
    # A fully refunded order offers no refund any more, and a forged post is refused.
    page = finance.get(reverse("admin:orders_order_refund", args=[order.id])).content.decode()
    assert "不能退款" in page and "refund-form" not in page
    messages = _submit(finance, order.id, [a.id], "R-forged")
    assert any("不能退款" in m for m in messages) and Refund.objects.count() == 1


def test_partial_refunds_spread_money_and_credits_pro_rata(student, make_course, finance):
    courses = [make_course(price=price, credit=200) for price in ("100.00", "200.00", "300.00")]
    placed = student.order([c.id for c in courses], credit=500)  # 500 credits = 50.00 off: pays 550.00
    order = pay(student, placed["order_number"])
    assert order.real_price == Decimal("550.00") and order.credit == 500

    # Line 2: 550 × 200/600 = 183.333… → 183.33 (down to the cent); credits 500 × 200/600 → 166.
    assert any("退款成功" in m for m in _submit(finance, order.id, [courses[1].id], _form(finance, order.id)))
    first = Refund.objects.get(order=order)
    assert (first.amount, first.credit, first.course_ids) == (Decimal("183.33"), 166, [courses[1].id])
    order.refresh_from_db()
    assert order.order_status == Order.Status.PAID  # partly refunded: still paid
    owned = set(UserCourse.objects.filter(user=student.user).values_list("course_id", flat=True))
    assert owned == {courses[0].id, courses[2].id}
    assert Credit.objects.filter(user=student.user, operation=Credit.Operation.RETURN).get().number == 166
    _clean_audit()

    # The same course again (a new form) is refused; nothing reaches the gateway.
    messages = _submit(finance, order.id, [courses[1].id], _form(finance, order.id))
    assert any("已退款" in m for m in messages) and Refund.objects.count() == 1

    # The rest: line 1 gets 91.66 / 83, the last line the remainder 275.01 / 251; together exactly 550.00 / 500.
    _submit(finance, order.id, [courses[0].id, courses[2].id], _form(finance, order.id))
    second = Refund.objects.exclude(pk=first.pk).get()
    assert (second.amount, second.credit, second.status) == (Decimal("366.67"), 334, Refund.Status.SUCCEEDED)
    order.refresh_from_db()
    assert order.order_status == Order.Status.REFUNDED
    student.user.refresh_from_db()
    assert student.user.credit == 500 and not UserCourse.objects.filter(user=student.user).exists()
    trade = sandbox_trade(student, order.order_number)
    assert sorted(r["refund_amount"] for r in trade["refunds"]) == ["183.33", "366.67"]
    _clean_audit()

    timeline = student.call("GET", f"/api/orders/{order.order_number}/timeline/", 200).json()
    codes = [e["code"] for e in timeline["events"]]
    assert codes == ["created", "link_issued", "paid", "refunded", "refunded"]
    assert timeline["order_status"] == 4 and timeline["get_order_status_display"] == "已退款"
    assert [e["amount"] for e in timeline["events"] if e["code"] == "refunded"] == ["183.33", "366.67"]
    assert "退还积分 166" in timeline["events"][3]["detail"]


def test_the_same_refund_asked_twice_is_one_refund_at_the_gateway(student, make_course, finance, settings):
    course = make_course(price="100.00")
    order = pay(student, student.order([course.id])["order_number"])
    settings.ALIPAY_TIMEOUT_SECONDS = 1
    # The gateway refunds but answers too late: the shop cannot know, so the refund stays pending.
    student.sim("faults", method="alipay.trade.refund", kind="sleep", count=1, seconds=3)
    out_request_no = _form(finance, order.id)
    messages = _submit(finance, order.id, [course.id], out_request_no)
    assert any("处理中" in m for m in messages), messages
    assert Refund.objects.get().status == Refund.Status.PENDING
    assert UserCourse.objects.filter(user=student.user).exists()  # nothing taken back before it is confirmed

    # The operator submits the same form again: the same out_request_no, so Alipay answers fund_change "N"
    # and the refund query confirms the one refund.
    messages = _submit(finance, order.id, [course.id], out_request_no)
    assert any("退款成功" in m for m in messages), messages
    _submit(finance, order.id, [course.id], out_request_no)  # and a third time: still the same refund
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.SUCCEEDED and refund.attempts == 2
    trade = sandbox_trade(student, order.order_number)
    assert [r["out_request_no"] for r in trade["refunds"]] == [out_request_no]
    assert Order.objects.get(pk=order.pk).order_status == Order.Status.REFUNDED
    _clean_audit()


def test_a_refund_query_confirming_another_amount_is_not_a_success(student, make_course, finance, settings):
    """The retry's refund query says a refund exists under our out_request_no, but for another amount (the
    sandbox's `wrong_amount` fault: a validly signed answer 1.00 off). That is no confirmation of *this* refund:
    it stays pending with the reason recorded and nothing is taken back; a later query that agrees settles it."""
    from luffycityapi.apps.payments import tasks as payment_tasks

    course = make_course(price="100.00", credit=100)
    order = pay(student, student.order([course.id], credit=100)["order_number"])  # 90.00 and 100 credits
    settings.ALIPAY_TIMEOUT_SECONDS = 1
    student.sim("faults", method="alipay.trade.refund", kind="sleep", count=1, seconds=2.5)
    out_request_no = _form(finance, order.id)
    assert any("处理中" in m for m in _submit(finance, order.id, [course.id], out_request_no))
    wait_for(lambda: sandbox_trade(student, order.order_number)["refund_fee"] == "90.00", what="the late refund")

    student.sim("faults", method="alipay.trade.fastpay.refund.query", kind="wrong_amount", count=1)
    messages = _submit(finance, order.id, [course.id], out_request_no)  # fund_change "N", then the query
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.PENDING, (refund.status, refund.failure)
    assert "91.00" in refund.failure and "90.00" in refund.failure  # what Alipay said, what we asked for
    assert any("处理中" in m and refund.failure in m for m in messages), messages
    assert refund.gateway_answer["refund_amount"] == "91.00" and refund.gateway_answer["out_request_no"] == \
        out_request_no
    assert Order.objects.get(pk=order.pk).order_status == Order.Status.PAID
    assert UserCourse.objects.filter(user=student.user, course=course).exists()  # nothing taken back
    assert not Credit.objects.filter(order_number=order.order_number, operation=Credit.Operation.RETURN).exists()
    _clean_audit()

    assert payment_tasks.retry_pending_refunds() == 1  # the beat job asks again; now the amounts agree
    refund.refresh_from_db()
    assert (refund.status, refund.failure, refund.gateway_answer["refund_amount"]) == \
        (Refund.Status.SUCCEEDED, "", "90.00")
    assert Order.objects.get(pk=order.pk).order_status == Order.Status.REFUNDED
    assert not UserCourse.objects.filter(user=student.user, course=course).exists()
    trade = sandbox_trade(student, order.order_number)
    assert [(r["out_request_no"], r["refund_amount"]) for r in trade["refunds"]] == [(out_request_no, "90.00")]
    _clean_audit()


def test_a_refund_the_gateway_refuses_fails_with_its_reason(student, make_course, finance):
    course = make_course(price="100.00")
    order = pay(student, student.order([course.id])["order_number"])
    student.sim("config", merchant_balance="10.00")
    messages = _submit(finance, order.id, [course.id], _form(finance, order.id))
    assert any("退款失败" in m and "SELLER_BALANCE_NOT_ENOUGH" in m for m in messages), messages
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.FAILED and "SELLER_BALANCE_NOT_ENOUGH" in refund.failure
    assert refund.gateway_answer["sub_code"] == "ACQ.SELLER_BALANCE_NOT_ENOUGH"
    assert Order.objects.get(pk=order.pk).order_status == Order.Status.PAID
    assert UserCourse.objects.filter(user=student.user, course=course).exists()
    page = finance.get(reverse("admin:orders_order_change", args=[order.id])).content.decode()
    assert "SELLER_BALANCE_NOT_ENOUGH" in page and "退款失败" in page
    assert sandbox_trade(student, order.order_number)["refunds"] == []
    _clean_audit()

    # With money in the account again, a new request for the same course goes through.
    student.sim("config", merchant_balance="1000000.00")
    assert any("退款成功" in m for m in _submit(finance, order.id, [course.id], _form(finance, order.id)))
    assert Order.objects.get(pk=order.pk).order_status == Order.Status.REFUNDED
    _clean_audit()


def test_a_late_payment_whose_refund_failed_is_refunded_from_the_quarantine(student, make_course, finance):
    course = make_course(price="120.00")
    placed = student.order([course.id])
    cashier = student.open_cashier(placed["order_number"])
    student.call("POST", f"/api/orders/{placed['order_number']}/cancel/", 200)
    # The payment adds 120.00 to the merchant's balance before the shop refunds it: start far below zero.
    student.sim("config", merchant_balance="-1000.00")
    assert student.click(cashier, "pay").status_code == 302
    wait_for(lambda: Refund.objects.filter(status=Refund.Status.FAILED).exists(), what="the failed late refund")
    issue = PaymentIssue.objects.get()
    assert issue.kind == PaymentIssue.Kind.LATE_PAYMENT and issue.status == PaymentIssue.Status.OPEN
    assert "SELLER_BALANCE_NOT_ENOUGH" in issue.note

    student.sim("config", merchant_balance="1000000.00")
    url = reverse("admin:payments_paymentissue_changelist")
    form = finance.post(url, {"action": "refund_issues", "_selected_action": [issue.id]})
    assert form.status_code == 200 and "id_note" in form.content.decode()  # asks for a note first
    done = finance.post(url, {"action": "refund_issues", "_selected_action": [issue.id], "apply": "1",
                              "note": "退款失败后重试"}, follow=True)
    assert any("退款成功" in str(m) for m in done.context["messages"])
    issue.refresh_from_db()
    assert issue.status == PaymentIssue.Status.REFUNDED and issue.resolved_by_id == finance.user.id
    assert issue.resolved_time and issue.note.startswith("退款失败后重试")
    assert issue.refund.out_request_no == f"Q{issue.id}-1" and issue.refund.reason == Refund.Reason.QUARANTINE
    trade = sandbox_trade(student, placed["order_number"])
    assert [r["refund_amount"] for r in trade["refunds"]] == ["120.00"]
    assert Order.objects.get(pk=placed["id"]).order_status == Order.Status.CANCELLED
    _clean_audit()
    # Settled: the actions refuse it now.
    again = finance.post(url, {"action": "dismiss_issues", "_selected_action": [issue.id], "apply": "1",
                               "note": "x"}, follow=True)
    assert any("不能再处理" in str(m) for m in again.context["messages"])


def test_a_late_payment_can_be_granted_instead_spending_the_credits_again(student, make_course, finance):
    course = make_course(price="120.00", credit=200)
    placed = student.order([course.id], credit=200)  # 20.00 off: pays 100.00
    cashier = student.open_cashier(placed["order_number"])
    student.call("POST", f"/api/orders/{placed['order_number']}/cancel/", 200)  # credits go back: 500
    student.sim("config", merchant_balance="-1000.00")  # the automatic refund fails
    assert student.click(cashier, "pay").status_code == 302
    wait_for(lambda: Refund.objects.filter(status=Refund.Status.FAILED).exists(), what="the failed late refund")
    issue = PaymentIssue.objects.get()
    finance.post(reverse("admin:payments_paymentissue_changelist"),
                 {"action": "grant_issues", "_selected_action": [issue.id], "apply": "1", "note": "学员要课程"})
    issue.refresh_from_db()
    assert issue.status == PaymentIssue.Status.GRANTED and issue.resolved_by_id == finance.user.id
    order = Order.objects.get(pk=placed["id"])
    assert order.order_status == Order.Status.PAID and order.trade_no == issue.provider_trade_no
    assert UserCourse.objects.filter(user=student.user, course=course).exists()
    student.user.refresh_from_db()
    assert student.user.credit == 300  # spent again at the grant
    _clean_audit()
