"""The synchronous return (§2): the signed params the cashier appends to return_url after a payment."""
from decimal import Decimal
from urllib.parse import urlencode

from django.db import transaction

from . import signing, state
from .models import SandboxTrade


def _take_return_tamper(trade_id: int) -> str:
    kind = SandboxTrade.objects.values_list("return_tamper_next", flat=True).get(pk=trade_id)
    if kind and SandboxTrade.objects.filter(pk=trade_id, return_tamper_next=kind).update(return_tamper_next="") == 1:
        return kind
    return ""


def return_params(trade: SandboxTrade, *, consume_tamper: bool = True) -> list[tuple[str, str]]:
    """The return's params in the order Alipay emits them, signed like a notify (without sign and sign_type).
    A pending __sim__ tamper directive is consumed here (unless only a link is being shown)."""
    with transaction.atomic():
        tamper = _take_return_tamper(trade.pk) if consume_tamper else ""
    amount = state.fmt_amount(trade.total_amount)
    if tamper == "total_amount":
        amount = state.fmt_amount(trade.total_amount + Decimal(1))
    pairs = [
        ("charset", trade.charset), ("out_trade_no", trade.out_trade_no), ("method", f"{trade.method}.return"),
        ("total_amount", amount), ("sign", ""), ("trade_no", trade.trade_no or ""), ("auth_app_id", trade.app_id),
        ("version", "1.0"), ("app_id", trade.app_id), ("sign_type", state.app_sign_type()),
        ("seller_id", state.seller_id()), ("timestamp", state.fmt_time(state.sandbox_now())),
    ]
    values = dict(pairs)
    signature = signing.sign(signing.notify_sign_content(values), values["sign_type"], trade.charset)
    values["sign"] = signing.corrupt(signature) if tamper == "signature" else signature
    return [(key, values[key]) for key, _ in pairs]


def return_url(trade: SandboxTrade, params: list[tuple[str, str]]) -> str:
    """return_url + `?` (or `&` if it already has a query) + the URL-encoded params ("+" for spaces)."""
    separator = "&" if "?" in trade.return_url else "?"
    return trade.return_url + separator + urlencode(params, encoding=trade.charset or "utf-8")
