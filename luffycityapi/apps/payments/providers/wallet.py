"""The wallet (余额支付): pays from User.money, the shop's own ledger (users.WalletEntry), so its "gateway" is that
ledger. A charge is a debit keyed by the order ("pay:<order_number>"), a refund a credit keyed by the refund's
request number ("refund:<request_no>"): both idempotent, both under the user's row lock. It has no cashier and no
inbound messages; the payment service charges it inside the fulfilment's transaction (base.BalanceProvider)."""
from decimal import Decimal

from luffycityapi.apps.users import selectors as user_selectors
from luffycityapi.apps.users import services as user_services
from luffycityapi.apps.users.models import WalletEntry

from .base import (Claim, CloseResult, Notice, NotifyAnswer, PayRequest, ProviderError, RefundLookup, RefundResult,
                   Rejection, Trade)


def _pay_key(order_number: str) -> str:
    return f"pay:{order_number}"


def _trade(entry: WalletEntry, *, summary: str) -> Trade:
    return Trade(exists=True, paid=True, status="PAID", trade_no=f"W{entry.id}", amount=-entry.amount,
                 paid_at=entry.created_time, summary=summary,
                 raw={"entry": entry.id, "amount": f"{entry.amount:.2f}", "user": entry.user_id})


class WalletProvider:
    """base.BalanceProvider over the wallet ledger."""

    name = "wallet"
    title = "余额"
    key_fields = ("order_number",)

    def __init__(self, *, pay_type: int):
        self.pay_type = pay_type

    # --- a balance the shop holds --------------------------------------------------------------------------

    def balance(self, user_id: int, *, user=None) -> Decimal:
        if user is not None and user.pk == user_id and "money" in user.__dict__:
            return user.money  # read by this request's authentication a moment ago
        return user_selectors.wallet_balance(user_id)

    def charge(self, request: PayRequest, *, user_id: int) -> Trade:
        entry, created = user_services.wallet_change(
            user_id=user_id, amount=-request.amount, operation=WalletEntry.Operation.SPEND,
            reason=f"支付订单 {request.order_number}", order_number=request.order_number,
            key=_pay_key(request.order_number))
        return _trade(entry, summary="charged" if created else "already_charged")

    # --- no cashier, no inbound messages --------------------------------------------------------------------

    def pay_url(self, request: PayRequest, *, device: str = "desktop") -> str:
        raise ProviderError("余额支付无需跳转收银台，请直接确认支付", code="pay_link_not_supported", status=400,
                            retryable=False)

    def claim(self, params: dict) -> Claim:
        return Claim(order_number=str(params.get("order_number", "")))

    def parse_notify(self, params: dict, *, malformed: str = "") -> Notice | Rejection:
        return Rejection("not_supported", signed=False)

    def parse_return(self, params: dict) -> Notice | Rejection:
        return Rejection("not_supported", signed=False)

    def read_notify(self, request) -> tuple[dict | None, str]:
        return None, "not_supported"

    def notify_answer(self, accepted: bool) -> NotifyAnswer:
        return NotifyAnswer("", "text/plain; charset=utf-8")

    # --- query, close, refund: read from and written to the ledger -------------------------------------------

    def query(self, order_number: str) -> Trade:
        entry = user_selectors.wallet_entry_by_key(_pay_key(order_number))
        if entry is None:
            return Trade(exists=False, summary="NOT_EXIST")
        return _trade(entry, summary="PAID")

    def close(self, order_number: str) -> CloseResult:
        # Nothing to close: a charge checks the order is unpaid under its lock, so a closed order is never charged.
        if user_selectors.wallet_entry_by_key(_pay_key(order_number)) is not None:
            return CloseResult.ALREADY_PAID
        return CloseResult.NOT_EXIST

    def refund(self, *, order_number: str, amount: Decimal, request_no: str, reason: str = "",
               total: Decimal | None = None) -> RefundResult:
        """Credit the wallet the order was paid from, once per request_no (a repeat moves nothing and says so;
        the refund query then confirms the first)."""
        paid = user_selectors.wallet_entry_by_key(_pay_key(order_number))
        if paid is None:
            raise ProviderError(f"订单 {order_number} 没有余额支付记录，无法退回余额", code="wallet_not_paid",
                                status=409, retryable=False)
        entry, created = user_services.wallet_change(
            user_id=paid.user_id, amount=amount, operation=WalletEntry.Operation.REFUND,
            reason=f"订单 {order_number} 退款{f'（{reason}）' if reason else ''}", order_number=order_number,
            key=f"refund:{request_no}")
        return RefundResult(moved=created, amount=entry.amount, summary="refunded" if created else "already_refunded",
                            raw={"entry": entry.id, "amount": f"{entry.amount:.2f}"})

    def refund_query(self, *, order_number: str, request_no: str) -> RefundLookup:
        entry = user_selectors.wallet_entry_by_key(f"refund:{request_no}")
        if entry is None:
            return RefundLookup(found=False, amount=None, summary="NOT_EXIST")
        return RefundLookup(found=True, amount=entry.amount, summary="REFUND_SUCCESS",
                            raw={"entry": entry.id, "amount": f"{entry.amount:.2f}"})
