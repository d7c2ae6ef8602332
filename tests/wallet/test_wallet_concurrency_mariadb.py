"""Wallet payments racing on MariaDB's row locks: 20 simultaneous POSTs of one order charge once; simultaneous
payments of two orders that the balance covers only one of charge exactly one, and the balance never goes below
zero. Every thread has its own connection; a Barrier releases them together."""
from decimal import Decimal

import pytest
from orders.test_concurrency_mariadb import N, client_of, in_threads, joined

from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.users.models import UserCourse, WalletEntry

from .conftest import assert_books, fill

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


def pay(user, order_number):
    def call():
        response = client_of(user).post(f"/api/payments/wallet/{order_number}/")
        return response.status_code, response.json()
    return call


def _no_exceptions(results):
    for r in results:
        assert not isinstance(r, BaseException), repr(r)


def test_20_simultaneous_payments_of_one_order_charge_once(make_user, client_for, wallet_order):
    user = make_user()
    fill(user, "500.00")
    order = wallet_order(client_for(user), "120.00")

    results = joined(*in_threads([pay(user, order["order_number"])] * N))

    _no_exceptions(results)
    assert {status for status, _ in results} == {200}  # every repeat is success, not an error
    assert all(body["order_status"] == Order.Status.PAID for _, body in results)
    assert WalletEntry.objects.filter(order_number=order["order_number"]).count() == 1
    assert_books(user.id, "380.00")
    assert UserCourse.objects.filter(user=user).count() == 1
    assert {k: v for k, v in run_audit().items() if v} == {}


def test_two_orders_the_balance_covers_only_one_of(make_user, client_for, wallet_order):
    user = make_user()
    fill(user, "200.00")
    client = client_for(user)
    first, second = wallet_order(client, "150.00"), wallet_order(client, "120.00")
    targets = [pay(user, first["order_number"]), pay(user, second["order_number"])] * (N // 2)

    results = joined(*in_threads(targets))

    _no_exceptions(results)
    paid = Order.objects.filter(order_status=Order.Status.PAID)
    assert paid.count() == 1
    winner = paid.get()
    refused = {body["code"] for status, body in results if status != 200}
    assert refused == {"wallet_insufficient"}
    assert WalletEntry.objects.filter(operation=WalletEntry.Operation.SPEND).count() == 1
    assert_books(user.id, str(Decimal("200.00") - winner.real_price))
    assert {k: v for k, v in run_audit().items() if v} == {}
