"""orders.selectors.unpaid_orders_holding, the plain-SQL check behind "this course is already in an unpaid order":
only the user's own unpaid orders that hold one of the courses, each once, newest first, and `overdue` exactly
when the deadline has passed (the same `expire_time <= now` the queryset used), on SQLite and MariaDB alike."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from luffycityapi.apps.orders.models import Order, OrderDetail
from luffycityapi.apps.orders.selectors import UnpaidHold, unpaid_orders_holding

pytestmark = pytest.mark.django_db


def _order(user, number, courses, *, status=Order.Status.UNPAID, expire_time, created_time):
    order = Order.objects.create(user=user, order_number=number, order_status=status, total_price=Decimal("10.00"),
                                 real_price=Decimal("10.00"), expire_time=expire_time, name=number)
    Order.objects.filter(pk=order.pk).update(created_time=created_time)
    OrderDetail.objects.bulk_create([OrderDetail(order=order, course=c, name=c.name, price=c.price,
                                                 real_price=c.price) for c in courses])
    return order


def test_only_the_users_unpaid_holding_orders_once_each_newest_first_with_their_deadline(make_user, make_course):
    student, other = make_user(), make_user()
    a, b, c = make_course(), make_course(), make_course()
    now = timezone.now().replace(microsecond=500000)
    older = _order(student, "H-older", [a, b], expire_time=now - timedelta(seconds=1),
                   created_time=now - timedelta(hours=2))
    newer = _order(student, "H-newer", [b], expire_time=now + timedelta(minutes=10),
                   created_time=now - timedelta(hours=1))
    at_deadline = _order(student, "H-at", [a], expire_time=now, created_time=now - timedelta(hours=3))
    _order(student, "H-paid", [a], status=Order.Status.PAID, expire_time=now + timedelta(minutes=10),
           created_time=now)
    _order(student, "H-other-course", [c], expire_time=now + timedelta(minutes=10), created_time=now)
    _order(other, "H-someone-else", [a, b], expire_time=now + timedelta(minutes=10), created_time=now)

    holds = unpaid_orders_holding(user_id=student.id, course_ids=[a.id, b.id], now=now)

    assert holds == [UnpaidHold(newer.id, "H-newer", overdue=False),
                     UnpaidHold(older.id, "H-older", overdue=True),  # holds both courses, listed once
                     UnpaidHold(at_deadline.id, "H-at", overdue=True)]  # expire_time == now is overdue
    assert unpaid_orders_holding(user_id=student.id, course_ids=[], now=now) == []
    assert unpaid_orders_holding(user_id=other.id, course_ids=[c.id], now=now) == []


def test_purchase_blockers_answers_owned_and_unpaid_holds_in_one_statement(make_user, make_course):
    """What quote and create ask under one round trip: the same answers as owned_course_ids and
    unpaid_orders_holding asked apart."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from luffycityapi.apps.orders.selectors import purchase_blockers
    from luffycityapi.apps.users.selectors import owned_course_ids
    from luffycityapi.apps.users.services import user_courses_grant

    student, other = make_user(), make_user()
    owned, a, b, free = make_course(), make_course(), make_course(), make_course()
    now = timezone.now().replace(microsecond=500000)
    user_courses_grant(user_id=student.id, course_ids=[owned.id], order_number="H-owned")
    user_courses_grant(user_id=other.id, course_ids=[a.id], order_number="H-theirs")
    older = _order(student, "H-older", [a, b], expire_time=now - timedelta(seconds=1),
                   created_time=now - timedelta(hours=2))
    newer = _order(student, "H-newer", [b], expire_time=now + timedelta(minutes=10),
                   created_time=now - timedelta(hours=1))
    # made last, created earliest: the holds are ordered by creation time, not by key
    oldest = _order(student, "H-oldest", [a], expire_time=now + timedelta(minutes=5),
                    created_time=now - timedelta(hours=3))
    ids = [owned.id, a.id, b.id, free.id]

    with CaptureQueriesContext(connection) as captured:
        blockers = purchase_blockers(user_id=student.id, course_ids=ids, now=now)

    assert len(captured) == 1
    assert blockers.owned == owned_course_ids(student.id, ids) == {owned.id}
    assert blockers.unpaid == unpaid_orders_holding(user_id=student.id, course_ids=ids, now=now) == [
        UnpaidHold(newer.id, "H-newer", overdue=False), UnpaidHold(older.id, "H-older", overdue=True),
        UnpaidHold(oldest.id, "H-oldest", overdue=False)]
    assert purchase_blockers(user_id=student.id, course_ids=[free.id], now=now).owned == set()
    assert purchase_blockers(user_id=other.id, course_ids=[a.id, b.id], now=now).unpaid == []
    assert purchase_blockers(user_id=student.id, course_ids=[], now=now).unpaid == []
