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
