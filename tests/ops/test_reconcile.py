"""Reconciliation over real HTTP: a notify the sandbox never sends is found by one run well before the order's
deadline, and the daily pass reports what Alipay and the shop disagree on."""
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from luffycityapi.apps.orders import services as order_services
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments import tasks
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.payments.models import PaymentEvent, PaymentIssue, ReconciliationMismatch, Refund
from luffycityapi.apps.users.models import UserCourse

from .conftest import pay

Mismatch = ReconciliationMismatch


def _age_link(order_number, seconds=180):
    PaymentEvent.objects.filter(order_number=order_number, kind="link").update(
        created_time=timezone.now() - timedelta(seconds=seconds))


def test_a_dropped_notify_is_repaired_by_one_reconciliation_run(student, make_course):
    course = make_course(price="88.00")
    placed = student.order([course.id])
    cashier = student.open_cashier(placed["order_number"])
    student.sim("config", notify_order="never")
    assert student.click(cashier, "pay").status_code == 302  # paid at Alipay; no notify, no return
    assert tasks.reconcile_unpaid() == 0  # the link is fresh: the buyer may still be paying, nobody is asked
    assert Order.objects.get(pk=placed["id"]).order_status == Order.Status.UNPAID

    _age_link(placed["order_number"])
    call_command("reconcile", "--unpaid-only", stdout=open("/dev/null", "w"))
    order = Order.objects.get(pk=placed["id"])
    assert order.order_status == Order.Status.PAID and order.expire_time > timezone.now()  # long before expiry
    assert UserCourse.objects.filter(user=student.user, course=course).exists()
    row = Mismatch.objects.get()
    assert (row.kind, row.resolution, row.our_status, str(row.provider_amount)) == (
        Mismatch.Kind.PAID_THERE_NOT_HERE, Mismatch.Resolution.REPAIRED, Order.Status.UNPAID, "88.00")
    assert row.provider_trade_no == order.trade_no and row.day == timezone.localdate()
    # A second run finds nothing more to do, and the daily pass agrees with Alipay.
    assert tasks.reconcile_unpaid() == 0 and tasks.reconcile_recent() == 0
    assert Mismatch.objects.count() == 1
    assert {k: v for k, v in run_audit().items() if v} == {}


def test_the_daily_pass_reports_a_payment_alipay_does_not_know(student, make_course):
    good = pay(student, student.order([make_course(price="10.00").id])["order_number"])
    placed = student.order([make_course(price="20.00").id])
    student.open_cashier(placed["order_number"])  # a link, but never paid
    order_services.order_mark_paid(order_id=placed["id"], trade_no="2026000000000000000000000000")  # drift
    call_command("reconcile", "--recent-only", stdout=open("/dev/null", "w"))
    row = Mismatch.objects.get()
    assert row.order_number == placed["order_number"] and row.kind == Mismatch.Kind.HERE_NOT_THERE
    assert row.resolution == Mismatch.Resolution.OPEN and row.provider_status == "NOT_EXIST"
    assert not Mismatch.objects.filter(order_number=good.order_number).exists()
    call_command("reconcile", stdout=open("/dev/null", "w"))  # again the same day: the same row, updated
    assert Mismatch.objects.count() == 1


def test_a_closed_order_paid_at_alipay_is_found_and_refunded(student, make_course):
    placed = student.order([make_course(price="30.00").id])
    cashier = student.open_cashier(placed["order_number"])
    student.call("POST", f"/api/orders/{placed['order_number']}/cancel/", 200)  # the cashier is still open
    student.sim("config", notify_order="never")
    assert student.click(cashier, "pay").status_code == 302  # the late payment's notify is lost
    assert not PaymentIssue.objects.exists()
    call_command("reconcile", stdout=open("/dev/null", "w"))
    issue = PaymentIssue.objects.get()
    assert issue.kind == PaymentIssue.Kind.LATE_PAYMENT and issue.status == PaymentIssue.Status.REFUNDED
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    row = Mismatch.objects.get()
    assert (row.kind, row.resolution) == (Mismatch.Kind.PAID_THERE_NOT_HERE, Mismatch.Resolution.REFUNDING)
    assert Order.objects.get(pk=placed["id"]).order_status == Order.Status.CANCELLED
    assert {k: v for k, v in run_audit().items() if v} == {}
