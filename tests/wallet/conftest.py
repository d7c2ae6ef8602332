"""Wallet test helpers: orders placed over HTTP with a chosen pay_type, wallets filled through the ledger."""
from decimal import Decimal

import pytest
from django.db.models import Sum

from luffycityapi.apps.users.models import User, WalletEntry
from luffycityapi.apps.users.services import wallet_change

from payments.conftest import notify_params, place_order, post_notify, sign_params  # noqa: F401


def ledger_sum(user_id) -> Decimal:
    return WalletEntry.objects.filter(user_id=user_id).aggregate(t=Sum("amount"))["t"] or Decimal("0.00")


def money(user_id) -> Decimal:
    return User.objects.values_list("money", flat=True).get(pk=user_id)


def assert_books(user_id, expected: str):
    """The balance is what the test expects and equals its ledger's sum."""
    assert money(user_id) == Decimal(expected) == ledger_sum(user_id)


def fill(user, amount: str):
    wallet_change(user_id=user.id, amount=Decimal(amount), operation=WalletEntry.Operation.ADJUST, reason="测试充值")


@pytest.fixture
def wallet_order(make_course, django_capture_on_commit_callbacks):
    """Put courses in the client's cart and order them with pay_type 2 (the wallet); returns the order's JSON."""
    def place(client, *prices, expect=201):
        for price in prices or ("100.00",):
            course = make_course(price=price)
            assert client.post("/api/cart/", {"course_id": course.id}, format="json").status_code == 201
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/orders/", {"pay_type": 2}, format="json")
        assert response.status_code == expect, response.content
        return response.json()

    return place
