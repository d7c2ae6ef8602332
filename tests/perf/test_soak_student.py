"""The soak's student against a live shop: an order POST whose answer was lost with a killed node is sent again by
the client; when the first try had also emptied the cart, the second is refused `cart_empty`, and the student must
find the order the first try made (not stop the soak as if the shop had lost it)."""
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
