"""Django admin for users, the credit ledger, courses and discounts: every page renders for staff, nobody else
gets in, and the ledger can only be extended through credit_change."""
from decimal import Decimal

import pytest
from django.apps import apps
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from luffycityapi.apps.courses.models import Activity, CourseCategory, CourseChapter, CourseDiscount, Teacher
from luffycityapi.apps.users.models import Credit, User, UserCourse
from luffycityapi.apps.users.services import user_courses_grant

pytestmark = pytest.mark.django_db

MODELS = ["users.user", "users.credit", "users.usercourse", "courses.course", "courses.coursecategory",
          "courses.coursechapter", "courses.activity", "courses.coursediscount", "courses.teacher"]


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(User.objects.create_superuser(username="boss", mobile="13600000000", password="x"))
    return client


@pytest.fixture
def one_of_each(make_user, make_course, make_discount):
    """One row of every admin-managed model, so change forms have something to show."""
    student = make_user(credit=50, name="路飞")
    category = CourseCategory.objects.create(name="Python")
    teacher = Teacher.objects.create(name="李晓峰", title="讲师")
    course = make_course(category=category, name="Django 实战", teacher=teacher)
    discount = make_discount(course, kind=CourseDiscount.Kind.FIXED, value="9.90")
    chapter = CourseChapter.objects.create(course=course, name="第一章")
    user_courses_grant(user_id=student.id, course_ids=[course.id], order_number="LY1")
    return {
        "users.user": student, "users.credit": Credit.objects.get(user=student),
        "users.usercourse": UserCourse.objects.get(user=student), "courses.course": course,
        "courses.coursecategory": category, "courses.coursechapter": chapter,
        "courses.activity": discount.activity, "courses.coursediscount": discount, "courses.teacher": teacher,
    }


def admin_url(model: str, view: str, *args) -> str:
    app, name = model.split(".")
    return reverse(f"admin:{app}_{name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS)
def test_changelist_renders_with_its_rows(admin_client, one_of_each, model):
    response = admin_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    # every row is listed: the one made here (and, for users, the superuser looking at them)
    assert response.context["cl"].result_count == apps.get_model(model).objects.count() >= 1


@pytest.mark.parametrize("model", MODELS)
def test_changelist_search_renders(admin_client, one_of_each, model):
    response = admin_client.get(admin_url(model, "changelist"), {"q": "1"})

    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_change_form_renders(admin_client, one_of_each, model):
    response = admin_client.get(admin_url(model, "change", one_of_each[model].pk))

    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_add_form_renders(admin_client, model):
    assert admin_client.get(admin_url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_anonymous_is_sent_to_the_login_page(model, db):
    response = Client().get(admin_url(model, "changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_student_cannot_use_the_admin(make_user):
    client = Client()
    client.force_login(make_user())

    response = client.get(admin_url("users.user", "changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_user_search_finds_by_mobile(admin_client, make_user):
    wanted, _ = make_user(mobile="13712340000"), make_user(mobile="13798760000")

    response = admin_client.get(admin_url("users.user", "changelist"), {"q": "1371234"})

    assert [row.pk for row in response.context["cl"].result_list] == [wanted.pk]


def test_credit_filter_by_operation(admin_client, make_user):
    make_user(credit=10)

    gifts = admin_client.get(admin_url("users.credit", "changelist"), {"operation__exact": Credit.Operation.GIFT})
    spends = admin_client.get(admin_url("users.credit", "changelist"), {"operation__exact": Credit.Operation.SPEND})

    assert gifts.context["cl"].result_count == 1
    assert spends.context["cl"].result_count == 0


def test_admin_can_add_a_student_with_a_mobile(admin_client):
    response = admin_client.post(admin_url("users.user", "add"), {
        "username": "13755556666", "mobile": "13755556666", "usable_password": "true",
        "password1": "Luffy-pass-1", "password2": "Luffy-pass-1"})

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert User.objects.get(username="13755556666").mobile == "13755556666"


def _add_credit(admin_client, user, number):
    return admin_client.post(admin_url("users.credit", "add"), {
        "user": user.pk, "operation": Credit.Operation.GIFT if number > 0 else Credit.Operation.SPEND,
        "number": number, "remark": "", "order_number": ""})


def _ledger_sum(user) -> int:
    return Credit.objects.filter(user=user).aggregate(total=Sum("number"))["total"] or 0


def test_adding_a_ledger_entry_in_admin_moves_the_balance(admin_client, make_user):
    student = make_user(credit=50)

    response = _add_credit(admin_client, student, 25)

    assert response.status_code == 302
    student.refresh_from_db()
    assert student.credit == 75 == _ledger_sum(student)
    assert Credit.objects.filter(user=student).first().remark.startswith("管理员")


@pytest.mark.parametrize("number", [-51, 0])
def test_an_entry_that_would_break_the_ledger_is_a_form_error(admin_client, make_user, number):
    student = make_user(credit=50)

    response = _add_credit(admin_client, student, number)

    assert response.status_code == 200  # the form again, with the reason; not a server error
    assert response.context["adminform"].form.errors
    student.refresh_from_db()
    assert student.credit == 50 == _ledger_sum(student)


def test_ledger_entries_cannot_be_edited_or_deleted(admin_client, make_user):
    entry = Credit.objects.get(user=make_user(credit=50))

    admin_client.post(admin_url("users.credit", "change", entry.pk), {"number": 5000, "operation": 2})
    admin_client.post(admin_url("users.credit", "delete", entry.pk), {"post": "yes"})

    entry.refresh_from_db()
    assert entry.number == 50


def test_activity_admin_refuses_a_window_that_ends_before_it_starts(admin_client):
    response = admin_client.post(admin_url("courses.activity", "add"), {
        "name": "倒着的活动", "start_time_0": "2030-01-02", "start_time_1": "00:00:00",
        "end_time_0": "2030-01-01", "end_time_1": "00:00:00", "remark": ""})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Activity.objects.filter(name="倒着的活动").exists()


@pytest.mark.parametrize("kind, value", [
    (CourseDiscount.Kind.PERCENT, "88"),     # meant 88 %, would silently be no discount at all
    (CourseDiscount.Kind.PERCENT, "0"),      # a 0 % "discount" is the free kind's job
    (CourseDiscount.Kind.PERCENT, "1.00"),   # 100 % is no discount
    (CourseDiscount.Kind.FIXED, "-1.00"),
])
def test_discount_admin_refuses_values_that_make_no_sense(admin_client, make_course, kind, value):
    course = make_course()
    activity = Activity.objects.create(name="活动", start_time="2030-01-01T00:00:00Z", end_time="2030-02-01T00:00:00Z")

    response = admin_client.post(admin_url("courses.coursediscount", "add"), {
        "course": course.pk, "activity": activity.pk, "kind": kind, "value": value})

    assert response.status_code == 200
    assert "value" in response.context["adminform"].form.errors
    assert not CourseDiscount.objects.exists()


def test_discount_admin_accepts_a_sensible_percent(admin_client, make_course):
    course = make_course()
    activity = Activity.objects.create(name="活动", start_time="2030-01-01T00:00:00Z", end_time="2030-02-01T00:00:00Z")

    response = admin_client.post(admin_url("courses.coursediscount", "add"), {
        "course": course.pk, "activity": activity.pk, "kind": CourseDiscount.Kind.PERCENT, "value": "0.88"})

    assert response.status_code == 302
    assert CourseDiscount.objects.get().value == Decimal("0.88")
