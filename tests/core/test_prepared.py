"""core.prepared: a queryset compiled once, run again with other values, answers what the ORM itself answers."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
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
        Prepared(lambda d: Order.objects.filter(real_price=d)).rows(Decimal("1.00"))
    values = Prepared(lambda n: Order.objects.filter(user_id=n).values("id"))
    with CaptureQueriesContext(connection) as queries, pytest.raises(TypeError):
        values.instances(user.id)
    assert not queries, "a queryset instances() cannot make objects of is refused before its statement runs"


def test_select_related_instances_carry_their_related_object_as_the_orm_makes_it(make_user):
    alice, bob = make_user(credit=30), make_user()
    first, second = _order(alice, "S-1", "8.00"), _order(bob, "S-2", "9.00")
    with_user = Prepared(lambda order_id: Order.objects.select_related("user").filter(pk=order_id).order_by())
    for order, owner in ((first, alice), (second, bob)):
        [got] = with_user.instances(order.id)
        expected = Order.objects.select_related("user").get(pk=order.id)
        assert [getattr(got, f) for f in FIELDS] == [getattr(expected, f) for f in FIELDS]
        with CaptureQueriesContext(connection) as queries:
            related = got.user
        assert not queries, "the user came with the order's row"
        assert type(related) is type(owner) and related.pk == owner.pk and related.credit == expected.user.credit
        assert not related._state.adding and related.mobile == owner.mobile
    assert with_user.instances(second.id + 1000) == []
    assert with_user.get(first.id).user.pk == alice.pk, "get(): the one instance"
    with pytest.raises(Order.DoesNotExist):
        with_user.get(second.id + 1000)
    by_owner = Prepared(lambda user_id: Order.objects.filter(user_id=user_id).order_by())
    _order(alice, "S-3", "1.00")
    with pytest.raises(Order.MultipleObjectsReturned):
        by_owner.get(alice.id)


@pytest.mark.django_db(transaction=True)  # autocommit outside the block, as in a request
def test_select_for_update_is_locked_and_needs_a_transaction_as_in_the_orm(make_user):
    order = _order(make_user(), "L-1", "5.00")
    lock = Prepared(lambda order_id: Order.objects.select_for_update().select_related("user").filter(pk=order_id))
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert [o.pk for o in lock.instances(order.id)] == [order.pk]
        assert [o.pk for o in lock.instances(order.id)] == [order.pk], "the compiled statement, run again"
    if connection.features.has_select_for_update:
        assert all("FOR UPDATE" in q["sql"] for q in queries if q["sql"].startswith("SELECT"))
        with pytest.raises(TransactionManagementError):
            list(Order.objects.select_for_update().filter(pk=order.id))
        with pytest.raises(TransactionManagementError):
            lock.instances(order.id)  # refused in autocommit as the ORM refuses, though compiled long before


def test_update_writes_what_queryset_update_writes_with_each_call_s_values(make_user):
    alice, bob = make_user(), make_user()
    first, second = _order(alice, "U-1", "3.00"), _order(bob, "U-2", "4.00")
    row = Prepared(lambda order_id: Order.objects.filter(pk=order_id))
    paid_at = timezone.now() - timedelta(minutes=3)
    values = {"order_status": Order.Status.PAID, "pay_time": paid_at, "trade_no": "2026T1",
              "real_price": Decimal("2.50")}
    with CaptureQueriesContext(connection) as prepared_sql:
        assert row.update(first.id, **values) == 1
    with CaptureQueriesContext(connection) as orm_sql:
        Order.objects.filter(pk=first.id).update(**values)
    assert prepared_sql[0]["sql"] == orm_sql[0]["sql"], "the ORM's own statement, with the same values"

    assert row.update(second.id, **{**values, "trade_no": "2026T2", "pay_time": paid_at + timedelta(seconds=1)}) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.order_status, first.pay_time, first.trade_no, first.real_price) == (
        Order.Status.PAID, paid_at, "2026T1", Decimal("2.50"))
    assert (second.trade_no, second.pay_time) == ("2026T2", paid_at + timedelta(seconds=1)), "this call's values"
    assert row.update(second.id + 1000, **values) == 0, "no such row: nothing changed"
    assert row.update(first.id, trade_no="") == 1 and Order.objects.get(pk=first.id).trade_no == ""
    assert len(row._compiled) == 2, "one statement per set of fields"
    assert row.update(first.id, user_id=bob.id) == 1, "a foreign key by its column's name, as update() takes it"
    assert Order.objects.get(pk=first.id).user_id == bob.id


def test_update_takes_each_argument_once_and_a_plain_value_per_field(user):
    with pytest.raises(ValueError):
        Prepared(lambda n: Order.objects.filter(user_id=n, id=n)).update(user.id, trade_no="x")
    with pytest.raises(TypeError, match="update takes ints and strs, not list"):
        Prepared(lambda ids: Order.objects.filter(pk__in=ids)).update([1, 2], trade_no="x")
    with pytest.raises(TypeError):
        Prepared(lambda n: Order.objects.filter(pk=n)).update(user.id)


def test_statement_is_the_orms_own_sql_with_each_call_s_values():
    lines = Prepared(lambda user_id, ids: Order.objects.filter(user_id=user_id, id__in=ids)
                     .values_list("id").order_by())
    first = lines.statement(7, [3, 4])
    second = lines.statement(9, [5, 6])  # reused: the second call's values, not the first's
    for statement, (user_id, ids) in ((first, (7, [3, 4])), (second, (9, [5, 6]))):
        sql, params = Order.objects.filter(user_id=user_id, id__in=ids).values_list("id") \
            .order_by().query.sql_with_params()
        assert (statement.sql, list(statement.params)) == (sql, list(params))


def test_prepared_insert_writes_the_row_save_writes_and_sets_its_key(make_user):
    from luffycityapi.apps.payments.models import PaymentEvent
    from luffycityapi.core.prepared import PreparedInsert

    insert = PreparedInsert(PaymentEvent)
    columns = [f.attname for f in PaymentEvent._meta.concrete_fields if f.attname not in ("id", "created_time")]
    for n, values in enumerate(({"kind": "notify", "direction": "in", "provider": "alipay", "order_number": "P-1",
                                 "params": {"金额": "10.00", "list": [1, 2]}, "verified": True, "verdict": "ok"},
                                {"kind": "query", "direction": "out", "order_number": "P-2", "params": {},
                                 "verified": None, "outcome": "paid", "response": {"code": "10000"}})):
        with CaptureQueriesContext(connection) as queries:
            written = insert.save(PaymentEvent(**values))  # the second reuses the first's statement
        by_save = PaymentEvent(**values)
        by_save.save()
        assert len(queries) == 1 and written.pk and not written._state.adding, n
        mine, theirs = PaymentEvent.objects.get(pk=written.pk), PaymentEvent.objects.get(pk=by_save.pk)
        assert [getattr(mine, c) for c in columns] == [getattr(theirs, c) for c in columns], n
        assert mine.created_time == written.created_time and abs(mine.created_time - theirs.created_time) < \
            timedelta(seconds=5), "auto_now_add is set by pre_save(), as save() sets it"
    with pytest.raises(TypeError, match="new PaymentEvent"):
        insert.save(written)


def test_prepared_insert_save_all_writes_the_rows_bulk_create_writes_in_one_statement(make_user, make_course):
    from luffycityapi.apps.orders.models import OrderDetail
    from luffycityapi.core.prepared import MAX_LIST, PreparedInsert

    insert = PreparedInsert(OrderDetail)
    mine, theirs = _order(make_user(), "P-1", "300.00"), _order(make_user(), "P-2", "300.00")
    courses = [make_course(price=Decimal("100.00")) for _ in range(3)]
    columns = ["course_id", "name", "price", "real_price", "discount_name"]

    def lines(order, picked):
        return [OrderDetail(order=order, course_id=c.id, name=f"课程 {c.id}", price=c.price,
                            real_price=c.price - Decimal("0.01") * (n % 3), discount_name="限时" * (n % 3))
                for n, c in enumerate(picked)]

    saved = []
    for picked in (courses[:2], courses[2:], courses[:0]):  # two rows, then one, then none: each its own shape
        written = lines(mine, picked)
        saved += written
        with CaptureQueriesContext(connection) as queries:
            insert.save_all(written)
        OrderDetail.objects.bulk_create(lines(theirs, picked))
        assert len(queries) == (1 if picked else 0)
        assert not any(line._state.adding for line in written)
    assert [tuple(getattr(line, c) for c in columns) for line in OrderDetail.objects.filter(order=mine)
            .order_by("course_id")] == \
        [tuple(getattr(line, c) for c in columns) for line in OrderDetail.objects.filter(order=theirs)
         .order_by("course_id")]
    assert OrderDetail.objects.filter(order=mine).count() == 3

    many = [make_course() for _ in range(MAX_LIST + 1 - 3)] + courses  # past MAX_LIST: bulk_create's batches
    other = _order(make_user(), "P-3", "1.00")
    insert.save_all(lines(other, many))
    assert OrderDetail.objects.filter(order=other).count() == MAX_LIST + 1
    with pytest.raises(TypeError, match="new OrderDetail"):  # refused whole: the new line is not written either
        insert.save_all(lines(fourth := _order(make_user(), "P-4", "1.00"), courses[:1]) + saved[:1])
    assert not OrderDetail.objects.filter(order=fourth).exists()
