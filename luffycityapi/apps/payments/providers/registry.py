"""Which provider serves which Order.pay_type. Adding a way to pay is a module in providers/ that implements
base.PaymentProvider, and one `register(...)` line below."""
from decimal import Decimal

from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.orders.services import PayMethod
from luffycityapi.apps.users.selectors import TopupMethod
from luffycityapi.core.errors import ShopError

from . import wechat
from .alipay import AlipayProvider
from .base import PaymentProvider
from .wallet import WalletProvider

_by_pay_type: dict[int, PaymentProvider] = {}


def register(provider: PaymentProvider) -> None:
    """Serve `provider.pay_type` with `provider` (tests register a fake one and unregister it after)."""
    _by_pay_type[provider.pay_type] = provider


def unregister(pay_type: int) -> None:
    _by_pay_type.pop(pay_type, None)


def pay_types() -> list[int]:
    """The pay types an order may be placed with."""
    return list(_by_pay_type)


def topup_pay_types() -> list[int]:
    """The pay types a wallet top-up may be paid with: those that take money from outside the shop (a provider
    that spends a balance the shop holds, base.BalanceProvider, cannot fund one)."""
    return [pay_type for pay_type, provider in _by_pay_type.items() if getattr(provider, "charge", None) is None]


def topup_methods() -> list[TopupMethod]:
    """What the wallet page offers for a top-up: topup_pay_types() with their names, by pay type."""
    return [TopupMethod(pay_type, _by_pay_type[pay_type].title) for pay_type in sorted(topup_pay_types())]


def pay_methods(user_id: int, amount: Decimal, pay_types=None, *, user=None) -> list[PayMethod]:
    """What checkout offers for an amount, by pay type: each registered provider (of `pay_types` when given), with
    the user's balance (and whether it is enough) for one that spends a balance (`user`: the user's row when the
    caller has just read it, e.g. the request's, so the balance is not read again)."""
    methods = []
    for pay_type in sorted(_by_pay_type):
        if pay_types is not None and pay_type not in pay_types:
            continue  # a balance not asked about is not read (order create asks only about the chosen way)
        provider = _by_pay_type[pay_type]
        balance = provider.balance(user_id, user=user) if getattr(provider, "balance", None) else None
        methods.append(PayMethod(pay_type, provider.title, balance, balance is None or balance >= amount))
    return methods


def provider_for(pay_type: int) -> PaymentProvider:
    """The provider of an order's pay_type; an order of a way to pay that is no longer offered cannot be paid."""
    try:
        return _by_pay_type[pay_type]
    except KeyError:
        raise ShopError("不支持的支付方式", code="pay_type_invalid") from None


def provider_named(name: str) -> PaymentProvider:
    """The provider stored under `name` on payment records (a view serves one provider by name)."""
    for provider in _by_pay_type.values():
        if provider.name == name:
            return provider
    raise LookupError(f"no payment provider named {name!r}")


register(AlipayProvider(pay_type=Order.PayType.ALIPAY))
if wechat.enabled():  # optional: offered only where a merchant number is configured
    register(wechat.WechatPayProvider(pay_type=Order.PayType.WECHAT))
register(WalletProvider(pay_type=Order.PayType.WALLET))
