"""Coupons staff cannot mean: a category-scoped coupon without a category, a course-list coupon without courses, a
validity window that ends before it starts. Refused where staff type them (Coupon.clean() and the admin form),
and pricing never lets a category coupon without a category apply to the uncategorised courses."""
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from orders.checkout_support import QUOTE_URL, body, put_in_cart

from luffycityapi.apps.coupon.models import Coupon
from luffycityapi.apps.coupon.pricing import CouponTerms, Line, eligible_lines
from luffycityapi.apps.courses.models import CourseCategory

pytestmark = pytest.mark.django_db

NO_CATEGORY = "请选择适用分类"
NO_COURSES = "请选择适用课程"
BAD_WINDOW = "失效时间必须晚于生效时间"


# --- pricing ---------------------------------------------------------------------------------------------------

def _line(course_id, category_id=None):
    return Line(course_id=course_id, name="c", price=D("100.00"), real_price=D("100.00"), discount_name="",
                credit=0, category_id=category_id)


def test_a_category_coupon_without_a_category_matches_no_course():
    terms = CouponTerms(discount=Coupon.Kind.AMOUNT, amount=D("20.00"), rate=D("1.00"), condition=D("0.00"),
                        scope=Coupon.Scope.CATEGORY, category_id=None)
    assert eligible_lines([_line(1), _line(2, category_id=7)], terms) == []


def test_a_category_coupon_still_matches_its_category():
    terms = CouponTerms(discount=Coupon.Kind.AMOUNT, amount=D("20.00"), rate=D("1.00"), condition=D("0.00"),
                        scope=Coupon.Scope.CATEGORY, category_id=7)
    assert [line.course_id for line in eligible_lines([_line(1), _line(2, category_id=7)], terms)] == [2]


def test_a_saved_category_coupon_without_a_category_is_neither_listed_nor_accepted(auth_client, make_course,
                                                                                 coupon_for):
    """One saved before the validation existed (or written around it): the checkout refuses it."""
    put_in_cart(auth_client, make_course(price="200.00"))  # an uncategorised course
    log = coupon_for(auth_client.user, scope=Coupon.Scope.CATEGORY, category=None)
    assert auth_client.get("/api/coupon/enable/").json()["coupon_list"] == []
    response = auth_client.post(QUOTE_URL, body(coupon=log.id), format="json")
    assert response.status_code == 400 and response.json()["code"] == "coupon_not_applicable", response.content


# --- Coupon.clean() --------------------------------------------------------------------------------------------

def _coupon(**terms) -> Coupon:
    now = timezone.now()
    return Coupon(**{"name": "满100减20", "discount": Coupon.Kind.AMOUNT, "amount": D("20.00"),
                     "condition": D("100.00"), "start_time": now, "end_time": now + timedelta(days=7), **terms})


def _errors(coupon) -> dict:
    with pytest.raises(ValidationError) as exc:
        coupon.full_clean()
    return exc.value.message_dict


def test_clean_refuses_a_category_scope_without_a_category():
    assert _errors(_coupon(scope=Coupon.Scope.CATEGORY)) == {"category": [NO_CATEGORY]}


def test_clean_refuses_a_window_that_ends_before_or_when_it_starts():
    now = timezone.now()
    assert _errors(_coupon(start_time=now, end_time=now - timedelta(seconds=1))) == {"end_time": [BAD_WINDOW]}
    assert _errors(_coupon(start_time=now, end_time=now)) == {"end_time": [BAD_WINDOW]}


def test_clean_accepts_what_staff_mean():
    _coupon().full_clean()
    _coupon(scope=Coupon.Scope.CATEGORY, category=CourseCategory.objects.create(name="Python")).full_clean()


# --- the admin form --------------------------------------------------------------------------------------------

@pytest.fixture
def admin_browser(make_user):
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def _add(admin_browser, **fields):
    data = {"name": "满200减30", "discount": "1", "amount": "30.00", "rate": "1.00", "condition": "200.00",
            "scope": "0", "start_time_0": "2026-01-01", "start_time_1": "00:00:00", "end_time_0": "2099-01-01",
            "end_time_1": "00:00:00", "total": "50", "per_user_limit": "1", "is_show": "on", **fields}
    return admin_browser.post("/admin/coupon/coupon/add/", data)


def _refused(response, message):
    assert response.status_code == 200, response.status_code  # the form again, with the error
    assert message in response.content.decode()
    assert not Coupon.objects.exists()


def test_admin_refuses_a_course_list_coupon_without_courses(admin_browser):
    _refused(_add(admin_browser, scope=str(Coupon.Scope.COURSES)), NO_COURSES)


def test_admin_refuses_a_category_coupon_without_a_category(admin_browser):
    _refused(_add(admin_browser, scope=str(Coupon.Scope.CATEGORY)), NO_CATEGORY)


def test_admin_refuses_a_window_that_ends_before_it_starts(admin_browser):
    _refused(_add(admin_browser, start_time_0="2099-01-02", end_time_0="2099-01-01"), BAD_WINDOW)


def test_admin_saves_scoped_coupons_that_name_their_scope(admin_browser, make_course):
    course = make_course()
    category = CourseCategory.objects.create(name="前端")
    assert _add(admin_browser, name="课程券", scope=str(Coupon.Scope.COURSES), courses=[course.pk]).status_code == 302
    assert _add(admin_browser, name="分类券", scope=str(Coupon.Scope.CATEGORY), category=category.pk).status_code == 302
    assert list(Coupon.objects.get(name="课程券").courses.all()) == [course]
    assert Coupon.objects.get(name="分类券").category == category
