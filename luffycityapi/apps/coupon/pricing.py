"""Checkout pricing as pure Decimal functions: one code path for quote and create. No queries, no clock.

The rules (also in the README):
1. A course costs its active discount price, else its list price (courses.pricing.open_discount).
   `total_price` is the sum of those selling prices.
2. A coupon applies only to courses without an active discount (no stacking) that are in its scope
   (all courses, one category, or listed courses): the "eligible" courses. A category coupon without a category
   or a course-list coupon without courses has none.
3. The coupon's minimum spend (`condition`) is compared with the eligible courses' sum.
4. A fixed coupon ("减免") takes its amount off, at most the eligible sum.
   A percent coupon ("折扣", rate r) takes (1 − r) × price off the dearest eligible course.
5. Credits: at most the sum of the courses' `credit` allowances, at most the user's balance, and at most what
   the order is worth; `CREDIT_TO_MONEY` credits (10 unless configured) are one yuan.
6. A coupon or credits, never both (the seed's discount_type).
7. The total never drops below 0.00; each deduction is rounded half-up to the cent once (core.money).
"""
from dataclasses import dataclass, field
from decimal import Decimal

from luffycityapi.core.errors import ShopError
from luffycityapi.core.money import ZERO, quantize_money

from .models import Coupon


@dataclass(frozen=True)
class Line:
    course_id: int
    name: str
    price: Decimal          # list price
    real_price: Decimal     # selling price now (after an activity discount)
    discount_name: str      # the activity's name, "" when none
    credit: int             # most credits usable on this course
    category_id: int | None = None

    @property
    def has_discount(self) -> bool:
        return bool(self.discount_name)


@dataclass(frozen=True)
class CouponTerms:
    discount: int
    amount: Decimal
    rate: Decimal
    condition: Decimal
    scope: int
    category_id: int | None = None
    course_ids: frozenset = field(default_factory=frozenset)


@dataclass(frozen=True)
class Quote:
    total_price: Decimal
    discount_price: Decimal
    real_price: Decimal
    max_use_credit: int
    credit: int
    lines: tuple


def eligible_lines(lines, terms: CouponTerms) -> list[Line]:
    """The courses a coupon may apply to: undiscounted and in scope."""
    def in_scope(line: Line) -> bool:
        if terms.scope == Coupon.Scope.CATEGORY:
            # A category coupon without its category (saved before Coupon.clean() refused it) matches nothing:
            # None == None would otherwise make it apply to every uncategorised course.
            return terms.category_id is not None and line.category_id == terms.category_id
        if terms.scope == Coupon.Scope.COURSES:
            return line.course_id in terms.course_ids
        return True

    return [line for line in lines if not line.has_discount and in_scope(line)]


def coupon_deduction(lines, terms: CouponTerms) -> Decimal:
    """What the coupon takes off these lines; raises coupon_not_applicable when it cannot apply."""
    eligible = eligible_lines(lines, terms)
    if not eligible:
        raise ShopError("该优惠券不适用于所选课程", code="coupon_not_applicable")
    eligible_sum = sum((line.real_price for line in eligible), ZERO)
    if eligible_sum < terms.condition:
        raise ShopError(f"未满足优惠券使用条件（满 {terms.condition} 元可用）", code="coupon_condition_unmet")
    if terms.discount == Coupon.Kind.AMOUNT:
        return quantize_money(min(terms.amount, eligible_sum))
    dearest = max(eligible, key=lambda line: (line.real_price, -line.course_id))
    return quantize_money(dearest.real_price * (Decimal("1") - terms.rate))


def max_credit(lines, *, balance: int, credit_to_money: int, payable: Decimal) -> int:
    """The most credits this order may spend: allowances, balance and the order's worth."""
    allowance = sum(line.credit for line in lines)
    worth = int(payable * credit_to_money)  # credits beyond the order's price would buy nothing
    return max(0, min(allowance, balance, worth))


def quote(lines, *, coupon: CouponTerms | None, credit: int, balance: int, credit_to_money: int) -> Quote:
    """Price an order: total, deduction, what is paid, and the most credits it could use."""
    if not lines:
        raise ShopError("请先选择要购买的课程", code="cart_empty")
    if credit < 0:
        raise ShopError("积分数量不能为负数", code="credit_invalid")
    if coupon is not None and credit > 0:
        raise ShopError("优惠券和积分不能同时使用", code="coupon_and_credit")
    total = quantize_money(sum((line.real_price for line in lines), ZERO))
    limit = max_credit(lines, balance=balance, credit_to_money=credit_to_money, payable=total)
    deduction = ZERO
    if coupon is not None:
        deduction = coupon_deduction(lines, coupon)
    elif credit:
        if credit > balance:
            raise ShopError("您的积分不足", code="credit_insufficient")
        if credit > limit:
            raise ShopError(f"本次最多可使用 {limit} 积分", code="credit_over_limit")
        deduction = quantize_money(Decimal(credit) / Decimal(credit_to_money))
    deduction = min(deduction, total)
    return Quote(total_price=total, discount_price=deduction, real_price=quantize_money(total - deduction),
                 max_use_credit=limit, credit=credit, lines=tuple(lines))
