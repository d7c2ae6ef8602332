"""The catalogue and the cart cost a fixed number of queries however many courses they show (no N+1)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luffycityapi.apps.courses.models import CourseCategory, CourseChapter, CourseDiscount, CourseLesson

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_course(make_course, make_discount):
    """A course with everything a serializer might fetch lazily: category, two discounts, chapters, lessons."""
    category = CourseCategory.objects.create(name="Python")

    def make():
        course = make_course(category=category)
        make_discount(course, kind=CourseDiscount.Kind.PERCENT, value="0.90")
        make_discount(course, kind=CourseDiscount.Kind.FIXED, value="50.00")
        chapter = CourseChapter.objects.create(course=course, name="第一章")
        CourseLesson.objects.create(chapter=chapter, name="第一节")
        return course

    return make


def queries_for(client, path, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return len(captured)


def test_course_list_queries_do_not_grow_with_the_courses(api_client, rich_course):
    rich_course()
    with_one = queries_for(api_client, "/api/courses/", size=50)
    for _ in range(9):
        rich_course()

    with_ten = queries_for(api_client, "/api/courses/", size=50)

    assert with_ten == with_one
    assert with_ten <= 3  # count, page, discounts with their activities (category comes in the page's join)


def test_course_detail_queries_do_not_grow_with_chapters(api_client, rich_course):
    course = rich_course()
    small = queries_for(api_client, f"/api/courses/{course.id}/")
    for n in range(5):
        chapter = CourseChapter.objects.create(course=course, name=f"章 {n}")
        CourseLesson.objects.create(chapter=chapter, name="节")

    assert queries_for(api_client, f"/api/courses/{course.id}/") == small


@pytest.mark.parametrize("path", ["/api/cart/", "/api/cart/order/"])
def test_cart_queries_do_not_grow_with_its_lines(auth_client, rich_course, path):
    auth_client.post("/api/cart/", {"course_id": rich_course().id}, format="json")
    with_one = queries_for(auth_client, path)
    for _ in range(9):
        auth_client.post("/api/cart/", {"course_id": rich_course().id}, format="json")

    with_ten = queries_for(auth_client, path)

    assert len(auth_client.get(path).json()["cart"]) == 10
    assert with_ten == with_one
    assert with_ten <= 3  # the token's user, the courses, their discounts


# --- the checkout's hot paths (issue #19): what each statement costs is paid at every checkout and payment --------

def statements(captured) -> list[str]:
    """The queries, without the transaction's own BEGIN / COMMIT / SAVEPOINT (which backends log differently)."""
    skip = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
    return [q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(skip)]


def _cart_of(client, courses):
    for course in courses:
        assert client.post("/api/cart/", {"course_id": course.id}, format="json").status_code == 201


CHOICE = {"pay_type": 0, "user_coupon_id": -1, "credit": 0}


def test_quote_costs_three_queries_however_many_courses(auth_client, rich_course):
    _cart_of(auth_client, [rich_course() for _ in range(3)])
    with CaptureQueriesContext(connection) as captured:
        response = auth_client.post("/api/orders/quote/", CHOICE, format="json")

    assert response.status_code == 200, response.content
    # the token's user (its credits and wallet balance too), the lines with their discounts, owned + unpaid holds
    # in one UNION
    assert len(statements(captured)) <= 3, statements(captured)


def test_order_create_costs_six_queries_however_many_courses(auth_client, rich_course):
    _cart_of(auth_client, [rich_course() for _ in range(3)])
    with CaptureQueriesContext(connection) as captured:  # the tests' eager expiry task (after commit) not counted
        response = auth_client.post("/api/orders/", CHOICE, format="json")

    assert response.status_code == 201, response.content
    # the token's user, the lines, the user locked, owned + unpaid holds in one UNION, the order, its lines in
    # one INSERT (no balance read: Alipay pays, not the wallet)
    assert len(statements(captured)) <= 6, statements(captured)


def test_a_first_notify_costs_seven_queries_and_a_duplicate_two(auth_client, rich_course, client,
                                                                django_capture_on_commit_callbacks):
    from urllib.parse import urlencode

    from harness.alipay import notify_params
    from luffycityapi.apps.alipay_sandbox.signing import sign_params
    from luffycityapi.apps.users.models import UserCourse

    courses = [rich_course() for _ in range(3)]
    _cart_of(auth_client, courses)
    with django_capture_on_commit_callbacks(execute=True):
        order = auth_client.post("/api/orders/", CHOICE, format="json").json()
    body = urlencode(sign_params(notify_params(order["order_number"], order["real_price"])))

    def notify():
        with CaptureQueriesContext(connection) as captured:
            response = client.post("/api/payments/alipay/notify", body,
                                   content_type="application/x-www-form-urlencoded; charset=utf-8")
        assert response.content == b"success"
        return statements(captured)

    first = notify()
    # the order read, the event, the order and user locked, the order paid, the coupon consumed, the courses
    # granted straight from the lines (INSERT … SELECT), the event's outcome
    assert len(first) <= 7, first  # 8 before the grant selected the lines itself
    assert set(UserCourse.objects.filter(user=auth_client.user).values_list("course_id", flat=True)) == {
        c.id for c in courses}
    assert len(notify()) <= 2  # a duplicate: the order read and its event
