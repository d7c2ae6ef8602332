"""A course's selling price at a moment: pure functions over loaded rows (no queries here)."""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from luffycityapi.core.money import ZERO, money_str, quantize_money
from luffycityapi.core.renderers import local_iso

from .models import CourseDiscount


@dataclass(frozen=True)
class ActiveDiscount:
    name: str
    price: Decimal
    ends: datetime

    def as_api(self, now: datetime) -> dict:
        """The seed's shape: {type, price, expire (seconds left)} plus the absolute end time."""
        return {"type": self.name, "price": money_str(self.price),
                "expire": max(0, int((self.ends - now).total_seconds())), "expire_at": local_iso(self.ends)}


def discounted_price(price: Decimal, kind: int, value: Decimal) -> Decimal:
    """The price under one discount (its kind and value); never negative, never above the list price."""
    if kind == CourseDiscount.Kind.FREE:
        result = ZERO
    elif kind == CourseDiscount.Kind.PERCENT:
        result = quantize_money(price * value)
    else:
        result = quantize_money(value)
    return min(max(result, ZERO), price)


def discount_window(price: Decimal, kind: int, value: Decimal, activity_name: str, start: datetime,
                    end: datetime) -> tuple:
    """One discount as (name, price, start, end): the activity's name (else the kind's label), the price it
    sells for while the window [start, end) is open."""
    return (activity_name or CourseDiscount.Kind(kind).label, discounted_price(price, kind, value), start, end)


def course_windows(course) -> list[tuple]:
    """The windows of a course's prefetched `discounts` (with their activities), in the order they are read."""
    return [discount_window(course.price, d.kind, d.value, d.activity.name, d.activity.start_time,
                            d.activity.end_time) for d in course.discounts.all()]


def open_discount(windows, now: datetime) -> ActiveDiscount | None:
    """The cheapest window open at `now` (the first of equals), or None."""
    best = None
    for name, price, start, end in windows:
        if start <= now < end and (best is None or price < best.price):
            best = ActiveDiscount(name, price, end)
    return best


def active_discount(course, now: datetime) -> ActiveDiscount | None:
    """The best discount running now for a course, from its prefetched `discounts` (with their activities)."""
    return open_discount(course_windows(course), now)
