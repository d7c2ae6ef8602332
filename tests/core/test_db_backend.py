"""core.dbbackends.mysql: an atomic block is one real transaction begun by BEGIN, with no SET autocommit around it,
and the session is back in autocommit after its COMMIT or ROLLBACK."""
from decimal import Decimal

import pytest
from django.db import connection, transaction

from luffycityapi.apps.courses.models import Course

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.mariadb]


def _counters() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW SESSION STATUS WHERE Variable_name IN "
                       "('Com_begin', 'Com_commit', 'Com_rollback', 'Com_set_option')")
        return {name: int(value) for name, value in cursor.fetchall()}


def _server_autocommit() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@autocommit")
        return cursor.fetchone()[0]


@pytest.fixture
def other():
    """A second session on the same database: it sees only what is committed."""
    import MySQLdb  # only on MariaDB: the embedded stack installs no MySQL client

    session = MySQLdb.connect(**connection.get_connection_params())
    yield session
    session.close()


def _names_seen_by(other) -> set:
    cursor = other.cursor()
    other.commit()  # a fresh read view
    cursor.execute(f"SELECT name FROM {Course._meta.db_table}")
    return {row[0] for row in cursor.fetchall()}


def test_an_atomic_block_is_begin_and_commit_with_no_set_autocommit_around_it(other):
    connection.ensure_connection()
    before = _counters()
    with transaction.atomic():
        Course.objects.create(name="事务内", price=Decimal("10.00"))
    after = _counters()
    assert {name: after[name] - before[name] for name in before} == {
        "Com_begin": 1, "Com_commit": 1, "Com_rollback": 0, "Com_set_option": 0}
    assert _server_autocommit() == 1 and connection.get_autocommit()
    assert "事务内" in _names_seen_by(other)


def test_statements_inside_the_block_are_one_transaction_holding_its_locks_until_commit(other):
    course = Course.objects.create(name="上锁", price=Decimal("10.00"))
    with transaction.atomic():
        Course.objects.select_for_update().get(pk=course.pk)
        Course.objects.create(name="未提交", price=Decimal("1.00"))
        assert "未提交" not in _names_seen_by(other)
        with pytest.raises(other.OperationalError):  # the row lock is held: the block is not autocommitted
            other.cursor().execute(f"SELECT id FROM {Course._meta.db_table} WHERE id = %s FOR UPDATE NOWAIT",
                                   [course.pk])
    assert "未提交" in _names_seen_by(other)


def test_a_failed_block_rolls_back_whole_and_the_session_autocommits_again(other):
    connection.ensure_connection()
    before = _counters()
    with pytest.raises(RuntimeError), transaction.atomic():
        Course.objects.create(name="回滚", price=Decimal("10.00"))
        with transaction.atomic():  # a savepoint inside the BEGIN'd transaction
            Course.objects.create(name="保存点", price=Decimal("1.00"))
        raise RuntimeError("abort")
    after = _counters()
    assert after["Com_rollback"] - before["Com_rollback"] == 1 and after["Com_set_option"] == before["Com_set_option"]
    assert not Course.objects.filter(name__in=["回滚", "保存点"]).exists()
    assert _server_autocommit() == 1 and connection.get_autocommit()
    Course.objects.create(name="之后", price=Decimal("1.00"))  # outside any block: committed by itself
    assert "之后" in _names_seen_by(other)


def test_an_inner_savepoint_rolls_back_alone():
    with transaction.atomic():
        Course.objects.create(name="外层", price=Decimal("10.00"))
        with pytest.raises(RuntimeError), transaction.atomic():
            Course.objects.create(name="内层", price=Decimal("1.00"))
            raise RuntimeError("inner")
    assert set(Course.objects.filter(name__in=["外层", "内层"]).values_list("name", flat=True)) == {"外层"}


def test_set_autocommit_false_still_turns_autocommit_off():
    transaction.set_autocommit(False)
    try:
        assert _server_autocommit() == 0
        transaction.rollback()
    finally:
        transaction.set_autocommit(True)
    assert _server_autocommit() == 1
