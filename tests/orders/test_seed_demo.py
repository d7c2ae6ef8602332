"""`manage.py seed_demo`: idempotent demo data the checkout works with."""
import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from orders.checkout_support import ORDERS_URL, QUOTE_URL, body

from luffycityapi.apps.coupon.models import Coupon, CouponLog
from luffycityapi.apps.courses.models import Course, CourseDiscount
from luffycityapi.apps.orders.services import order_mark_paid
from luffycityapi.apps.users.models import Credit, User

pytestmark = pytest.mark.django_db


def seed():
    call_command("seed_demo", stdout=io.StringIO())


def test_seed_is_idempotent_and_complete():
    seed()
    seed()
    student = User.objects.get(mobile="13800000000")
    assert student.check_password("luffy-demo-2026") and student.credit == 1000
    assert Credit.objects.filter(user=student).count() == 1
    assert Course.objects.count() == 8
    assert Course.objects.filter(credit__gt=0).exists()
    assert set(CourseDiscount.objects.values_list("kind", flat=True)) == set(CourseDiscount.Kind.values)
    assert set(Coupon.objects.values_list("discount", flat=True)) == {Coupon.Kind.AMOUNT, Coupon.Kind.PERCENT}
    logs = CouponLog.objects.filter(user=student, use_status=CouponLog.Status.UNUSED)
    assert logs.count() == Coupon.objects.count() == 4
    assert User.objects.get(username="admin").is_superuser


def test_demo_student_checks_out_with_a_seeded_coupon_and_gets_it_again(client_for, redis_conn):
    seed()
    student = User.objects.get(mobile="13800000000")
    client = client_for(student)
    course = Course.objects.get(name="Python 全栈开发入门")
    assert client.post("/api/cart/", {"course_id": course.id}, format="json").status_code == 201
    log = CouponLog.objects.get(user=student, coupon__name="全场八八折")
    quoted = client.post(QUOTE_URL, body(coupon=log.id), format="json").json()
    assert (quoted["total_price"], quoted["discount_price"], quoted["real_price"]) == ("399.00", "47.88", "351.12")
    created = client.post(ORDERS_URL, body(coupon=log.id), format="json")
    assert created.status_code == 201, created.content
    order_mark_paid(order_id=created.json()["id"], trade_no="DEMO")

    seed()  # the used coupon is granted again, the credits are not
    assert CouponLog.objects.filter(user=student, coupon=log.coupon).count() == 2
    assert CouponLog.objects.filter(user=student, coupon=log.coupon, use_status=0).count() == 1
    assert User.objects.get(pk=student.pk).credit == 1000
    assert student.user_courses.filter(course=course).exists()
    assert Course.objects.get(name="Linux 运维基础").discounts.get().kind == CourseDiscount.Kind.FREE
    assert D("0.88") == Coupon.objects.get(name="全场八八折").rate


def test_a_student_registered_as_13800000001_does_not_stop_the_admin_being_created(make_user):
    # The seed used to look for the admin by mobile 13800000001 but create it with 10000000001, so a student
    # who had registered 13800000001 (a real mobile anyone may register) left the shop without the README's
    # admin / luffy-admin-2026. That student is nobody's admin: the seed must still create the admin, and
    # leave the student as they were.
    student = make_user(mobile="13800000001", password="student-pass-1")
    seed()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password("luffy-admin-2026")
    assert admin.mobile == "10000000001"  # not a registrable mobile (see users.serializers), so never a student's
    student.refresh_from_db()
    assert not student.is_staff and not student.is_superuser and student.check_password("student-pass-1")
    assert User.objects.filter(mobile="13800000000").exists()
    seed()  # still idempotent
    assert User.objects.filter(is_superuser=True).count() == 1


def test_seed_keeps_an_existing_admin_as_it_is(make_user):
    User.objects.create_superuser(username="admin", mobile="10000000001", password="changed-by-staff-1")
    seed()
    admin = User.objects.get(username="admin")
    assert admin.check_password("changed-by-staff-1")  # an operator's own password is never reset
    assert User.objects.filter(is_superuser=True).count() == 1
