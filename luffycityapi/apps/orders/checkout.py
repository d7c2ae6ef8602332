"""The checkout page's one read: the selected cart, the user's coupons (usable ones best first, the others with
why), the user's credits and the quote for the default choice (the best coupon preselected, no credits), with the
cart priced once for both the coupons and the quote."""
from dataclasses import dataclass

from django.conf import settings

from luffycityapi.apps.cart import selectors as cart_selectors
from luffycityapi.apps.coupon import selectors as coupon_selectors
from luffycityapi.core.errors import ShopError, error_body

from . import services


@dataclass(frozen=True)
class CheckoutSummary:
    cart: list               # cart.selectors.CartLine, the selected courses as the catalogue shows them
    coupon_list: list        # coupon.selectors.UsableCoupon, the best first
    unusable: list           # coupon.selectors.UnusableCoupon, each with why
    user_coupon_id: int      # the choice the quote prices: the best coupon, or -1 when none applies
    credit_to_money: int
    has_credit: int
    quote: services.CheckoutQuote | None  # None when the cart is empty or the server refuses this checkout
    quote_error: dict | None  # the refusal's {errmsg, code, ...}, as POST /api/orders/quote/ would answer it


def checkout_summary(*, user_id: int, balance: int) -> CheckoutSummary:
    """Everything the checkout page shows on arrival. A refusal of the quote (an unpaid order already holds a
    course, a course was bought meanwhile) is part of the answer, not an error: the page shows it beside the lines."""
    lines = coupon_selectors.checkout_lines(user_id)
    usable, unusable = coupon_selectors.coupon_choices(user_id=user_id, lines=lines)
    best_coupon_id = usable[0].log.id if usable else -1
    quote, quote_error = None, None
    if lines:
        try:
            quote = services.checkout_quote(user_id=user_id, choice=services.CheckoutChoice(
                user_coupon_id=best_coupon_id), balance=balance, lines=lines)
        except ShopError as exc:
            quote_error = error_body(exc.message, exc.code, **exc.extra)
    return CheckoutSummary(
        cart=cart_selectors.cart_lines(user_id, only_selected=True),
        coupon_list=usable, unusable=unusable, user_coupon_id=best_coupon_id,
        credit_to_money=settings.CREDIT_TO_MONEY, has_credit=balance, quote=quote, quote_error=quote_error)
