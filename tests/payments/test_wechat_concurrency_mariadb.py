"""20 copies of one WeChat Pay notify at once, each on its own MariaDB connection, through the real verification
(RSA signature, AES-256-GCM) and the one locked fulfilment path: exactly one fulfilment, the rest duplicates."""
import threading

import pytest
from django.db import connections
from django.utils import timezone

from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments import inbound
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.payments.models import PaymentEvent
from luffycityapi.apps.payments.providers import wechat
from luffycityapi.apps.payments.providers.registry import provider_named
from luffycityapi.apps.users.models import Credit, UserCourse
from luffycityapi.apps.wechatpay_sandbox import signing

from .test_wechat import resource, wechat_order  # noqa: F401 - the fixture

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

N = 20


def test_twenty_concurrent_duplicate_notifies_fulfil_once(wechat_order):
    order = wechat_order("1389.52")
    body, headers = signing.signed_notify("EV-2026120400000042", "TRANSACTION.SUCCESS", resource(order),
                                          create_time=wechat.rfc3339(timezone.now()))
    params = {"headers": {k: v for k, v in headers.items() if k != "Content-Type"}, "body": body.decode()}
    provider = provider_named("wechat")
    gate = threading.Barrier(N)
    results = [None] * N

    def deliver(i):
        try:
            gate.wait(timeout=30)
            results[i] = inbound.payment_notify(provider, dict(params))
        except BaseException as exc:  # noqa: BLE001 - asserted below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive(), "a delivery hung (deadlock?)"
    assert results == [True] * N
    outcomes = sorted(PaymentEvent.objects.filter(kind="notify").values_list("outcome", flat=True))
    assert outcomes.count("fulfilled") == 1 and outcomes.count("duplicate") == N - 1
    order.refresh_from_db()
    assert order.order_status == Order.Status.PAID
    assert UserCourse.objects.filter(user_id=order.user_id).count() == 1
    assert Credit.objects.filter(user_id=order.user_id).count() <= 1
    assert {k: v for k, v in run_audit().items() if v} == {}
