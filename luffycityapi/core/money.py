"""Money is Decimal end to end: one rounding rule (half-up to the cent), applied once, here."""
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_AMOUNT = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")  # ASCII digits only: \d would take "１００"


def quantize_money(value) -> Decimal:
    """Round a Decimal (or int/str) half-up to the cent."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(value) -> str:
    """The API's and Alipay's amount format: a string with exactly two places, e.g. "1579.00"."""
    return f"{quantize_money(value):.2f}"


def parse_amount(text) -> Decimal | None:
    """Parse an amount string from outside (Alipay) strictly: digits with at most two places, else None."""
    if not isinstance(text, str) or not _AMOUNT.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None
