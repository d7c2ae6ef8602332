"""A course's selling price at a moment: pure functions over loaded rows (no queries here)."""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from luffycityapi.core.money import ZERO, money_str, quantize_money

from .models import CourseDiscount


@dataclass(frozen=True)
class ActiveDiscount:
    name: str
    price: Decimal
    ends: datetime

    def as_api(self, now: datetime) -> dict:
        """The seed's shape: {type, price, expire (seconds left)} plus the absolute end time."""
        return {"type": self.name, "price": money_str(self.price),
                "expire": max(0, int((self.ends - now).total_seconds())), "expire_at": self.ends.isoformat()}


def discounted_price(price: Decimal, discount: CourseDiscount) -> Decimal:
    """The price under one discount; never negative, never above the list price."""
    if discount.kind == CourseDiscount.Kind.FREE:
        result = ZERO
    elif discount.kind == CourseDiscount.Kind.PERCENT:
        result = quantize_money(price * discount.value)
    else:
        result = quantize_money(discount.value)
    return min(max(result, ZERO), price)


def active_discount(course, now: datetime) -> ActiveDiscount | None:
    """The best discount running now for a course, from its prefetched `discounts` (with their activities)."""
    best = None
    for discount in course.discounts.all():
        if not (discount.activity.start_time <= now < discount.activity.end_time):
            continue
        price = discounted_price(course.price, discount)
        if best is None or price < best.price:
            best = ActiveDiscount(discount.activity.name or discount.get_kind_display(), price,
                                  discount.activity.end_time)
    return best


def selling_price(course, now: datetime) -> Decimal:
    """What the course costs now: its active discount's price, else its list price."""
    discount = active_discount(course, now)
    return discount.price if discount else course.price
