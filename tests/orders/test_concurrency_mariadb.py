"""Real concurrent transactions on MariaDB (row locks): many checkouts racing for one coupon or one credit
balance, cancel racing expiry, payment racing expiry, an operator's grant racing a checkout. Every thread has its
own database connection; a Barrier (or a held row lock, released at once) makes them really start together."""
import threading
import time
from datetime import timedelta
from decimal import Decimal as D

import pytest
import requests
from django.db import connection, connections, transaction
from django.utils import timezone
from orders.checkout_support import ORDERS_URL, balance, body, ledger_sum, put_in_cart, return_entries
from payments.conftest import TIMEOUT, shop_env, student  # noqa: F401  (fixtures: the live shop + sandbox gateway)
from rest_framework.test import APIClient

from luffycityapi.apps.cart import store as cart_store
from luffycityapi.apps.coupon.models import Coupon, CouponLog
from luffycityapi.apps.coupon.services import coupon_grant
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.orders.services import OrderNotPayable, order_expire, order_mark_paid
from luffycityapi.apps.payments.models import PaymentEvent
from luffycityapi.apps.users.models import User

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

N = 20


def in_threads(targets, *, barrier=True, join_timeout=60) -> list:
    """Run each target in its own thread (own DB connection), all released together; returns results/exceptions."""
    results = [None] * len(targets)
    gate = threading.Barrier(len(targets)) if barrier else None

    def run(i, target):
        try:
            if gate:
                gate.wait(timeout=30)
            results[i] = target()
        except BaseException as exc:  # noqa: BLE001 - reported to the test, which asserts on it
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    return threads, results


def joined(threads, results, timeout=60) -> list:
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a thread hung (deadlock?)"
    return results


def lock_waits() -> int:
    """Other connections in the middle of a locking read right now: while the test holds the row they lock,
    that means they are waiting for it. Only FOR UPDATE statements count: a request's earlier plain reads (its
    JWT user lookup, say) come before it has read its cart, so counting them let the test swap the cart too soon."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() "
                       "AND COMMAND = 'Query' AND DB = DATABASE() AND INFO LIKE '%%FOR UPDATE%%'")
        return cursor.fetchone()[0]


def wait_for_lock_waits(n: int, timeout: float = 45, results=()) -> None:
    deadline = time.monotonic() + timeout
    while lock_waits() < n:
        if time.monotonic() > deadline:
            with connection.cursor() as cursor:
                cursor.execute("SELECT ID, COMMAND, STATE, INFO FROM information_schema.PROCESSLIST")
                processes = cursor.fetchall()
            pytest.fail(f"expected {n} transactions waiting on a lock, saw {lock_waits()}: {processes}; "
                        f"finished threads: {[r for r in results if r is not None]}")
        time.sleep(0.02)


def client_of(user) -> APIClient:
    from rest_framework_simplejwt.tokens import AccessToken

    # Not RefreshToken.for_user: that records an OutstandingToken row, an INSERT whose foreign-key check waits on
    # the user row another thread's checkout holds, and would be counted as the lock wait under test.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def post_order(user, payload):
    def call():
        response = client_of(user).post(ORDERS_URL, payload, format="json")
        return response.status_code, response.json()
    return call


def one_cart_each(user, courses, payload) -> list:
    """N checkouts of one user, each over a different cart (course i alone): the user's row is held locked while
    each request reads its cart and queues on that lock, then released so they all race for it at once."""
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        threads, results = [], []
        for i, course in enumerate(courses):
            cart_store.remove(user.id, [c.id for c in courses])
            cart_store.add(user.id, course.id)
            t, r = in_threads([post_order(user, payload)], barrier=False)
            threads += t
            results.append(r)
            # this request has read its cart and waits for the user's row
            wait_for_lock_waits(i + 1, results=[x for r in results for x in r])
    joined(threads, None)
    return [r[0] for r in results]


def outcomes(results) -> tuple[list, list]:
    for r in results:
        assert not isinstance(r, BaseException), repr(r)
    ok = [body for status, body in results if status == 201]
    refused = [(status, body["code"]) for status, body in results if status != 201]
    return ok, refused


# --- one coupon, many checkouts -------------------------------------------------------------------------------

def test_20_simultaneous_orders_with_one_coupon_from_one_cart(make_user, make_course, coupon_for):
    user = make_user()
    course = make_course(price="200.00")
    put_in_cart(client_of(user), course)
    log = coupon_for(user)

    ok, refused = outcomes(joined(*in_threads([post_order(user, body(coupon=log.id))] * N)))

    assert len(ok) == 1, refused
    assert {status for status, _ in refused} == {400}
    # a request that reads the cart after the winner's commit cleaned it finds it empty
    assert {code for _, code in refused} <= {"order_unpaid_exists", "coupon_reserved", "cart_empty"}
    order = Order.objects.get()
    assert (order.order_number, order.real_price) == (ok[0]["order_number"], D("180.00"))
    assert CouponLog.objects.get(pk=log.pk).order_id == order.id


def test_20_simultaneous_orders_with_one_coupon_from_20_different_carts(make_user, make_course, coupon_for):
    user = make_user()
    courses = [make_course(price="200.00") for _ in range(N)]
    log = coupon_for(user)

    ok, refused = outcomes(one_cart_each(user, courses, body(coupon=log.id)))

    assert len(ok) == 1, refused
    assert refused == [(400, "coupon_reserved")] * (N - 1)
    order = Order.objects.get()
    assert CouponLog.objects.get(pk=log.pk).order_id == order.id == ok[0]["id"]
    assert order.discount_price == D("20.00")


# --- one credit balance, many checkouts -----------------------------------------------------------------------

def test_simultaneous_orders_spending_the_same_credits_from_one_cart(make_user, make_course):
    user = make_user(credit=1000)
    put_in_cart(client_of(user), make_course(price="100.00", credit=600))

    ok, refused = outcomes(joined(*in_threads([post_order(user, body(credit=600))] * N)))

    assert len(ok) == 1, refused
    assert balance(user.id) == 400 == ledger_sum(user.id)


def test_simultaneous_orders_spending_the_same_credits_from_different_carts(make_user, make_course):
    user = make_user(credit=1000)
    courses = [make_course(price="100.00", credit=300) for _ in range(N)]

    ok, refused = outcomes(one_cart_each(user, courses, body(credit=300)))

    assert len(ok) == 3, refused  # 3 × 300 of 1000 credits
    assert refused == [(400, "credit_insufficient")] * (N - 3)
    assert balance(user.id) == 100 == ledger_sum(user.id)
    assert Order.objects.count() == 3 and all(o.credit == 300 for o in Order.objects.all())


# --- one order, two transitions at once -----------------------------------------------------------------------

def _orders_with_credit(make_user, make_course, count):
    user = make_user(credit=100 * count)
    client = client_of(user)
    orders = []
    for _ in range(count):
        cart_store.set_all_selected(user.id, False)
        put_in_cart(client, make_course(price="50.00", credit=100))
        created = client.post(ORDERS_URL, body(credit=100), format="json")
        assert created.status_code == 201, created.content
        orders.append(Order.objects.get(pk=created.json()["id"]))
    Order.objects.filter(user=user).update(expire_time=timezone.now() - timedelta(seconds=1))
    assert balance(user.id) == 0
    return user, orders


def _race_cancel_and_expiry(user, order):
    """Two cancels (the student's HTTP call) and two expiries (the Celery task's service) of one order at the
    same instant; returns every thread's result, in that order: cancel, expire, expire, cancel."""
    def cancel(number=order.order_number):
        response = client_of(user).post(f"{ORDERS_URL}{number}/cancel/")
        return response.status_code, response.json()

    def expire(order_id=order.id):
        return order_expire(order_id).order_status

    return joined(*in_threads([cancel, expire, expire, cancel]))


def _assert_one_transition(order, results) -> int:
    """Every thread answered (no exception, no 5xx), all four agree on the one transition that happened, and the
    credits went back exactly once. Returns the final status."""
    for result in results:
        assert not isinstance(result, BaseException), repr(result)
    final = Order.objects.get(pk=order.pk).order_status
    assert final in (Order.Status.CANCELLED, Order.Status.TIMEOUT), final
    cancels, expiries = [results[0], results[3]], [results[1], results[2]]
    for status, answer in cancels:
        if final == Order.Status.CANCELLED:  # the cancel that lost to the other cancel is idempotent: 200 too
            assert (status, answer["order_status"]) == (200, Order.Status.CANCELLED), (status, answer)
        else:
            assert (status, answer["code"]) == (400, "order_not_cancellable"), (status, answer)
    assert expiries == [final, final], (expiries, final)
    assert [e.number for e in return_entries(order.order_number)] == [100]
    return final


def test_simultaneous_cancel_and_expiry_make_exactly_one_transition(make_user, make_course):
    user, orders = _orders_with_credit(make_user, make_course, 5)
    for order in orders:
        _assert_one_transition(order, _race_cancel_and_expiry(user, order))
    assert balance(user.id) == 500 == ledger_sum(user.id)


def test_simultaneous_cancel_and_expiry_of_orders_with_a_cashier_link(student, make_course):
    """The same race once a cashier link was issued and the buyer opened the cashier: now every closer asks the
    (sandbox) gateway first — trade.query, then trade.close — before releasing, so four closers of one trade
    call the gateway concurrently, and one of them closes a trade another has just closed."""
    user, orders = student.user, []
    for _ in range(3):
        cart_store.set_all_selected(user.id, False)
        created = student.order([make_course(price="50.00", credit=100).id], credit=100)
        student.click(student.open_cashier(created["order_number"]), "login")  # the trade exists, unpaid
        orders.append(Order.objects.get(pk=created["id"]))
    Order.objects.filter(user=user).update(expire_time=timezone.now() - timedelta(seconds=1))
    assert balance(user.id) == 200

    for order in orders:
        _assert_one_transition(order, _race_cancel_and_expiry(user, order))
        trade = requests.get(f"{student.base}/sandbox/alipay/__sim__/trades/{order.order_number}",
                             timeout=TIMEOUT).json()
        assert trade["status"] == "TRADE_CLOSED", trade
        asked = set(PaymentEvent.objects.filter(order_number=order.order_number).values_list("kind", flat=True))
        assert {"query", "close"} <= asked, asked  # the close path really asked the gateway
        assert not PaymentEvent.objects.filter(order_number=order.order_number, kind__in=("query", "close"),
                                               outcome__startswith="error").exists()
    assert balance(user.id) == 500 == ledger_sum(user.id)


def test_simultaneous_payment_and_expiry_one_wins(make_user, make_course, coupon_for):
    user = make_user()
    put_in_cart(client_of(user), make_course(price="300.00"))
    log = coupon_for(user)
    created = client_of(user).post(ORDERS_URL, body(coupon=log.id), format="json").json()
    Order.objects.filter(pk=created["id"]).update(expire_time=timezone.now() - timedelta(seconds=1))

    paid, expired = joined(*in_threads([lambda: order_mark_paid(order_id=created["id"], trade_no="T-RACE"),
                                        lambda: order_expire(created["id"])]))
    order = Order.objects.get(pk=created["id"])
    log.refresh_from_db()
    if order.order_status == Order.Status.PAID:
        assert paid.newly_paid and expired.order_status == Order.Status.PAID
        assert (log.order_id, log.use_status) == (order.id, CouponLog.Status.USED)
        assert user.user_courses.count() == 1
    else:
        assert order.order_status == Order.Status.TIMEOUT and isinstance(paid, OrderNotPayable)
        assert (log.order_id, log.use_status) == (None, CouponLog.Status.UNUSED)
        assert user.user_courses.count() == 0


# --- lock order: an operator's grant racing a checkout ----------------------------------------------------------

def test_granting_a_coupon_while_its_holder_checks_out_does_not_deadlock(make_user, make_course, make_coupon,
                                                                        grant):
    """Checkout locks user → coupon log; a grant locks the coupon kind, then its new log row checks the user
    (a shared lock on the user row). Checkout must not lock the coupon kind as well, or the two wait for each
    other and MariaDB kills one with a deadlock."""
    user = make_user()
    coupon = make_coupon(per_user_limit=5)
    log = grant(user, coupon)
    put_in_cart(client_of(user), make_course(price="200.00"))

    with transaction.atomic():
        Coupon.objects.select_for_update().get(pk=coupon.pk)  # hold the coupon kind
        granting, grant_result = in_threads([lambda: coupon_grant(coupon_id=coupon.id, user_id=user.id)],
                                            barrier=False)
        wait_for_lock_waits(1)  # the grant queues first for the coupon kind
        checkout, checkout_result = in_threads([post_order(user, body(coupon=log.id))], barrier=False)
        time.sleep(0.5)  # the checkout takes the user's row, then reaches the coupon
    joined(granting + checkout, None)
    results = grant_result + checkout_result

    assert isinstance(results[0], CouponLog), repr(results[0])
    assert not isinstance(results[1], BaseException) and results[1][0] == 201, results[1]
    assert CouponLog.objects.filter(user=user, coupon=coupon).count() == 2
    assert Coupon.objects.get(pk=coupon.pk).remaining == coupon.total - 2


def test_paying_an_order_while_its_coupon_is_chosen_again_does_not_deadlock(make_user, make_course, coupon_for):
    """Payment locks the order, then touches the user row (the FK check of its order/course rows takes a shared
    lock on it) before it consumes the coupon log; checkout locks the user, then the coupon log. Both follow
    order → user → coupon log, so a checkout that reaches for the coupon being paid with waits, then is refused,
    and nobody deadlocks."""
    user = make_user()
    client = client_of(user)
    put_in_cart(client, make_course(price="300.00"))
    log = coupon_for(user)
    created = client.post(ORDERS_URL, body(coupon=log.id), format="json").json()
    put_in_cart(client, make_course(price="200.00"))  # the first course left the cart on commit

    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)  # hold the user row
        checkout, checkout_result = in_threads([post_order(user, body(coupon=log.id))], barrier=False)
        wait_for_lock_waits(1)  # the checkout queues first for the user row
        paying, pay_result = in_threads([lambda: order_mark_paid(order_id=created["id"], trade_no="T-LOCK")],
                                        barrier=False)
        wait_for_lock_waits(2)  # the payment holds the order and waits for the user row too
    joined(checkout + paying, None)

    (status, refused), paid = checkout_result[0], pay_result[0]
    assert not isinstance(paid, BaseException), repr(paid)
    assert paid.newly_paid
    assert (status, refused["code"]) in {(400, "coupon_reserved"), (400, "coupon_used")}, refused
    log.refresh_from_db()
    assert (log.order_id, log.use_status) == (created["id"], CouponLog.Status.USED)
    assert Order.objects.count() == 1


def test_fulfilment_locks_the_order_and_then_its_users_row(user):
    """order_mark_paid takes the documented order → user locks in one joined FOR UPDATE: while it holds them, another
    connection can take neither row (NOWAIT fails at once), and another user's row stays free."""
    from django.db import OperationalError

    from luffycityapi.apps.orders.services import _lock_order_and_user

    other = User.objects.create_user(username="13700000999", mobile="13700000999", password="x")
    order = Order.objects.create(user=user, order_number="LOCK1", total_price=D("10.00"), real_price=D("10.00"),
                                 expire_time=timezone.now() + timedelta(minutes=15))

    def try_lock(table, pk):
        def attempt():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk])
                return "free"
        return attempt

    with transaction.atomic():
        assert _lock_order_and_user(order.id).user_id == user.id
        answers = joined(*in_threads([try_lock("ly_order", order.id), try_lock("ly_users", user.id),
                                      try_lock("ly_users", other.id)], barrier=False))
    assert isinstance(answers[0], OperationalError) and isinstance(answers[1], OperationalError), answers
    assert answers[2] == "free"


def test_releasing_an_order_with_credits_while_its_owner_checks_out_does_not_deadlock(make_user, make_course):
    """Found by the soak: a release rewrote the order's status before locking the user, and that write takes a
    shared lock on the user's row (MariaDB's foreign-key check for ly_order.user_id, through the status index);
    its credit return then asked for the exclusive lock while a checkout of the same student was queued for it:
    a deadlock, and the checkout answered 503. Forced here: the user's row is held, the release queues for it
    after locking the order, a checkout queues behind; then both are let go."""
    from luffycityapi.apps.orders.services import order_release

    user, orders = _orders_with_credit(make_user, make_course, 1)
    order = orders[0]
    put_in_cart(client_of(user), make_course(price="30.00"))
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        threads, results = in_threads([lambda: order_release(order_id=order.id, new_status=Order.Status.CANCELLED)],
                                      barrier=False)
        _wait_for_innodb_lock_waits(1)  # the release holds the order and waits for the user
        more_threads, more_results = in_threads([post_order(user, body())], barrier=False)
        _wait_for_innodb_lock_waits(2)
    joined(threads + more_threads, None)
    released, (status, created) = results[0], more_results[0]
    assert not isinstance(released, BaseException), released
    assert released.order_status == Order.Status.CANCELLED
    assert status == 201, created
    assert balance(user.id) == ledger_sum(user.id)


def _wait_for_innodb_lock_waits(n: int, timeout: float = 30) -> None:
    """Until n transactions wait on a row lock, whatever statement waits (an UPDATE's foreign-key check too).
    Polled slowly: InnoDB refreshes INNODB_TRX at most every 0.1 s."""
    deadline = time.monotonic() + timeout
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'")
            if cursor.fetchone()[0] >= n:
                return
        if time.monotonic() > deadline:
            with connection.cursor() as cursor:
                cursor.execute("SELECT trx_id, trx_state, trx_query FROM information_schema.INNODB_TRX")
                pytest.fail(f"expected {n} transactions waiting on a row lock: {cursor.fetchall()}")
        time.sleep(0.2)
