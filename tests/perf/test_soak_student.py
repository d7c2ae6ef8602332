"""The soak's student against a live shop, when an answer is lost with a killed worker or node and the client sends
the request again: an order POST whose first try had also emptied the cart is refused `cart_empty`, and the student
must find the order the first try made; a WeChat pay whose first try was taken is refused ORDERPAID, and the student
must find the trade paid (not stop the soak as if the shop or the sandbox had lost them)."""
import pytest

from soak import shop, students

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def soak_shop(live_server, make_course):
    shop.connect(live_server.url)
    shop.stats = shop.Stats()
    students.stats = shop.stats
    yield [make_course(price="99.00").id, make_course(price="59.00").id]
    shop.connect("")


def _lose_the_first_order_answer(monkeypatch):
    """The first order POST reaches the shop and commits, then its answer is lost and the client sends it again
    (as shop.call does after a proxy failure explained by a kill): the caller sees only the second answer."""
    real_call, sent = shop.call, []

    def call(kind, method, path, **kwargs):
        if kind == "order" and not sent:
            sent.append(real_call(kind, method, path, **kwargs).json()["order_number"])
        return real_call(kind, method, path, **kwargs)

    monkeypatch.setattr(students, "call", call)
    return sent


def test_an_order_whose_answer_was_lost_is_found_among_the_students_unpaid_orders(soak_shop, monkeypatch):
    student = students.Student(9001)
    student.register_and_login()
    first_try = _lose_the_first_order_answer(monkeypatch)

    order = student.order(soak_shop)

    assert order["order_number"] == first_try[0]
    assert sorted(line["id"] for line in order["courses"]) == sorted(soak_shop)
    assert shop.stats.orders_found_after_lost_answer == 1 and shop.stats.violations == []


def test_an_empty_cart_with_no_order_made_still_stops_the_student(soak_shop, monkeypatch):
    student = students.Student(9002)
    student.register_and_login()
    real_call = shop.call

    def call(kind, method, path, **kwargs):
        if kind == "order":  # the cart was emptied, and no order holds these courses
            real_call("cart", "DELETE", f"/api/cart/?course_id={soak_shop[0]}", token=student.token)
            real_call("cart", "DELETE", f"/api/cart/?course_id={soak_shop[1]}", token=student.token)
        return real_call(kind, method, path, **kwargs)

    monkeypatch.setattr(students, "call", call)
    with pytest.raises(RuntimeError, match="cart_empty"):
        student.order(soak_shop)
    assert shop.stats.orders_found_after_lost_answer == 0


def test_a_wechat_payment_whose_answer_was_lost_stands_when_the_trade_is_paid(soak_shop, live_server, settings,
                                                                             monkeypatch):
    """The phone's pay reaches the sandbox and is taken, its answer is cut off with a killed worker, and the
    client's second try is refused ORDERPAID: the student looks at the trade, finds it paid, and goes on."""
    import requests

    base = live_server.url
    settings.SITE_URL = base
    settings.WECHATPAY_GATEWAY = f"{base}/sandbox/wechatpay"
    settings.WECHATPAY_NOTIFY_URL = f"{base}/api/payments/wechat/notify"
    settings.WECHATPAY_SANDBOX_TIME_SCALE = 0.001
    requests.post(f"{base}/sandbox/wechatpay/__sim__/reset", timeout=30).raise_for_status()
    student = students.Student(9003)
    student.register_and_login()
    number = student.order(soak_shop, pay_type=1)["order_number"]
    real_wsim = shop.wsim

    def wsim(path, http="POST", **body):
        if path.endswith("/pay"):
            assert real_wsim(path, http, **body).json()["trade_state"] == "SUCCESS"  # taken; its answer lost
        return real_wsim(path, http, **body)

    monkeypatch.setattr(students, "wsim", wsim)
    students.pay_with_wechat(student, number)
    assert shop.stats.violations == [] and shop.stats.payments_found_after_lost_answer == 1
    assert shop.stats.wechat_paid == 1
