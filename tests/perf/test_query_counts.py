"""No N+1 on the list endpoints tests/core/test_query_counts.py does not cover: a user's orders, purchased
courses, credit ledger and usable coupons cost a fixed number of queries however many rows they show. And the
cached catalogue: a warm read does no query at all, and a change is visible at once."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from luffycityapi.apps.courses.models import CourseChapter, CourseLesson

pytestmark = pytest.mark.django_db


def queries_for(client, path, **params) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def _order(user, courses, number):
    from luffycityapi.apps.orders.models import Order, OrderDetail

    order = Order.objects.create(user=user, order_number=number, expire_time=timezone.now() + timedelta(minutes=15),
                                 total_price=sum(c.price for c in courses), real_price=sum(c.price for c in courses))
    OrderDetail.objects.bulk_create([OrderDetail(order=order, course=c, name=c.name, price=c.price,
                                                 real_price=c.price) for c in courses])
    return order


def test_order_list_queries_do_not_grow_with_orders_or_their_courses(auth_client, make_course):
    _order(auth_client.user, [make_course()], "P0001")
    one, body = queries_for(auth_client, "/api/orders/", size=50)
    for n in range(2, 9):
        _order(auth_client.user, [make_course() for _ in range(3)], f"P{n:04d}")

    many, body = queries_for(auth_client, "/api/orders/", size=50)

    assert body["count"] == 8 and sum(len(o["courses"]) for o in body["results"]) == 22
    assert many == one
    assert many <= 4  # the token's user, count, the page, its lines with their courses


def test_order_list_refunds_cost_one_query_for_the_page(auth_client, make_course):
    """Paid orders' cards show their refunds (payments' records, through orders' hook): one query for the page."""
    from luffycityapi.apps.orders.models import Order
    from luffycityapi.apps.payments.models import Refund

    def paid_with_refund(number, courses):
        order = _order(auth_client.user, courses, number)
        Order.objects.filter(pk=order.pk).update(order_status=Order.Status.PAID, pay_time=timezone.now())
        Refund.objects.create(order=order, out_request_no=f"R{number}", amount=courses[0].price,
                              reason=Refund.Reason.ADMIN, course_ids=[courses[0].id], status=Refund.Status.SUCCEEDED)

    paid_with_refund("P0001", [make_course(), make_course()])
    one, _ = queries_for(auth_client, "/api/orders/", size=50)
    for n in range(2, 7):
        paid_with_refund(f"P{n:04d}", [make_course() for _ in range(3)])

    many, body = queries_for(auth_client, "/api/orders/", size=50)

    assert body["count"] == 6 and all(o["refund_state"] == "partial" for o in body["results"])
    assert many == one
    assert many <= 5  # the token's user, count, the page, its lines with their courses, the page's refunds


def test_my_courses_queries_do_not_grow_with_the_courses(auth_client, make_course):
    from luffycityapi.apps.users.services import user_courses_grant

    user_courses_grant(user_id=auth_client.user.id, course_ids=[make_course().id], order_number="P1")
    one, _ = queries_for(auth_client, "/api/users/courses/")
    user_courses_grant(user_id=auth_client.user.id, course_ids=[make_course().id for _ in range(9)],
                       order_number="P2")

    many, body = queries_for(auth_client, "/api/users/courses/")

    assert len(body) == 10 and all(row["course"]["name"] for row in body)
    assert many == one
    assert many <= 2  # the token's user, the user's courses joined with the courses


def test_credit_ledger_queries_do_not_grow_with_entries(auth_client):
    from luffycityapi.apps.users.models import Credit
    from luffycityapi.apps.users.services import credit_change

    credit_change(user_id=auth_client.user.id, number=10, operation=Credit.Operation.GIFT, remark="1")
    one, _ = queries_for(auth_client, "/api/users/credits/", size=50)
    for n in range(9):
        credit_change(user_id=auth_client.user.id, number=5, operation=Credit.Operation.GIFT, remark=f"{n}")

    many, body = queries_for(auth_client, "/api/users/credits/", size=50)

    assert body["count"] == 10
    assert many == one
    assert many <= 3  # the token's user, count, the page


def test_usable_coupons_queries_do_not_grow_with_coupons(auth_client, make_course):
    from luffycityapi.apps.coupon.models import Coupon, CouponLog

    courses = [make_course(price="300.00") for _ in range(3)]
    for course in courses:
        assert auth_client.post("/api/cart/", {"course_id": course.id}, format="json").status_code == 201
    now = timezone.now()

    def grant(scope):
        coupon = Coupon.objects.create(name="满100减20", amount=Decimal("20.00"), condition=Decimal("100.00"),
                                       scope=scope, start_time=now - timedelta(days=1),
                                       end_time=now + timedelta(days=1))
        if scope == Coupon.Scope.COURSES:
            coupon.courses.set(courses[:2])
        CouponLog.objects.create(user=auth_client.user, coupon=coupon)

    grant(Coupon.Scope.COURSES)
    one, _ = queries_for(auth_client, "/api/coupon/enable/")
    for n in range(9):
        grant(Coupon.Scope.COURSES if n % 2 else Coupon.Scope.ALL)

    many, body = queries_for(auth_client, "/api/coupon/enable/")

    assert len(body["coupon_list"]) == 10
    assert many == one


# --- the cached catalogue --------------------------------------------------------------------------------------

def test_a_warm_catalogue_read_does_no_query(api_client, make_course):
    course = make_course()
    queries_for(api_client, "/api/courses/")
    queries_for(api_client, f"/api/courses/{course.id}/")

    assert queries_for(api_client, "/api/courses/")[0] == 0
    assert queries_for(api_client, f"/api/courses/{course.id}/")[0] == 0


def test_every_catalogue_change_is_visible_at_once(api_client, make_course, make_discount):
    from luffycityapi.apps.courses.models import CourseCategory

    course = make_course(price="100.00")
    detail = f"/api/courses/{course.id}/"
    queries_for(api_client, "/api/courses/"), queries_for(api_client, detail)

    course.price = Decimal("120.00")
    course.save()
    assert queries_for(api_client, "/api/courses/")[1]["results"][0]["price"] == "120.00"

    discount = make_discount(course, value="0.50")
    assert queries_for(api_client, detail)[1]["discount"]["price"] == "60.00"
    discount.activity.end_time = timezone.now() - timedelta(minutes=1)
    discount.activity.start_time = timezone.now() - timedelta(hours=2)
    discount.activity.save()
    assert queries_for(api_client, detail)[1]["discount"] == {}

    course.category = CourseCategory.objects.create(name="Go")
    course.save()
    course.category.name = "Golang"
    course.category.save()
    assert queries_for(api_client, "/api/courses/")[1]["results"][0]["category"] == "Golang"

    chapter = CourseChapter.objects.create(course=course, name="第一章")
    CourseLesson.objects.create(chapter=chapter, name="第一节")
    assert queries_for(api_client, detail)[1]["chapters"][0]["lessons"][0]["name"] == "第一节"
    chapter.delete()
    assert queries_for(api_client, detail)[1]["chapters"] == []

    course.is_show = False
    course.save()
    assert queries_for(api_client, "/api/courses/")[1]["count"] == 0
    assert api_client.get(detail).status_code == 404


def test_cached_discounts_open_close_and_count_down_by_the_clock(make_course, make_discount):
    """The cache holds absolute windows; what is shown is decided per request, so neither the discount nor its
    `expire` seconds go stale while the entry lives."""
    from luffycityapi.apps.courses import selectors
    from luffycityapi.apps.courses.pricing import active_discount, course_windows

    now = timezone.now()
    course = make_course(price="100.00")
    make_discount(course, value="0.80", start=now - timedelta(hours=1), end=now + timedelta(hours=1))
    make_discount(course, kind=1, value="50.00", start=now + timedelta(hours=2), end=now + timedelta(hours=3))
    course = selectors.course_list().get(pk=course.id)
    windows = course_windows(course)

    for moment in (now, now + timedelta(minutes=30), now + timedelta(hours=1, minutes=30),
                   now + timedelta(hours=2, seconds=1), now + timedelta(hours=4)):
        expected = active_discount(course, moment)
        assert selectors.discount_at(windows, moment) == (expected.as_api(moment) if expected else {})
    assert selectors.discount_at(windows, now + timedelta(minutes=30))["expire"] == 1800
    assert selectors.discount_at(windows, now + timedelta(hours=2, seconds=1))["price"] == "50.00"


def test_the_hand_built_course_rows_equal_drfs_own(make_course, make_discount):
    """CourseSerializer builds its dict directly for speed; it must be exactly what DRF's field walk makes."""
    from rest_framework import serializers

    from luffycityapi.apps.courses import selectors
    from luffycityapi.apps.courses.models import CourseCategory
    from luffycityapi.apps.courses.serializers import CourseDetailSerializer, CourseSerializer

    plain = make_course(price="99.50", credit=30, brief="简介", cover="/c.png", level=2, students=7)
    discounted = make_course(price="1579.00", category=CourseCategory.objects.create(name="Python"))
    make_discount(discounted, value="0.88")
    chapter = CourseChapter.objects.create(course=discounted, name="第一章")
    CourseLesson.objects.create(chapter=chapter, name="第一节", duration=600, free_trail=True)
    now = timezone.now()

    for course in selectors.course_list():
        fast = CourseSerializer(course, context={"now": now})
        assert fast.data == serializers.ModelSerializer.to_representation(fast, course)
        assert list(fast.data) == list(serializers.ModelSerializer.to_representation(fast, course))
    detail = selectors.course_detail(discounted.id)
    fast = CourseDetailSerializer(detail, context={"now": now})
    assert fast.data == serializers.ModelSerializer.to_representation(fast, detail)
    assert plain.id in {c.id for c in selectors.course_list()}


def test_checkout_lines_price_exactly_as_the_catalogue_does(user, make_course, make_discount):
    """Checkout prices from one lean query (courses_for_sale); each line must carry what the model-based pricing
    (courses.pricing.active_discount over prefetched discounts) says at the same moment: overlapping windows
    (the cheaper wins, the first of equals), a window not open yet, a free course, and none at all."""
    from luffycityapi.apps.cart import store
    from luffycityapi.apps.courses import selectors
    from luffycityapi.apps.courses.models import CourseDiscount
    from luffycityapi.apps.courses.pricing import active_discount
    from luffycityapi.apps.orders.selectors import checkout_lines

    now = timezone.now()
    overlapping = make_course(price="99.99", credit=30)
    make_discount(overlapping, value="0.88", name="八八折")
    make_discount(overlapping, kind=CourseDiscount.Kind.FIXED, value="87.98", name="")  # 0.88 × 99.99 = 87.99
    make_discount(overlapping, kind=CourseDiscount.Kind.FIXED, value="87.98", name="同价在后")
    later = make_course(price="50.00")
    make_discount(later, kind=CourseDiscount.Kind.FREE, start=now + timedelta(hours=1), end=now + timedelta(hours=2))
    free = make_course(price="10.00")
    make_discount(free, kind=CourseDiscount.Kind.FREE, value="0.00", name="")
    plain = make_course(price="1579.00", credit=100)
    hidden = make_course(price="1.00", is_show=False)
    for course in (plain, free, later, overlapping, hidden):
        store.add(user.id, course.id)

    with CaptureQueriesContext(connection) as captured:
        lines = checkout_lines(user.id, now)
    assert len(captured) == 1
    expected = []
    for course in selectors.course_list().filter(pk__in=[overlapping.id, later.id, free.id, plain.id]):
        discount = active_discount(course, now)
        expected.append((course.id, course.name, course.price, discount.price if discount else course.price,
                         discount.name if discount else "", course.credit, course.category_id))
    assert [(l.course_id, l.name, l.price, l.real_price, l.discount_name, l.credit, l.category_id)
            for l in lines] == expected
    assert [(l.real_price, l.discount_name) for l in lines] == [
        (Decimal("87.98"), "限时特价"), (Decimal("50.00"), ""), (Decimal("0.00"), "限时免费"), (Decimal("1579.00"), "")]


def test_the_hand_built_created_order_equals_drfs_own(user):
    """OrderCreatedSerializer builds its dict directly for speed; it must be exactly what DRF's field walk makes,
    for an unpaid order (seconds left) and a paid one (0)."""
    from rest_framework import serializers

    from luffycityapi.apps.orders.models import Order
    from luffycityapi.apps.orders.serializers import OrderCreatedSerializer

    for status, real_price in ((Order.Status.UNPAID, Decimal("1579.50")), (Order.Status.PAID, Decimal("0.00"))):
        order = Order.objects.create(user=user, order_number=f"H{status}", order_status=status,
                                     total_price=Decimal("1579.50"), real_price=real_price,
                                     expire_time=timezone.now() + timedelta(minutes=15))
        fast = OrderCreatedSerializer(order)
        drf = serializers.ModelSerializer.to_representation(fast, order)
        assert list(fast.data.items()) == list(drf.items())


def test_the_hand_built_quote_equals_drfs_own():
    """QuoteSerializer builds its dict directly for speed; it must be exactly what DRF's field walk makes (key order
    included), with a balance and without one, and inside the checkout summary that nests it."""
    from rest_framework import serializers

    from luffycityapi.apps.coupon.pricing import Quote
    from luffycityapi.apps.orders.serializers import QuoteSerializer
    from luffycityapi.apps.orders.services import CheckoutQuote, PayMethod

    quote = Quote(total_price=Decimal("1579.5"), discount_price=Decimal("100.125"), real_price=Decimal("1479.38"),
                  max_use_credit=1200, credit=300, lines=())
    methods = [PayMethod(0, "支付宝"), PayMethod(2, "余额", balance=Decimal("12.3"), available=False)]
    checkout = CheckoutQuote(quote, 2, methods)
    fast = QuoteSerializer(checkout)
    drf = serializers.Serializer.to_representation(fast, checkout)
    assert list(fast.data.items()) == list(drf.items())
    assert fast.data["pay_types"][1] == {"pay_type": 2, "name": "余额", "balance": "12.30", "available": False}
    assert fast.data["discount_price"] == "100.13" and fast.data["pay_types"][0]["balance"] is None


def test_courses_for_sale_reuses_its_compiled_sql_with_other_ids(make_course, make_discount):
    """courses_for_sale compiles its join once per number of ids: a second call with as many other ids must read
    those courses (not the first call's), converted as the ORM converts them (Decimal, aware datetimes), hidden
    ones left out; a cart over the cache's bound is read by the ORM itself and answers the same."""
    from decimal import Decimal

    from luffycityapi.apps.courses import selectors
    from luffycityapi.apps.courses.models import Course

    a, b = make_course(price="10.50"), make_course(price="20.00")
    c, d = make_course(price="30.25"), make_course(price="40.00", is_show=False)
    make_discount(c, value="0.50")
    first = selectors.courses_for_sale([a.id, b.id])
    second = selectors.courses_for_sale([c.id, d.id])

    assert [(s.id, s.price) for s in first] == [(a.id, Decimal("10.50")), (b.id, Decimal("20.00"))]
    assert [(s.id, s.price) for s in second] == [(c.id, Decimal("30.25"))]
    assert type(second[0].price) is Decimal and len(second[0].windows) == 1
    assert second[0].windows == selectors.courses_for_sale([c.id])[0].windows
    from luffycityapi.core.prepared import MAX_LIST

    many = [make_course().id for _ in range(MAX_LIST)] + [a.id]
    assert {s.id for s in selectors.courses_for_sale(many)} == set(
        Course.objects.filter(pk__in=many).values_list("id", flat=True))
