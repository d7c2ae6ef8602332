"""The payment event log: every inbound message and every outbound gateway call is a PaymentEvent, written before
it is acted on and finished with its outcome."""
import logging

from django.db import DatabaseError

from .models import PaymentEvent
from .providers.base import PaymentProvider, ProviderError

logger = logging.getLogger("luffycityapi.payments")
Kind, Direction = PaymentEvent.Kind, PaymentEvent.Direction


def record(kind, direction, *, provider: PaymentProvider | None = None, order_number="", params=None, trade_no="",
           verified=None, verdict="", outcome="pending") -> PaymentEvent:
    """Write one event; pass `outcome` when nothing further will happen (one insert instead of two)."""
    return PaymentEvent.objects.create(kind=kind, direction=direction, provider=provider.name if provider else "",
                                       order_number=(order_number or "")[:64], params=jsonable(params or {}),
                                       provider_trade_no=(trade_no or "")[:64], verified=verified, verdict=verdict,
                                       outcome=outcome[:255])


def finish(event: PaymentEvent, outcome: str, *, response=None, verified=None, verdict=None) -> None:
    """Record what came of an event."""
    event.outcome = outcome[:255]
    fields = ["outcome"]
    if response is not None:
        event.response, fields = jsonable(response), fields + ["response"]
    if verified is not None:
        event.verified, fields = verified, fields + ["verified"]
    if verdict is not None:
        event.verdict, fields = verdict[:64], fields + ["verdict"]
    event.save(update_fields=fields)


def safe_finish(event, outcome, **kwargs) -> None:
    """finish() where the database may be what just failed: the outcome is lost, never the caller's answer."""
    try:
        finish(event, outcome, **kwargs)
    except DatabaseError:
        logger.warning("could not record the outcome of payment event %s", event.pk)


def jsonable(value):
    """A bounded, JSON-safe copy of what a gateway sent or answered (nothing it sends can bloat a row)."""
    if isinstance(value, dict):
        return {str(k)[:200]: jsonable(v) for k, v in list(value.items())[:200]}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value[:50]]
    if isinstance(value, (str, int, bool)) or value is None:
        return value[:4000] if isinstance(value, str) else value
    return str(value)[:4000]


def ask(kind, provider: PaymentProvider, order_number: str, call, **params):
    """Make one outbound gateway call, recorded before and after; raises ProviderError."""
    event = record(kind, Direction.OUTBOUND, provider=provider, order_number=order_number,
                   params={"order_number": order_number, **params})
    try:
        answer = call(order_number=order_number, **params)
    except ProviderError as exc:
        finish(event, f"error: {exc.code}", response={"message": exc.message, "raw": jsonable(exc.raw)})
        raise
    raw = getattr(answer, "raw", None)
    if raw is None:  # a close answers a word ("closed", "not_exist", "already_paid"): that is the outcome
        finish(event, str(answer.value), response={"result": str(answer.value)})
    else:
        finish(event, answer.summary, response=raw)
    return answer
