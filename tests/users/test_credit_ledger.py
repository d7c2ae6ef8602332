"""The credit ledger: a user's credit always equals the sum of their entries, never goes negative, and
/api/users/credits/ shows only my entries, newest first."""
import pytest
from api_asserts import assert_error
from django.db.models import Sum

from luffycityapi.apps.users.models import Credit, User
from luffycityapi.apps.users.services import credit_change
from luffycityapi.core.errors import ShopError

pytestmark = pytest.mark.django_db

URL = "/api/users/credits/"


def ledger_sum(user) -> int:
    return Credit.objects.filter(user=user).aggregate(total=Sum("number"))["total"] or 0


def balance(user) -> int:
    return User.objects.get(pk=user.pk).credit


def test_balance_equals_the_sum_of_the_ledger_after_every_change(user):
    for number, operation in [(500, Credit.Operation.GIFT), (-120, Credit.Operation.SPEND),
                              (120, Credit.Operation.RETURN), (-500, Credit.Operation.SPEND),
                              (7, Credit.Operation.EARN)]:
        credit_change(user_id=user.id, number=number, operation=operation, remark="step")
        assert balance(user) == ledger_sum(user)

    assert balance(user) == 7
    assert Credit.objects.filter(user=user).count() == 5


def test_spending_more_than_the_balance_is_refused_and_changes_nothing(make_user):
    user = make_user(credit=100)

    with pytest.raises(ShopError) as refused:
        credit_change(user_id=user.id, number=-101, operation=Credit.Operation.SPEND)

    assert refused.value.code == "credit_insufficient"
    assert balance(user) == 100 == ledger_sum(user)
    assert Credit.objects.filter(user=user).count() == 1


def test_spending_exactly_the_balance_leaves_zero(make_user):
    user = make_user(credit=100)

    credit_change(user_id=user.id, number=-100, operation=Credit.Operation.SPEND, order_number="LY1")

    assert balance(user) == 0 == ledger_sum(user)


def test_a_zero_entry_is_a_programming_error(user):
    with pytest.raises(ValueError):
        credit_change(user_id=user.id, number=0, operation=Credit.Operation.GIFT)
    assert not Credit.objects.filter(user=user).exists()


def test_me_reports_the_ledger_balance(make_user, client_for):
    user = make_user(credit=300)
    credit_change(user_id=user.id, number=-45, operation=Credit.Operation.SPEND)

    assert client_for(user).get("/api/users/me/").json()["credit"] == 255 == ledger_sum(user)


def test_ledger_endpoint_lists_my_entries_newest_first(make_user, client_for):
    user = make_user()
    numbers = [10, -3, 25, -7]
    for number in numbers:
        credit_change(user_id=user.id, number=number, operation=Credit.Operation.GIFT if number > 0
                      else Credit.Operation.SPEND, remark=f"entry {number}")

    response = client_for(user).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [row["number"] for row in body["results"]] == list(reversed(numbers))
    assert body["results"][0]["remark"] == "entry -7"
    assert body["results"][0]["operation"] == Credit.Operation.SPEND
    assert body["results"][0]["operation_display"] == "购物消费"


def test_ledger_endpoint_never_shows_another_users_entries(make_user, client_for):
    mine, theirs = make_user(credit=10), make_user(credit=999)

    body = client_for(mine).get(URL).json()

    assert body["count"] == 1
    assert [row["number"] for row in body["results"]] == [10]
    theirs_ids = set(Credit.objects.filter(user=theirs).values_list("id", flat=True))
    assert not theirs_ids & {row["id"] for row in body["results"]}


def test_ledger_endpoint_needs_a_token(api_client):
    assert_error(api_client.get(URL), 401, "not_authenticated")


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_concurrent_spends_cannot_overdraw_the_balance(make_user):
    # Two checkouts spend 60 of 100 credits at once: the row lock lets exactly one through.
    import threading

    from django.db import connection

    user = make_user(credit=100)
    barrier = threading.Barrier(2)
    outcomes = []

    def spend():
        try:
            barrier.wait(timeout=5)
            credit_change(user_id=user.id, number=-60, operation=Credit.Operation.SPEND)
            outcomes.append("ok")
        except ShopError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=spend) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["credit_insufficient", "ok"]
    assert balance(user) == 40 == ledger_sum(user)
