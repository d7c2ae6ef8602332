"""`manage.py audit` passes on consistent books and names each kind of violation."""
import pytest
from django.core.management import CommandError, call_command

from luffycityapi.apps.coupon.models import CouponLog
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.users.models import User, UserCourse

from .conftest import notify_params, sign_params

pytestmark = pytest.mark.django_db


def _violations():
    return {name: v for name, v in run_audit().items() if v}


def test_clean_after_a_paid_and_a_cancelled_order(make_user, client_for, place_order, post_notify):
    client = client_for(make_user(credit=500))
    paid = place_order(client, "100.00", credit=100)
    assert post_notify(sign_params(notify_params(paid["order_number"], paid["real_price"]))) == "success"
    cancelled = place_order(client, "50.00", credit=100)
    assert client.post(f"/api/orders/{cancelled['order_number']}/cancel/").status_code == 200
    assert _violations() == {}
    call_command("audit", stdout=open("/dev/null", "w"))


def test_each_broken_invariant_is_reported(make_user, client_for, place_order, post_notify, make_course):
    user = make_user(credit=500)
    client = client_for(user)
    paid = place_order(client, "100.00")
    assert post_notify(sign_params(notify_params(paid["order_number"], "100.00"))) == "success"
    User.objects.filter(pk=user.pk).update(credit=999)                       # credit off the ledger
    UserCourse.objects.filter(order_number=paid["order_number"]).delete()    # paid order without its course
    UserCourse.objects.create(user=user, course=make_course(), order_number="")  # a course from nowhere
    unpaid = place_order(client, "30.00")
    log = CouponLog.objects.create(user=user, coupon=_coupon(), use_status=CouponLog.Status.USED,
                                   order_id=unpaid["id"])                    # used by an unpaid order
    Order.objects.filter(pk=paid["id"]).update(real_price="1.00")            # the notify's amount no longer fits
    from luffycityapi.apps.users.models import Credit
    from luffycityapi.apps.users.services import credit_change

    credit_change(user_id=user.id, number=10, operation=Credit.Operation.RETURN,
                  order_number=paid["order_number"])                         # a paid order "released" too
    found = _violations()
    assert set(found) == {"credit_matches_ledger", "courses_match_paid_orders", "coupons_consistent",
                          "notifies_match_paid_orders", "no_order_both_paid_and_released"}
    assert any(str(log.id) in line for line in found["coupons_consistent"])
    with pytest.raises(CommandError):
        call_command("audit", stdout=open("/dev/null", "w"))


def _coupon():
    from datetime import timedelta

    from django.utils import timezone

    from luffycityapi.apps.coupon.models import Coupon

    now = timezone.now()
    return Coupon.objects.create(name="x", start_time=now - timedelta(days=1), end_time=now + timedelta(days=1))


def _force_credit(user_id: int, credit: int) -> None:
    """A raw UPDATE of ly_users.credit with the table's CHECK (credit >= 0, user_credit_not_negative) switched off
    for this connection only, as a bad migration, a manual fix in SQL or a database without CHECK support could
    leave it. The services never get here; the audit must still notice."""
    from django.db import connection

    on, off = {"sqlite": ("PRAGMA ignore_check_constraints = 0", "PRAGMA ignore_check_constraints = 1"),
               "mysql": ("SET SESSION check_constraint_checks = 1", "SET SESSION check_constraint_checks = 0")
               }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(off)
        try:
            cursor.execute(f"UPDATE {User._meta.db_table} SET credit = %s WHERE id = %s", [credit, user_id])
        finally:
            cursor.execute(on)


def test_the_check_constraint_refuses_a_negative_credit(make_user):
    """Why the test below needs the constraint switched off: with it on, the database refuses the UPDATE."""
    from django.db import IntegrityError, transaction

    user = make_user()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(credit=-1)


def test_a_negative_credit_is_reported_even_when_it_matches_the_ledger(make_user):
    """The ledger sums to -50 and the balance says -50: the ledger check is satisfied, so only the audit's
    "never negative" check can report it."""
    from luffycityapi.apps.users.models import Credit

    user = make_user(credit=100)
    Credit.objects.create(user=user, operation=Credit.Operation.SPEND, number=-150, remark="forged")
    _force_credit(user.id, -50)
    assert User.objects.get(pk=user.pk).credit == -50
    assert _violations() == {"credit_matches_ledger": [f"user {user.id}: negative credit -50"]}
    with pytest.raises(CommandError):
        call_command("audit", stdout=open("/dev/null", "w"))
