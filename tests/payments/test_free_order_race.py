"""A 0.00 order is fulfilled by its pay link, with no gateway. A cancel that wins the race against it must leave
the link's PaymentEvent with an outcome (it stayed "pending" forever), the order cancelled and nothing granted."""
import pytest

from luffycityapi.apps.orders import services as order_services
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.models import PaymentEvent
from luffycityapi.apps.users.models import UserCourse

from .test_races import _together

pytestmark = pytest.mark.django_db


def _link(client, number):
    return client.get(f"/api/payments/alipay/{number}/")


def test_a_cancel_that_wins_against_the_free_fulfilment_still_finishes_the_event(auth_client, place_order,
                                                                                   monkeypatch):
    """Deterministic interleaving: the link has seen the order unpaid; the cancel commits before it takes the lock."""
    order = place_order(auth_client, "0.00")
    real_mark_paid = order_services.order_mark_paid

    def cancel_first(*, order_id, **kwargs):
        order_services.order_release(order_id=order_id, new_status=Order.Status.CANCELLED)
        return real_mark_paid(order_id=order_id, **kwargs)

    monkeypatch.setattr(order_services, "order_mark_paid", cancel_first)
    response = _link(auth_client, order["order_number"])

    assert response.status_code == 409 and response.json()["code"] == "order_not_payable", response.content
    event = PaymentEvent.objects.get(kind=PaymentEvent.Kind.FREE)
    assert event.outcome == "rejected: order_not_payable"
    assert Order.objects.get(pk=order["id"]).order_status == Order.Status.CANCELLED
    assert not UserCourse.objects.filter(order_number=order["order_number"]).exists()


def test_a_second_free_link_is_a_duplicate_not_a_second_fulfilment(auth_client, place_order, monkeypatch):
    """Two links that both saw the order unpaid: the second finds it paid under the lock."""
    order = place_order(auth_client, "0.00")
    real_mark_paid = order_services.order_mark_paid

    def paid_meanwhile(*, order_id, **kwargs):
        real_mark_paid(order_id=order_id, **kwargs)
        return real_mark_paid(order_id=order_id, **kwargs)

    monkeypatch.setattr(order_services, "order_mark_paid", paid_meanwhile)
    assert _link(auth_client, order["order_number"]).status_code == 200
    assert PaymentEvent.objects.get(kind=PaymentEvent.Kind.FREE).outcome == "duplicate"
    assert UserCourse.objects.filter(order_number=order["order_number"]).count() == 1


@pytest.mark.mariadb
def test_free_link_and_cancel_at_once_always_finish_their_event(student, make_course):
    """Free-running: the link and the cancel of a 0.00 order at the same instant, many times. Whoever wins, the
    order ends paid with the course granted or cancelled with nothing, and no event is left pending."""
    for _ in range(15):
        order = student.order([make_course(price="0.00").id])
        number = order["order_number"]
        _together([lambda: student.call("GET", f"/api/payments/alipay/{number}/").status_code,
                   lambda: student.call("POST", f"/api/orders/{number}/cancel/").status_code])
        final = Order.objects.get(pk=order["id"]).order_status
        granted = UserCourse.objects.filter(order_number=number).count()
        assert (final, granted) in ((Order.Status.PAID, 1), (Order.Status.CANCELLED, 0))
    assert not PaymentEvent.objects.filter(outcome="pending").exists()
    assert PaymentEvent.objects.filter(kind=PaymentEvent.Kind.FREE).count() >= 1


def test_an_unexpected_error_in_a_gateway_call_still_finishes_its_event(auth_client, place_order, monkeypatch):
    """Not only ProviderError: anything escaping a recorded gateway call ends its event with the error's name."""
    from luffycityapi.apps.payments.providers import alipay

    order = place_order(auth_client, "10.00")

    def broken(**params):
        raise RuntimeError("a bug between the SDK and us")

    monkeypatch.setattr(alipay, "query", broken)
    assert auth_client.get(f"/api/payments/alipay/query/{order['order_number']}/").status_code == 500
    assert PaymentEvent.objects.get(kind=PaymentEvent.Kind.QUERY).outcome == "error: RuntimeError"
