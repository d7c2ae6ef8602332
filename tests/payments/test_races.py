"""Concurrency against the live server's threads (each request on its own database connection): many deliveries of
one payment, and a payment racing the expiry. The free-running races need MariaDB's row locks (marked); the races
with a forced ordering (sandbox faults hold one side) run on both stacks."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from django.db import connections
from django.utils import timezone

from luffycityapi.apps.coupon.models import CouponLog
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments.audit import run_audit
from luffycityapi.apps.payments.models import PaymentEvent, PaymentIssue, Refund
from luffycityapi.apps.users.models import Credit, User, UserCourse

from .conftest import TIMEOUT, notify_params, sign_params, wait_for

def _together(calls):
    """Run the callables at the same instant (a barrier), each in its own thread; returns their results."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            return call()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _post_notify(base, params):
    return lambda: requests.post(f"{base}/api/payments/alipay/notify", data=urlencode(params), timeout=TIMEOUT,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"}).text


@pytest.mark.mariadb
def test_the_same_notify_twenty_times_at_once_fulfils_once(student, make_course):
    course = make_course(price="100.00")
    order = student.order([course.id])
    params = sign_params(notify_params(order["order_number"], "100.00"))
    answers = _together([_post_notify(student.base, params)] * 20)
    assert answers == ["success"] * 20
    outcomes = list(PaymentEvent.objects.filter(kind="notify").values_list("outcome", flat=True))
    assert outcomes.count("fulfilled") == 1 and outcomes.count("duplicate") == 19
    assert UserCourse.objects.filter(user=student.user, course=course).count() == 1
    assert {k: v for k, v in run_audit().items() if v} == {}


@pytest.mark.mariadb
def test_notify_return_and_query_at_once_fulfil_once(student, make_course):
    course = make_course(price="50.00")
    order = student.order([course.id])
    number = order["order_number"]
    cashier = student.open_cashier(number)
    student.sim("config", notify_order="never")
    back = urlsplit(student.click(cashier, "pay").headers["Location"])
    trade = requests.get(f"{student.base}/sandbox/alipay/__sim__/trades/{number}", timeout=TIMEOUT).json()
    trade_no = trade.get("trade_no") or trade.get("trade", {}).get("trade_no")
    params = sign_params(notify_params(number, "50.00", trade_no=trade_no))
    results = _together([
        _post_notify(student.base, params),
        lambda: student.call("GET", f"/api/payments/alipay/result/?{back.query}").status_code,
        lambda: student.call("GET", f"/api/payments/alipay/query/{number}/").status_code,
    ])
    assert results == ["success", 200, 200]
    assert Order.objects.get(order_number=number).order_status == Order.Status.PAID
    assert UserCourse.objects.filter(user=student.user, course=course).count() == 1
    assert {k: v for k, v in run_audit().items() if v} == {}


# --- the buyer's payment (and the sandbox's own notify) against the order's expiry --------------------------------
# At Alipay a notify only ever follows a real payment, so every case below pays at the sandbox (its control API is
# the one-step cashier pay) and lets the sandbox deliver its own signed notify to the live shop. What may differ is
# where the payment lands among expiry's steps (trade.query → trade.close → release); in every case the end is one
# of three consistent states, and the shop's books agree with the gateway's trade:
#   "paid"          the order paid, coupon used / credits spent, the course granted; the trade TRADE_SUCCESS
#   "late_refunded" the order timed out, coupon and credits back, no course; the trade paid and then refunded in
#                   full under L<order_number> (TRADE_CLOSED), the shop's refund succeeded, its issue refunded
#   "closed_unpaid" the order timed out, coupon and credits back, no course; the trade closed unpaid (the close
#                   won over a buyer already logged in, whose payment Alipay then refused)

def _sandbox_trade(student, number) -> dict:
    return requests.get(f"{student.base}/sandbox/alipay/__sim__/trades/{number}", timeout=TIMEOUT).json()


def _faults_used_up(student) -> bool:
    faults = requests.get(f"{student.base}/sandbox/alipay/__sim__/faults", timeout=TIMEOUT).json()["faults"]
    return all(f["remaining"] == 0 for f in faults)


def _overdue_order(student, make_course, *, use: str, logged_in: bool) -> dict:
    """An order holding a fresh coupon or 100 credits, its cashier opened (and the buyer logged in, so a trade
    exists at Alipay, when `logged_in`), and its deadline just passed."""
    from luffycityapi.apps.coupon.models import Coupon
    from luffycityapi.apps.coupon.services import coupon_grant
    from luffycityapi.apps.users.services import credit_change

    course = make_course(price="300.00", credit=1000)
    if use == "coupon":
        now = timezone.now()
        coupon = Coupon.objects.create(name="满100减20", discount=Coupon.Kind.AMOUNT, amount=Decimal("20.00"),
                                       condition=Decimal("100.00"), start_time=now - timedelta(days=1),
                                       end_time=now + timedelta(days=1))
        log = coupon_grant(coupon_id=coupon.id, user_id=student.user.id)
        order = student.order([course.id], coupon_id=log.id)
        assert order["real_price"] == "280.00"
        order["coupon_log_id"] = log.id
    else:
        credit_change(user_id=student.user.id, number=100, operation=Credit.Operation.GIFT, remark="race round")
        order = student.order([course.id], credit=100)
        assert order["real_price"] == "290.00"
    order["use"], order["course_id"] = use, course.id
    order["balance"] = User.objects.get(pk=student.user.pk).credit  # after the order took its credits
    cashier = student.open_cashier(order["order_number"])
    if logged_in:
        student.click(cashier, "login")
    Order.objects.filter(pk=order["id"]).update(expire_time=timezone.now() - timedelta(seconds=1))
    return order


def _expire(order_id):
    from luffycityapi.apps.orders.services import order_expire

    def run():
        try:
            return order_expire(order_id).order_status
        except Exception as exc:  # noqa: BLE001 - reported by the assertion on the result
            return repr(exc)

    return run


def _settled(student, number) -> dict:
    """Wait until the gateway has nothing left in flight for the order: a payment's notify answered `success`."""
    def done():
        trade = _sandbox_trade(student, number)
        if trade["gmt_payment"] and not any(n["state"] == "delivered" for n in trade["notifications"]):
            return None
        return trade

    return wait_for(done, what=f"the sandbox's notify for {number} to be acknowledged")


def _consistent(student, order) -> str:
    """Assert the order ended in one consistent state that the gateway agrees with; returns which."""
    number, real_price = order["order_number"], order["real_price"]
    trade = _settled(student, number)
    final = Order.objects.get(pk=order["id"])
    owned = UserCourse.objects.filter(user=student.user, course_id=order["course_id"]).count()
    ledger = list(Credit.objects.filter(order_number=number).order_by("id").values_list("operation", "number"))
    balance = User.objects.get(pk=student.user.pk).credit
    coupon = CouponLog.objects.filter(pk=order.get("coupon_log_id")).values_list("use_status", "order_id").first()
    refunds = list(Refund.objects.filter(order_id=order["id"]).values_list("out_request_no", "amount", "status"))
    issues = list(PaymentIssue.objects.filter(order_id=order["id"]).values_list("kind", "provider_trade_no", "status"))
    gateway_refunds = [(r["out_request_no"], r["refund_amount"]) for r in trade["refunds"]]
    notify_answers = {a["response_body"] for n in trade["notifications"] for a in n["attempt_log"]}
    assert notify_answers <= {"success"}, notify_answers  # the shop never refused a real payment's notify
    spent = [(Credit.Operation.SPEND, -100)] if order["use"] == "credit" else []
    if final.order_status == Order.Status.PAID:
        assert owned == 1
        assert (trade["status"], trade["trade_no"], trade["total_amount"]) == ("TRADE_SUCCESS", final.trade_no,
                                                                               real_price)
        assert gateway_refunds == [] and refunds == [] and issues == []
        # Consumed, and nothing given back: the coupon used by this order, the credits spent once.
        assert coupon == ((CouponLog.Status.USED, final.id) if order["use"] == "coupon" else None)
        assert ledger == spent and balance == order["balance"]
        outcome = "paid"
    else:
        assert final.order_status == Order.Status.TIMEOUT, final.order_status
        assert owned == 0 and trade["status"] == "TRADE_CLOSED"
        # Released, and not consumed: the coupon free again, the credits returned exactly once.
        assert coupon == ((CouponLog.Status.UNUSED, None) if order["use"] == "coupon" else None)
        assert ledger == spent + [(Credit.Operation.RETURN, 100)] * len(spent)
        assert balance == order["balance"] + 100 * len(spent)
        if trade["gmt_payment"]:  # paid at Alipay after the close: refunded in full, once
            assert gateway_refunds == [(f"L{number}", real_price)] and trade["refund_fee"] == real_price
            assert refunds == [(f"L{number}", Decimal(real_price), Refund.Status.SUCCEEDED)]
            assert issues == [(PaymentIssue.Kind.LATE_PAYMENT, trade["trade_no"], PaymentIssue.Status.REFUNDED)]
            outcome = "late_refunded"
        else:  # closed before the buyer could pay: no money moved anywhere
            assert gateway_refunds == [] and refunds == [] and issues == [] and trade["refund_fee"] == "0.00"
            outcome = "closed_unpaid"
    assert {k: v for k, v in run_audit().items() if v} == {}
    return outcome


def _close_answer(number) -> dict | None:
    event = PaymentEvent.objects.filter(order_number=number, kind="close").first()
    return event.response if event else None


def _pay_while_expirys_close_is_held(student, order, fault: str, settle: float = 0.0) -> dict | None:
    """Expire the order in a thread while the sandbox holds its trade.close with `fault` (delay: before the close
    is done; sleep: after it, before the answer); the buyer pays in that window and the notify fulfils the order.
    Expiry must end PAID. Returns the close's recorded answer."""
    number = order["order_number"]
    student.sim("faults", method="alipay.trade.close", kind=fault, count=1, seconds=1.5)
    expiry = ThreadPoolExecutor(max_workers=1)
    result = expiry.submit(lambda: (_expire(order["id"])(), connections.close_all())[0])
    wait_for(lambda: _faults_used_up(student), what="expiry's close to reach the gateway")
    time.sleep(settle)
    student.sim(f"trades/{number}/pay")
    wait_for(lambda: PaymentEvent.objects.filter(kind="notify", order_number=number, outcome="fulfilled").exists(),
             what="the notify, while the close is held")
    assert result.result(timeout=TIMEOUT) == Order.Status.PAID
    expiry.shutdown()
    return _close_answer(number)


USES = ["coupon", "credit"]


@pytest.mark.parametrize("use", USES)
def test_payment_and_notify_before_expiry_then_expiry_is_a_no_op(student, make_course, use):
    order = _overdue_order(student, make_course, use=use, logged_in=False)
    number = order["order_number"]
    student.sim(f"trades/{number}/pay")  # the sandbox's own notify goes out at once
    wait_for(lambda: PaymentEvent.objects.filter(kind="notify", order_number=number, outcome="fulfilled").exists(),
             what="the notify")
    assert _expire(order["id"])() == Order.Status.PAID
    assert _consistent(student, order) == "paid"
    assert not PaymentEvent.objects.filter(order_number=number, kind__in=("query", "close")).exists()


@pytest.mark.parametrize("use", USES)
def test_payment_before_expiry_with_its_notify_after_it(student, make_course, use):
    """Paid just before the deadline, the notify late: expiry's trade.query finds the payment and fulfils; the
    notify that follows is a duplicate."""
    order = _overdue_order(student, make_course, use=use, logged_in=True)
    number = order["order_number"]
    student.sim("config", notify_order="never")
    student.sim(f"trades/{number}/pay")
    assert _expire(order["id"])() == Order.Status.PAID
    assert _close_answer(number) is None  # the query found it paid: nothing to close
    student.sim(f"trades/{number}/notify/resend")
    assert _consistent(student, order) == "paid"
    outcomes = list(PaymentEvent.objects.filter(kind="notify", order_number=number).values_list("outcome", flat=True))
    assert outcomes == ["duplicate"]


@pytest.mark.parametrize("use", USES)
def test_payment_and_notify_between_expirys_query_and_close(student, make_course, use):
    """The sandbox holds expiry's trade.close (a `delay` fault); meanwhile the buyer pays and the sandbox's notify
    fulfils the order. The close then reaches a paid trade and is refused; expiry asks again and finds it paid."""
    order = _overdue_order(student, make_course, use=use, logged_in=True)
    assert _pay_while_expirys_close_is_held(student, order, "delay") == {"result": "already_paid"}
    assert _consistent(student, order) == "paid"


@pytest.mark.parametrize("use", USES)
def test_payment_and_notify_between_expirys_close_and_release(student, make_course, use):
    """The buyer never logged in, so Alipay answers the close with TRADE_NOT_EXIST — and the answer is late (a
    `sleep` fault: the close is done, the reply waits). In that gap the buyer pays and the notify fulfils the order;
    expiry's release then finds it paid and leaves it be."""
    order = _overdue_order(student, make_course, use=use, logged_in=False)
    # the close is processed in milliseconds; its answer then sleeps
    assert _pay_while_expirys_close_is_held(student, order, "sleep", settle=0.3) == {"result": "not_exist"}
    assert _consistent(student, order) == "paid"


@pytest.mark.parametrize("use", USES)
def test_payment_after_expiry_is_refunded_as_a_late_payment(student, make_course, use):
    """Expiry closes first (TRADE_NOT_EXIST: the buyer had not logged in) and releases; the buyer then pays on the
    cashier that is still open. The sandbox's notify is a late payment: refunded under L<order_number>."""
    order = _overdue_order(student, make_course, use=use, logged_in=False)
    number = order["order_number"]
    assert _expire(order["id"])() == Order.Status.TIMEOUT
    assert _close_answer(number) == {"result": "not_exist"}
    assert student.sim(f"trades/{number}/pay")["paid_now"] is True
    assert _consistent(student, order) == "late_refunded"
    outcomes = list(PaymentEvent.objects.filter(kind="notify", order_number=number).values_list("outcome", flat=True))
    assert outcomes == ["late_payment"]


@pytest.mark.parametrize("use", USES)
def test_close_before_a_logged_in_buyer_pays_leaves_nothing_to_refund(student, make_course, use):
    order = _overdue_order(student, make_course, use=use, logged_in=True)
    number = order["order_number"]
    assert _expire(order["id"])() == Order.Status.TIMEOUT
    assert _close_answer(number) == {"result": "closed"}
    assert student.sim(f"trades/{number}/pay")["paid_now"] is False  # Alipay refuses to take the money
    assert _consistent(student, order) == "closed_unpaid"


ROUNDS = 12


@pytest.mark.mariadb
@pytest.mark.parametrize("mode", ["paying", "paid_notify"])
def test_payment_or_notify_against_expiry_at_the_same_instant_is_always_consistent(student, make_course, mode):
    """Many rounds of the real race, released by a barrier: expiry against the buyer paying (whose notify the
    sandbox sends at once), or — the payment already made at Alipay — expiry against the sandbox delivering its
    held notify. Coupon and credit orders alternate, and so do buyers not yet / already logged in; one side starts
    0–55 ms after the barrier (a fixed schedule: the buyer's pay, or expiry against the slower resent notify) so
    that the payment or notify lands at different steps of expiry. Every round must end consistent; which state it
    ends in is up to the race (the tests above force each one)."""
    if mode == "paid_notify":
        student.sim("config", notify_order="never")
    seen = []
    for n in range(ROUNDS):
        order = _overdue_order(student, make_course, use=USES[n % 2], logged_in=bool(n // 2 % 2))
        number = order["order_number"]
        if mode == "paid_notify":
            student.sim(f"trades/{number}/pay")
        path = f"trades/{number}/notify/resend" if mode == "paid_notify" else f"trades/{number}/pay"
        lag = (n * 7 % 12) * 0.005

        def buyer(path=path, lag=lag):
            time.sleep(0 if mode == "paid_notify" else lag)
            return student.sim(path)

        def expire(run=_expire(order["id"]), lag=lag):
            time.sleep(lag if mode == "paid_notify" else 0)  # the resent notify takes longer to arrive than a pay
            return run()

        expired, _ = _together([expire, buyer])
        assert expired in (Order.Status.PAID, Order.Status.TIMEOUT), expired
        outcome = _consistent(student, order)
        assert outcome == {Order.Status.PAID: "paid"}.get(expired, outcome)  # expiry's answer is the final state
        notify = list(PaymentEvent.objects.filter(kind="notify", order_number=number).values_list("outcome",
                                                                                                   flat=True))
        if outcome == "paid":
            # Fulfilled once: by the notify, or by expiry's query with the notify then a duplicate.
            assert notify in (["fulfilled"], ["duplicate"]), notify
            by = "notify" if notify == ["fulfilled"] else "expiry"
            assert by == "notify" or PaymentEvent.objects.filter(order_number=number, kind="query",
                                                                 outcome="TRADE_SUCCESS").exists()
            outcome = f"paid by {by}"
        if mode == "paid_notify":
            assert outcome.startswith("paid")  # paid at Alipay before the deadline: never closed, never refunded
        seen.append(outcome)
    print(f"\n{mode}: {ROUNDS} rounds ended {sorted(set(seen))}: {seen}")
