"""Operations tests: the live shop with its sandbox gateway (the payments fixtures), staff users in the groups the
data migration creates, and a helper that pays an order on the sandbox cashier."""
import importlib

import pytest
import requests
from django.contrib.auth.models import Group
from django.test import Client
from payments.conftest import TIMEOUT, coupon_log, shop_env, student, wait_for  # noqa: F401  (fixtures)

from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.models import PaymentEvent


def pay(shop, order_number: str) -> Order:
    """Pay an order on the sandbox cashier and wait for the notify to fulfil it."""
    cashier = shop.open_cashier(order_number)
    assert shop.click(cashier, "pay").status_code == 302
    wait_for(lambda: PaymentEvent.objects.filter(kind="notify", order_number=order_number,
                                                 outcome="fulfilled").exists(), what="the notify")
    return Order.objects.get(order_number=order_number)


def sandbox_trade(shop, order_number: str) -> dict:
    response = requests.get(f"{shop.base}/sandbox/alipay/__sim__/trades/{order_number}", timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


@pytest.fixture
def staff_groups(db):
    """The groups of the data migration, made again by its own function: transactional tests flush every table
    (groups included) after each test."""
    from django.apps import apps

    importlib.import_module("luffycityapi.apps.payments.migrations.0003_staff_groups").create_groups(apps)


@pytest.fixture
def staff(make_user, staff_groups):
    """A staff member in a group ("support", "finance") or a superuser (group None); returns a logged-in client."""
    def make(group=None):
        user = make_user(is_staff=True, is_superuser=group is None)
        if group:
            user.groups.add(Group.objects.get(name=group))
        client = Client()
        client.force_login(user)
        client.user = user
        return client

    return make


@pytest.fixture
def finance(staff):
    return staff("finance")


@pytest.fixture
def support(staff):
    return staff("support")
