"""The pro-rata rule (payments/refunds.py, README "Operations"): shares rounded down to the cent / credit, the
remainder on the last line, so they add up exactly and none is negative."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from luffycityapi.apps.orders.models import Order, OrderDetail
from luffycityapi.apps.payments.refunds import line_shares


@pytest.fixture
def order_of(make_user, make_course):
    def make(prices, real_price, credit=0):
        order = Order.objects.create(user=make_user(), order_number=f"T{timezone.now():%H%M%S%f}",
                                     total_price=sum(Decimal(p) for p in prices), real_price=Decimal(real_price),
                                     credit=credit, expire_time=timezone.now() + timedelta(minutes=15))
        for price in prices:
            course = make_course(price=price)
            OrderDetail.objects.create(order=order, course=course, name=course.name, price=course.price,
                                       real_price=course.price)
        return order

    return make


@pytest.mark.parametrize("prices, real_price, credit, money, credits", [
    (["100.00", "200.00", "300.00"], "550.00", 500, ["91.66", "183.33", "275.01"], [83, 166, 251]),
    (["0.01", "0.01", "0.00"], "0.01", 0, ["0.00", "0.00", "0.01"], [0, 0, 0]),   # a free last line: never < 0
    (["0.00", "0.00"], "0.00", 0, ["0.00", "0.00"], [0, 0]),                      # nothing paid at all
    (["99.99"], "79.99", 0, ["79.99"], [0]),                                      # one line takes everything
    (["33.33", "33.33", "33.34"], "80.00", 0, ["26.66", "26.66", "26.68"], [0, 0, 0]),
])
def test_shares_add_up_and_are_never_negative(order_of, prices, real_price, credit, money, credits):
    shares = line_shares(order_of(prices, real_price, credit))
    assert [str(s.money) for s in shares] == money and [s.credit for s in shares] == credits
    assert sum(s.money for s in shares) == Decimal(real_price) and sum(s.credit for s in shares) == credit
