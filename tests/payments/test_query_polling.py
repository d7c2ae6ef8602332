"""The SPA's poll of an unpaid order cannot hammer Alipay: trade.query at most once per order per
PAYMENT_QUERY_GATEWAY_SECONDS across workers (a Redis key), the rest answered from the database, and each student
throttled. Every trade.query is recorded as a PaymentEvent before it is sent, so the events count the calls."""
import time

from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.models import PaymentEvent

from .conftest import wait_for
from .test_races import _together


def _queries(number):
    return PaymentEvent.objects.filter(kind=PaymentEvent.Kind.QUERY, order_number=number).count()


def _poll(student, number, expect=200):
    return student.call("GET", f"/api/payments/alipay/query/{number}/", expect).json()


def test_a_hundred_polls_make_a_handful_of_gateway_calls_and_a_notify_shows_on_the_next(student, make_course,
                                                                                      settings):
    order = student.order([make_course(price="30.00").id])
    number = order["order_number"]
    cashier = student.open_cashier(number)
    started = time.monotonic()
    for _ in range(100):
        assert _poll(student, number)["order_status"] == Order.Status.UNPAID
    elapsed = time.monotonic() - started
    assert 1 <= _queries(number) <= elapsed / settings.PAYMENT_QUERY_GATEWAY_SECONDS + 2, (_queries(number), elapsed)

    asked = _queries(number)
    assert student.click(cashier, "pay").status_code == 302  # the sandbox notifies the shop
    wait_for(lambda: PaymentEvent.objects.filter(kind="notify", order_number=number, outcome="fulfilled").exists(),
             what="the sandbox's notify")
    assert _poll(student, number)["order_status"] == Order.Status.PAID  # the next poll, from the database
    assert _queries(number) == asked


def test_a_payment_without_its_notify_is_seen_once_the_gateway_may_be_asked_again(student, make_course, settings):
    """The notify is lost: the poll that gets the next turn asks trade.query, within one poll interval (the SPA
    polls every 2 s at first, 10 s at the most)."""
    settings.PAYMENT_QUERY_GATEWAY_SECONDS = window = 5  # wide enough for the payment below on a busy machine
    order = student.order([make_course(price="30.00").id])
    number = order["order_number"]
    cashier = student.open_cashier(number)
    student.sim("config", notify_order="never")
    opened = time.monotonic()
    assert _poll(student, number)["order_status"] == Order.Status.UNPAID
    assert student.click(cashier, "pay").status_code == 302
    assert _poll(student, number)["order_status"] == Order.Status.UNPAID  # inside the window: the database's answer
    assert time.monotonic() - opened < window
    time.sleep(window + 0.2 - (time.monotonic() - opened))
    assert _poll(student, number)["order_status"] == Order.Status.PAID
    assert _queries(number) == 2


def test_polling_past_the_rate_is_throttled_per_student(student, make_course, make_user, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "payment_query": "5/min"}}
    number = student.order([make_course(price="30.00").id])["order_number"]
    for _ in range(5):
        _poll(student, number)
    refused = _poll(student, number, expect=429)
    assert refused["code"] == "throttled" and refused["errmsg"], refused
    other = type(student)(student.base, make_user())  # another student is not held back
    other_number = other.order([make_course(price="30.00").id])["order_number"]
    assert _poll(other, other_number)["order_status"] == Order.Status.UNPAID


def test_the_throttle_window_ends_with_its_counter(student, make_course, settings, redis_conn):
    """The counter opened by a window's first poll expires with the window: a student refused now polls again once
    it is over (a counter left without its expiry would lock them out for good). Retry-After is the time left."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "payment_query": "2/s"}}
    number = student.order([make_course(price="30.00").id])["order_number"]
    path = f"/api/payments/alipay/query/{number}/"
    for _ in range(3):  # three polls inside one 1 s window; a host slow enough to spread them over two tries again
        opened = time.monotonic()
        answers = [student.call("GET", path) for _ in range(3)]
        if time.monotonic() - opened < 0.9:
            break
        time.sleep(1.1)  # until the window this try opened is over
    assert [a.status_code for a in answers] == [200, 200, 429], [(a.status_code, a.text) for a in answers]
    refused = answers[2]
    assert refused.headers["Retry-After"] == "1", refused.headers
    counters = [key for key in redis_conn.scan_iter("*throttle_payment_query_*") if not key.endswith(b":since")]
    assert len(counters) == 1 and 0 < redis_conn.pttl(counters[0]) <= 1000, counters
    time.sleep(max(0.0, opened + 1.2 - time.monotonic()))
    assert _poll(student, number)["order_status"] == Order.Status.UNPAID


def test_the_gateway_is_asked_once_however_many_polls_arrive_at_once(student, make_course):
    """Concurrent polls on the live server's threads: the Redis key lets exactly one through."""
    order = student.order([make_course(price="30.00").id])
    number = order["order_number"]
    student.open_cashier(number)
    workers = 8
    answers = _together([lambda: student.call("GET", f"/api/payments/alipay/query/{number}/").status_code] * workers)
    assert answers == [200] * workers
    assert _queries(number) == 1
