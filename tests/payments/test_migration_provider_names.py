"""Migration 0004 renames the Alipay-named columns of the payment records and adds `provider`: every row written
before it keeps its values under the new names and is marked as Alipay's."""
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from luffycityapi.apps.payments.models import PaymentEvent, PaymentIssue, ReconciliationMismatch

BEFORE = ("payments", "0003_staff_groups")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_every_payment_record_keeps_its_values_under_the_neutral_names(make_user):
    user = make_user()
    old = migrate([BEFORE])
    try:
        order = old.get_model("orders", "Order").objects.create(
            user_id=user.id, order_number="2026MIGRATE0001", name="课程", total_price=Decimal("9.90"),
            real_price=Decimal("9.90"), expire_time=timezone.now(), trade_no="2026TRADE-0001")
        old.get_model("payments", "PaymentEvent").objects.create(
            kind="notify", direction="in", order_number=order.order_number, trade_no="2026TRADE-0001",
            params={"total_amount": "9.90"}, outcome="fulfilled")
        old.get_model("payments", "PaymentIssue").objects.create(
            order_id=order.id, kind="late_payment", trade_no="2026TRADE-0002", amount=Decimal("9.90"))
        old.get_model("payments", "ReconciliationMismatch").objects.create(
            day=timezone.localdate(), kind="amount_differs", order_id=order.id, order_number=order.order_number,
            our_status=1, our_amount=Decimal("9.90"), alipay_status="TRADE_SUCCESS", alipay_amount=Decimal("9.00"),
            trade_no="2026TRADE-0001")
    finally:
        migrate(latest())  # forward through 0004 (and whatever follows it), as a deploy would

    event = PaymentEvent.objects.get()
    assert (event.provider, event.provider_trade_no, event.params, event.outcome) == (
        "alipay", "2026TRADE-0001", {"total_amount": "9.90"}, "fulfilled")
    issue = PaymentIssue.objects.get()
    assert (issue.provider, issue.provider_trade_no, issue.amount) == ("alipay", "2026TRADE-0002", Decimal("9.90"))
    row = ReconciliationMismatch.objects.get()
    assert (row.provider, row.provider_status, row.provider_amount, row.provider_trade_no) == (
        "alipay", "TRADE_SUCCESS", Decimal("9.00"), "2026TRADE-0001")
