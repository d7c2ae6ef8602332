"""coupon.pricing directly: every rule in its docstring, with exact Decimal results (no database)."""
from decimal import Decimal as D

import pytest

from luffycityapi.apps.coupon.models import Coupon
from luffycityapi.apps.coupon.pricing import CouponTerms, Line, coupon_deduction, eligible_lines, max_credit, quote
from luffycityapi.core.errors import ShopError


def line(course_id, real_price, *, price=None, discount="", credit=0, category=None) -> Line:
    return Line(course_id=course_id, name=f"course {course_id}", price=D(price or real_price),
                real_price=D(real_price), discount_name=discount, credit=credit, category_id=category)


def amount(value, condition="0.00", **scope) -> CouponTerms:
    return CouponTerms(discount=Coupon.Kind.AMOUNT, amount=D(value), rate=D("1.00"), condition=D(condition), **{
        "scope": Coupon.Scope.ALL, **scope})


def percent(rate, condition="0.00", **scope) -> CouponTerms:
    return CouponTerms(discount=Coupon.Kind.PERCENT, amount=D("0.00"), rate=D(rate), condition=D(condition), **{
        "scope": Coupon.Scope.ALL, **scope})


def priced(lines, coupon=None, credit=0, balance=0, credit_to_money=10):
    return quote(lines, coupon=coupon, credit=credit, balance=balance, credit_to_money=credit_to_money)


def refused(code, lines, **kwargs):
    with pytest.raises(ShopError) as exc:
        priced(lines, **kwargs)
    assert exc.value.code == code
    return exc.value


def money(q):
    return q.total_price, q.discount_price, q.real_price


# --- rule 1: the total is the sum of selling prices ----------------------------------------------------------

def test_total_is_the_sum_of_selling_prices_and_decimal_exact():
    lines = [line(1, "399.00"), line(2, "99.99", price="120.00", discount="限时折扣"), line(3, "0.10"),
             line(4, "0.20")]
    q = priced(lines)
    assert money(q) == (D("499.29"), D("0.00"), D("499.29"))
    assert all(isinstance(v, D) for v in money(q))
    assert str(q.real_price) == "499.29"


def test_an_empty_order_is_refused():
    refused("cart_empty", [])


# --- rule 2: eligibility (no stacking, scope) ----------------------------------------------------------------

def test_a_coupon_never_applies_to_a_discounted_course():
    lines = [line(1, "80.00", price="200.00", discount="限时折扣")]
    with pytest.raises(ShopError) as exc:
        coupon_deduction(lines, amount("20.00"))
    assert exc.value.code == "coupon_not_applicable"
    refused("coupon_not_applicable", lines, coupon=amount("20.00"))


def test_only_the_undiscounted_courses_count_for_a_coupon():
    lines = [line(1, "500.00", price="900.00", discount="限时特价"), line(2, "150.00")]
    assert [x.course_id for x in eligible_lines(lines, amount("20.00"))] == [2]
    assert money(priced(lines, coupon=amount("20.00"))) == (D("650.00"), D("20.00"), D("630.00"))
    # the percent coupon takes its share of the dearest ELIGIBLE course, not of the discounted 500.00 one
    assert money(priced(lines, coupon=percent("0.80"))) == (D("650.00"), D("30.00"), D("620.00"))


def test_category_scope():
    lines = [line(1, "300.00", category=7), line(2, "100.00", category=8), line(3, "50.00")]
    terms = percent("0.50", scope=Coupon.Scope.CATEGORY, category_id=8)
    assert [x.course_id for x in eligible_lines(lines, terms)] == [2]
    assert money(priced(lines, coupon=terms)) == (D("450.00"), D("50.00"), D("400.00"))
    refused("coupon_not_applicable", [line(1, "300.00", category=7)], coupon=terms)


def test_listed_courses_scope():
    lines = [line(1, "300.00"), line(2, "100.00"), line(3, "60.00")]
    terms = amount("500.00", scope=Coupon.Scope.COURSES, course_ids=frozenset({2, 3}))
    assert [x.course_id for x in eligible_lines(lines, terms)] == [2, 3]
    # a fixed coupon takes at most the eligible sum (160.00), not the order's total
    assert money(priced(lines, coupon=terms)) == (D("460.00"), D("160.00"), D("300.00"))
    refused("coupon_not_applicable", [line(1, "300.00")], coupon=terms)


# --- rule 3: minimum spend on the eligible sum ---------------------------------------------------------------

@pytest.mark.parametrize("prices, ok", [
    (["100.00"], True),            # exactly the minimum spend
    (["99.99"], False),            # one cent below
    (["60.00", "40.00"], True),    # reached by two courses together
    (["60.00", "39.99"], False),
])
def test_minimum_spend_boundary(prices, ok):
    lines = [line(i, p) for i, p in enumerate(prices, start=1)]
    terms = amount("20.00", condition="100.00")
    if ok:
        total = sum(D(p) for p in prices)
        assert money(priced(lines, coupon=terms)) == (total, D("20.00"), total - D("20.00"))
    else:
        refused("coupon_condition_unmet", lines, coupon=terms)


def test_minimum_spend_ignores_discounted_courses():
    lines = [line(1, "500.00", price="600.00", discount="限时特价"), line(2, "99.99")]
    refused("coupon_condition_unmet", lines, coupon=amount("20.00", condition="100.00"))


# --- rule 4: fixed and percent deductions, rounding ----------------------------------------------------------

def test_fixed_coupon_is_capped_at_the_eligible_sum_and_the_total_never_drops_below_zero():
    assert money(priced([line(1, "30.00")], coupon=amount("50.00"))) == (D("30.00"), D("30.00"), D("0.00"))


def test_percent_coupon_88_on_99_99():
    assert money(priced([line(1, "99.99")], coupon=percent("0.88"))) == (D("99.99"), D("12.00"), D("87.99"))


def test_percent_coupon_applies_to_the_dearest_eligible_course_only():
    lines = [line(1, "100.00"), line(2, "300.00"), line(3, "200.00")]
    assert coupon_deduction(lines, percent("0.90")) == D("30.00")
    assert money(priced(lines, coupon=percent("0.90"))) == (D("600.00"), D("30.00"), D("570.00"))


@pytest.mark.parametrize("price, rate, deduction, pays", [
    ("10.05", "0.50", "5.03", "5.02"),    # 5.025 rounds half up
    ("0.05", "0.90", "0.01", "0.04"),     # 0.005 rounds half up
    ("0.01", "0.50", "0.01", "0.00"),     # 0.005 again: never below zero
    ("33.33", "0.70", "10.00", "23.33"),  # 9.999
    ("19.99", "0.01", "19.79", "0.20"),   # 19.7901
    ("88.80", "0.00", "88.80", "0.00"),   # a 0 % coupon makes it free, not negative
    ("88.80", "1.00", "0.00", "88.80"),
])
def test_percent_rounding_edges(price, rate, deduction, pays):
    q = priced([line(1, price)], coupon=percent(rate))
    assert (q.discount_price, q.real_price) == (D(deduction), D(pays))


# --- rule 5: credits -----------------------------------------------------------------------------------------

def test_max_credit_is_the_least_of_allowance_balance_and_worth():
    lines = [line(1, "100.00", credit=300), line(2, "5.00", credit=20)]
    assert max_credit(lines, balance=1000, credit_to_money=10, payable=D("105.00")) == 320       # allowance
    assert max_credit(lines, balance=250, credit_to_money=10, payable=D("105.00")) == 250        # balance
    assert max_credit(lines, balance=1000, credit_to_money=10, payable=D("5.00")) == 50          # worth
    assert max_credit(lines, balance=1000, credit_to_money=10, payable=D("0.00")) == 0
    assert max_credit(lines, balance=1000, credit_to_money=100, payable=D("0.99")) == 99


def test_credits_take_money_off_at_credit_to_money():
    lines = [line(1, "100.00", credit=300)]
    q = priced(lines, credit=250, balance=1000)
    assert money(q) == (D("100.00"), D("25.00"), D("75.00"))
    assert (q.credit, q.max_use_credit) == (250, 300)
    q = priced(lines, credit=250, balance=1000, credit_to_money=100)
    assert money(q) == (D("100.00"), D("2.50"), D("97.50"))


def test_credit_rounding_edge_at_half_a_cent():
    # 1 credit at 200 credits per yuan is 0.005 yuan: rounded half up once
    q = priced([line(1, "10.00", credit=50)], credit=1, balance=50, credit_to_money=200)
    assert (q.discount_price, q.real_price) == (D("0.01"), D("9.99"))
    q = priced([line(1, "10.00", credit=50)], credit=3, balance=50, credit_to_money=200)
    assert (q.discount_price, q.real_price) == (D("0.02"), D("9.98"))  # 0.015


def test_credits_may_pay_the_whole_order_but_no_more():
    lines = [line(1, "10.00", credit=500)]
    assert money(priced(lines, credit=100, balance=500)) == (D("10.00"), D("10.00"), D("0.00"))
    refused("credit_over_limit", lines, credit=101, balance=500)


def test_credits_over_the_allowance_are_refused():
    exc = refused("credit_over_limit", [line(1, "100.00", credit=30)], credit=31, balance=1000)
    assert "30" in exc.message


def test_credits_over_the_balance_are_refused():
    refused("credit_insufficient", [line(1, "100.00", credit=300)], credit=101, balance=100)


def test_negative_credits_are_refused():
    refused("credit_invalid", [line(1, "100.00", credit=300)], credit=-1, balance=100)


def test_no_credits_on_a_course_without_allowance():
    q = priced([line(1, "100.00")], balance=1000)
    assert q.max_use_credit == 0
    refused("credit_over_limit", [line(1, "100.00")], credit=1, balance=1000)


# --- rule 6: a coupon or credits, never both -----------------------------------------------------------------

def test_coupon_and_credits_together_are_refused():
    refused("coupon_and_credit", [line(1, "200.00", credit=100)], coupon=amount("20.00"), credit=10, balance=100)


# --- rule 7: free courses and the floor at 0.00 --------------------------------------------------------------

def test_a_free_course_costs_nothing_and_takes_no_coupon_or_credits():
    free = line(1, "0.00", price="99.00", discount="限时免费", credit=50)
    q = priced([free], balance=1000)
    assert money(q) == (D("0.00"), D("0.00"), D("0.00"))
    assert q.max_use_credit == 0
    refused("coupon_not_applicable", [free], coupon=amount("20.00"))
    refused("credit_over_limit", [free], credit=1, balance=1000)


def test_results_are_quantized_to_the_cent():
    q = priced([line(1, "99.99")], coupon=percent("0.88"))
    for value in money(q):
        assert value.as_tuple().exponent == -2
