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
