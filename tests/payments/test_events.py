"""payments.events: an event's outcome is written onto its own row, and a row that is not there is an error, as
`save(update_fields=…)` made it (safe_finish logs it and goes on)."""
import logging

import pytest

from luffycityapi.apps.payments import events
from luffycityapi.apps.payments.models import PaymentEvent

pytestmark = pytest.mark.django_db

Kind, Direction = PaymentEvent.Kind, PaymentEvent.Direction


def test_finish_writes_the_outcome_and_what_came_with_it_onto_that_event_only():
    first = events.record(Kind.NOTIFY, Direction.INBOUND, order_number="E-1", params={"a": "1"})
    other = events.record(Kind.NOTIFY, Direction.INBOUND, order_number="E-2", params={"a": "2"})
    events.finish(first, "fulfilled", response={"code": "10000", "nested": [1, "二"]}, verified=True, verdict="ok")
    events.finish(other, "x" * 300)

    first.refresh_from_db()
    other.refresh_from_db()
    assert (first.outcome, first.response, first.verified, first.verdict) == (
        "fulfilled", {"code": "10000", "nested": [1, "二"]}, True, "ok")
    assert (other.outcome, other.response, other.verified, other.verdict) == ("x" * 255, None, None, "")
    events.finish(first, "fulfilled")  # the same outcome again: the row is found, nothing to fail
    assert PaymentEvent.objects.get(pk=first.pk).response == {"code": "10000", "nested": [1, "二"]}


def test_finishing_an_event_whose_row_is_gone_fails_and_safe_finish_says_so(caplog):
    event = events.record(Kind.NOTIFY, Direction.INBOUND, order_number="E-3")
    PaymentEvent.objects.filter(pk=event.pk).delete()  # as a rolled-back insert leaves it
    with pytest.raises(events.DatabaseError):
        events.finish(event, "fulfilled")
    with caplog.at_level(logging.WARNING, logger="luffycityapi.payments"):
        events.safe_finish(event, "fulfilled")
    assert f"could not record the outcome of payment event {event.pk}" in caplog.text
