"""core.prepared: a queryset compiled once, run again with other values, answers what the ORM itself answers."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from luffycityapi.apps.orders.models import Order
from luffycityapi.core.prepared import Prepared

pytestmark = pytest.mark.django_db

FIELDS = [f.attname for f in Order._meta.concrete_fields]


def _order(user, number, price):
    return Order.objects.create(user=user, order_number=number, total_price=Decimal(price),
                                real_price=Decimal(price), expire_time=timezone.now() + timedelta(minutes=15),
                                name=f"订单 {number}")


def test_instances_are_the_orms_own_for_each_call_s_values(make_user):
    alice, bob = make_user(), make_user()
    first, second = _order(alice, "P-1", "10.50"), _order(bob, "P-2", "1579.00")
    by_owner = Prepared(lambda user_id, number: Order.objects.filter(user_id=user_id, order_number=number)
                        .order_by()[:1])

    with CaptureQueriesContext(connection) as queries:
        got_first = by_owner.instances(alice.id, "P-1")
        got_second = by_owner.instances(bob.id, "P-2")  # reused: the second call's values, not the first's
    assert len(queries) == 2
    for got, expected in ((got_first, first), (got_second, second)):
        assert len(got) == 1 and type(got[0]) is Order
        fresh = Order.objects.get(pk=expected.pk)
        assert [getattr(got[0], f) for f in FIELDS] == [getattr(fresh, f) for f in FIELDS]
    assert type(got_second[0].real_price) is Decimal and got_second[0].expire_time.tzinfo is not None
    assert not got_second[0]._state.adding, "loaded from the database, as the ORM marks it (save() updates)"
    assert by_owner.instances(alice.id, "P-2") == [], "another's order is not found"
    assert by_owner.instances(alice.id, "P-1\0prepared-2") == [], "a value shaped like a marker is only a value"


def test_rows_take_a_list_compiled_once_per_length(make_user):
    user = make_user()
    orders = [_order(user, f"R-{i}", f"{i}.25") for i in range(1, 5)]
    prices = Prepared(lambda ids: Order.objects.filter(pk__in=ids).order_by("id").values_list("id", "real_price"))
    first, second, third, fourth = (o.id for o in orders)
    assert prices.rows([first, second]) == [(first, Decimal("1.25")), (second, Decimal("2.25"))]
    assert prices.rows([third, fourth]) == [(third, Decimal("3.25")), (fourth, Decimal("4.25"))]
    assert prices.rows([o.id for o in orders]) == list(
        Order.objects.filter(pk__in=[o.id for o in orders]).order_by("id").values_list("id", "real_price"))
    assert len(prices._compiled) == 2, "one statement per length of the list"


def test_a_query_must_take_each_argument_once_as_a_parameter(user):
    twice = Prepared(lambda n: Order.objects.filter(user_id=n, id=n))
    with pytest.raises(ValueError):
        twice.rows(user.id)
    with pytest.raises(TypeError):
        Prepared(lambda n: Order.objects.filter(user_id=n).select_related("user")).instances(user.id)
    with pytest.raises(TypeError):
        Prepared(lambda d: Order.objects.filter(real_price=d)).rows(Decimal("1.00"))
