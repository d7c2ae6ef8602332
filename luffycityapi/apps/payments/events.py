"""The payment event log: every inbound message and every outbound gateway call is a PaymentEvent, written before
it is acted on and finished with its outcome."""
import hashlib
import logging
from contextlib import contextmanager

from django.db import DatabaseError

from luffycityapi.core import metrics
from luffycityapi.core.prepared import Prepared, PreparedInsert

from .models import PaymentEvent
from .providers.base import PaymentProvider, ProviderError

logger = logging.getLogger("luffycityapi.payments")
Kind, Direction = PaymentEvent.Kind, PaymentEvent.Direction


def record(kind, direction, *, provider: PaymentProvider | None = None, order_number="", params=None, trade_no="",
           verified=None, verdict="", outcome="pending") -> PaymentEvent:
    """Write one event; pass `outcome` when nothing further will happen (one insert instead of two)."""
    return _event_insert.save(PaymentEvent(kind=kind, direction=direction, provider=provider.name if provider else "",
                                           order_number=(order_number or "")[:64], params=jsonable(params or {}),
                                           provider_trade_no=(trade_no or "")[:64], verified=verified,
                                           verdict=verdict, outcome=outcome[:255]))


# Every message and gateway call is recorded here, a notify's first: the INSERT is compiled once (core.prepared).
_event_insert = PreparedInsert(PaymentEvent)


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
    if not _event_row.update(event.pk, **{name: getattr(event, name) for name in fields}):
        # as save(update_fields=…) says it: an event whose insert was rolled back (safe_finish logs it)
        raise DatabaseError(f"payment event {event.pk} is not in the database")


# Every message and gateway call is finished here: the statement is compiled once per set of fields (core.prepared).
_event_row = Prepared(lambda event_id: PaymentEvent.objects.filter(pk=event_id))


def safe_finish(event, outcome, **kwargs) -> None:
    """finish() where the database may be what just failed: the outcome is lost, never the caller's answer."""
    try:
        finish(event, outcome, **kwargs)
    except DatabaseError:
        logger.warning("could not record the outcome of payment event %s", event.pk)


@contextmanager
def finishing(event: PaymentEvent):
    """Whatever escapes the block still gives the event an outcome (re-raised): none stays "pending" forever."""
    try:
        yield
    except Exception as exc:
        if event.outcome == "pending":
            safe_finish(event, f"error: {getattr(exc, 'code', '') or type(exc).__name__}")
        raise


# What an unverified message keeps: its first keys (the provider's identifying ones first), each cut short. Anyone
# can post one, so its record must stay small whatever the body's size: ~5 KB at most, even with every character
# escaped.
_SUMMARY_KEYS, _SUMMARY_KEY_CHARS, _SUMMARY_HEAD_CHARS = 16, 32, 16


def unverified_summary(params: dict, first_keys=()) -> dict:
    """A bounded record of an unverified message: key count, total size, a digest of the whole, and for the first
    keys [key, value length, value head]; enough to recognise a probe or a misconfigured sender."""
    ordered = [k for k in first_keys if k in params] + [k for k in params if k not in first_keys]
    content = "&".join(f"{k}={params[k]}" for k in sorted(params))
    return {"unverified": True, "keys": len(params), "chars": sum(len(k) + len(str(v)) for k, v in params.items()),
            "sha256": hashlib.sha256(content.encode("utf-8", "replace")).hexdigest(),
            "fields": [[k[:_SUMMARY_KEY_CHARS], len(str(params[k])), str(params[k])[:_SUMMARY_HEAD_CHARS]]
                       for k in ordered[:_SUMMARY_KEYS]]}


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
    with finishing(event):
        try:
            with metrics.GATEWAY_SECONDS.labels(kind).time():
                answer = call(order_number=order_number, **params)
        except ProviderError as exc:
            metrics.GATEWAY_ERRORS.labels(kind, exc.code).inc()
            finish(event, f"error: {exc.code}", response={"message": exc.message, "raw": jsonable(exc.raw)})
            raise
    raw = getattr(answer, "raw", None)
    if raw is None:  # a close answers a word ("closed", "not_exist", "already_paid"): that is the outcome
        finish(event, str(answer.value), response={"result": str(answer.value)})
    else:
        finish(event, answer.summary, response=raw)
    return answer
