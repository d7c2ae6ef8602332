"""The provider protocol: what the payment service asks of a way to pay, and the plain dataclasses that cross it.

A provider module (one per way to pay, next to this one) is the only code that knows its gateway's wire
format: field names, statuses, time formats, signatures and which answer means what. The service sees only what
is here: amounts as Decimal, times aware, statuses as booleans plus the provider's own word for records."""
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Protocol

from django.http import HttpRequest

from luffycityapi.core.errors import GatewayError


class ProviderError(GatewayError):
    """The gateway could not be asked, or its answer cannot be trusted. `retryable` when asking again later
    may work (network, timeouts, the gateway's own system errors)."""

    def __init__(self, message: str, *, code: str, status: int = 502, retryable: bool = True, raw=None):
        super().__init__(message, code=code, status=status)
        self.retryable = retryable
        self.raw = raw


@dataclass(frozen=True)
class PayRequest:
    """What a cashier link is made from."""

    order_number: str
    amount: Decimal
    subject: str
    expire_at: datetime


@dataclass(frozen=True)
class Trade:
    """What the provider says about one order's trade (a query's answer, or a verified notify)."""

    exists: bool
    paid: bool = False            # the money was taken (and may since have been refunded in part)
    closed: bool = False          # closed without payment, or closed after a full refund
    status: str = ""              # the provider's own word for the state, kept for records and reports only
    trade_no: str = ""            # the provider's trade id
    amount: Decimal | None = None
    paid_at: datetime | None = None
    summary: str = "ok"           # one word for the call's record (the status, or the answer's code)
    raw: dict = field(default_factory=dict)


class CloseResult(str, Enum):
    CLOSED = "closed"
    NOT_EXIST = "not_exist"       # never opened by the buyer: nothing to close
    ALREADY_PAID = "already_paid"


@dataclass(frozen=True)
class RefundResult:
    """A refund call's answer: `moved` only when the provider says money went back by this call."""

    moved: bool
    amount: Decimal | None
    summary: str = "ok"
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundLookup:
    """A refund query's answer: `found` only when a refund under that request number exists and succeeded."""

    found: bool
    amount: Decimal | None
    summary: str = "ok"
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Claim:
    """Which order, trade and amount an inbound message says it is about, before anything is verified (for the
    record, and for the audit reading recorded messages back)."""

    order_number: str = ""
    trade_no: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True)
class Notice:
    """A verified inbound message (a notify or a return) about one order."""

    order_number: str
    trade: Trade
    refund: bool = False          # a notice about money going back, not a payment


@dataclass(frozen=True)
class Rejection:
    """An inbound message that cannot be trusted: `verdict` says why; `signed` when its signature held (the
    provider sent it, but it is not for us or not acceptable)."""

    verdict: str
    signed: bool


@dataclass(frozen=True)
class NotifyAnswer:
    body: str
    content_type: str
    status: int = 200             # the HTTP status the gateway reads (some answer 204, or 4xx/5xx to be retried)


class PaymentProvider(Protocol):
    """One way to pay. Every call that reaches the gateway raises ProviderError on failure; nothing else escapes."""

    name: str                     # stored on every payment record; the registry finds it by this
    pay_type: int                 # the Order.pay_type it serves (the registry's key)
    title: str                    # shown to students ("支付宝")
    key_fields: tuple[str, ...]   # an inbound message's identifying fields, kept first in a bounded record

    def pay_url(self, request: PayRequest, *, device: str = "desktop") -> str:
        """The cashier URL to send the buyer to (`device` is "desktop" or "mobile"), or what the buyer scans."""

    def claim(self, params: dict) -> Claim:
        """The order and trade an inbound message names, unverified."""

    def parse_notify(self, params: dict, *, malformed: str = "") -> Notice | Rejection:
        """Verify an asynchronous notification; `malformed` is why the request itself was unreadable, if it was."""

    def parse_return(self, params: dict) -> Notice | Rejection:
        """Verify the parameters the cashier appended to the return URL."""

    def read_notify(self, request: HttpRequest) -> tuple[dict | None, str]:
        """The notify's parameters as posted, and "" or why the request is malformed; None for a body that
        cannot be read at all (answered at once, nothing to record)."""

    def notify_answer(self, accepted: bool) -> NotifyAnswer:
        """What the gateway expects back: accepted (the effect is committed) or to be retried."""

    def query(self, order_number: str) -> Trade:
        """The trade's state at the provider."""

    def close(self, order_number: str) -> CloseResult:
        """Close the unpaid trade so it can no longer be paid."""

    def refund(self, *, order_number: str, amount: Decimal, request_no: str, reason: str = "",
               total: Decimal | None = None) -> RefundResult:
        """Refund `amount` of the trade's `total` (some gateways want both), idempotent by `request_no`."""

    def refund_query(self, *, order_number: str, request_no: str) -> RefundLookup:
        """Whether the refund made under `request_no` went through, and for how much."""


class BalanceProvider(PaymentProvider, Protocol):
    """A way to pay from a balance the shop itself holds (the wallet): no cashier, no inbound messages. The
    payment service charges it inside the fulfilment's transaction, after the order and user are locked, so the
    debit and the order becoming paid commit together or not at all. It cannot fund a wallet top-up. A provider
    without these members (`getattr(provider, "charge", None)`) takes money from outside: a cashier and notifies."""

    def balance(self, user_id: int, *, user=None) -> Decimal:
        """What the user can spend; `user`: the user's row when the caller has just read it (no second read)."""

    def charge(self, request: PayRequest, *, user_id: int) -> Trade:
        """Take request.amount from the user's balance, idempotent by order number (a second charge of one order
        returns the first's trade). Raises a ShopError (4xx) when the balance is too small, with nothing taken."""
