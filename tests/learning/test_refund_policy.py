"""The refund policy tied to progress (REFUND_WINDOW_DAYS of payment, under REFUND_MAX_PROGRESS % watched), the
student's refund requests (one open per line) and finance's decision through payments' one refund service."""
import re

import pytest
from api_asserts import assert_error
from django.test import Client
from django.urls import reverse

from luffycityapi.apps.learning.policy import line_policies
from luffycityapi.apps.payments import refunds
from luffycityapi.apps.payments.models import Refund
from luffycityapi.apps.refund_requests import services
from luffycityapi.apps.refund_requests.models import RefundRequest
from luffycityapi.apps.users.models import UserCourse
from luffycityapi.core.errors import ShopError

from .conftest import SECONDS, age_order

pytestmark = pytest.mark.django_db


def watch(client, lessons, seconds):
    for lesson, position in zip(lessons, seconds):
        assert client.post("/api/learn/progress/", {"lesson_id": lesson.id, "position": position},
                           format="json").status_code == 200


def ask(client, order, course, reason="不适合我"):
    return client.post("/api/refund-requests/", {"order_number": order.order_number, "course_id": course.id,
                                                 "reason": reason}, format="json")


def test_fresh_purchase_is_refundable_an_old_one_or_a_half_watched_one_is_not(auth_client, course_with_lessons, buy,
                                                                              settings):
    (a, a_lessons), (b, b_lessons) = course_with_lessons(), course_with_lessons()
    order = buy(auth_client, a, b)
    assert all(line.refundable for line in line_policies(order).values())
    watch(auth_client, b_lessons[:2], [SECONDS, SECONDS])  # 12 of 24 s: 50 %
    policies = line_policies(order)
    assert policies[a.id].refundable and policies[b.id].code == "refund_progress_exceeded"
    assert policies[b.id].progress.percent == 50
    age_order(order, 30)
    order.refresh_from_db()
    assert line_policies(order)[a.id].code == "refund_window_passed"
    settings.REFUND_WINDOW_DAYS = 31  # the window comes from the environment's setting
    assert line_policies(order)[a.id].refundable


def test_the_progress_edge_is_exact(auth_client, course_with_lessons, buy, settings):
    course, made = course_with_lessons()
    order = buy(auth_client, course)
    settings.REFUND_MAX_PROGRESS = 25  # 6 of 24 s is exactly 25 %: not under it
    watch(auth_client, made[:1], [SECONDS - 1])
    assert line_policies(order)[course.id].refundable
    watch(auth_client, made[:1], [SECONDS])
    assert line_policies(order)[course.id].code == "refund_progress_exceeded"


def test_refunding_outside_the_policy_needs_the_override_recorded_with_the_operator(
        auth_client, course_with_lessons, buy, make_user, django_capture_on_commit_callbacks):
    course, _ = course_with_lessons()
    order = buy(auth_client, course)
    age_order(order, 30)
    operator = make_user(is_staff=True)
    with pytest.raises(ShopError) as refused:
        refunds.refund_courses(order_id=order.id, course_ids=[course.id], out_request_no="R-OLD-1",
                               operator_id=operator.id)
    assert refused.value.code == "refund_outside_policy" and not Refund.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        refund = refunds.refund_courses(order_id=order.id, course_ids=[course.id], out_request_no="R-OLD-2",
                                        operator_id=operator.id, policy_override=True)
    assert refund.status == Refund.Status.SUCCEEDED
    assert (refund.policy_override, refund.operator_id) == (True, operator.id)
    assert not UserCourse.objects.filter(user=auth_client.user, course=course).exists()


def test_the_admin_refund_form_shows_progress_and_window_and_needs_the_override_box(
        auth_client, course_with_lessons, buy, make_user):
    (course, made) = course_with_lessons()
    order = buy(auth_client, course)
    watch(auth_client, made[:2], [SECONDS, SECONDS])  # 50 %
    admin = make_user(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    url = reverse("admin:orders_order_refund", args=[order.id])
    page = browser.get(url).content.decode()
    assert "50%（上限 30%）" in page and "学习进度已超过可退款上限" in page and 'name="policy_override"' in page
    assert re.search(r'class="policy-window">\d{4}-\d\d-\d\d \d\d:\d\d<', page)
    number = re.search(r'name="out_request_no" value="([^"]+)"', page).group(1)
    # "confirmed": the form's second step (the money and credits shown) submitted
    refused = browser.post(url, {"course_ids": [course.id], "out_request_no": number, "confirmed": "1"}, follow=True)
    assert any("超出退款政策" in str(m) for m in refused.context["messages"]) and not Refund.objects.exists()
    done = browser.post(url, {"course_ids": [course.id], "out_request_no": number, "policy_override": "on",
                              "confirmed": "1"},
                        follow=True)
    assert any("退款成功" in str(m) for m in done.context["messages"]), list(done.context["messages"])
    refund = Refund.objects.get()
    assert (refund.policy_override, refund.operator_id) == (True, admin.id)


def test_request_then_approve_takes_the_course_away_and_stops_playback(
        auth_client, course_with_lessons, buy, make_user, django_capture_on_commit_callbacks):
    course, made = course_with_lessons()
    order = buy(auth_client, course)
    play_url = auth_client.get(f"/api/courses/{course.id}/lessons/").json()["lessons"][1]["play_url"]
    assert auth_client.get(play_url).status_code == 200
    assert_error(ask(auth_client, order, course, reason="  "), 400, "refund_reason_required")
    created = ask(auth_client, order, course)
    assert created.status_code == 201, created.content
    assert created.json()["status"] == RefundRequest.Status.OPEN
    assert_error(ask(auth_client, order, course), 409, "refund_request_exists")  # one open request per line

    finance = make_user(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        refund = services.refund_request_approve(request_id=created.json()["id"], operator_id=finance.id)
    assert refund.status == Refund.Status.SUCCEEDED and refund.out_request_no == f"RQ{created.json()['id']}"
    assert refund.policy_override is False and refund.operator_id == finance.id
    # Approving again is the same refund, not a second one.
    with django_capture_on_commit_callbacks(execute=True):
        again = services.refund_request_approve(request_id=created.json()["id"], operator_id=finance.id)
    assert again.id == refund.id and Refund.objects.count() == 1
    assert not UserCourse.objects.filter(user=auth_client.user, course=course).exists()
    assert_error(auth_client.get(play_url), 403, "lesson_forbidden")  # the URL signed before the refund
    lessons = auth_client.get(f"/api/courses/{course.id}/lessons/").json()["lessons"]
    assert [row["play_url"] is not None for row in lessons] == [True, False, True, False]
    mine = auth_client.get("/api/refund-requests/").json()
    assert [(r["status"], r["refund_status"]) for r in mine] == [(RefundRequest.Status.APPROVED, "退款成功")]
    assert_error(ask(auth_client, order, course), 409, "refund_course_already_refunded")


def test_reject_leaves_access_and_a_new_request_may_follow(auth_client, course_with_lessons, buy, make_user):
    course, made = course_with_lessons()
    order = buy(auth_client, course)
    created = ask(auth_client, order, course).json()
    services.refund_request_reject(request_id=created["id"], operator_id=make_user(is_staff=True).id, note="已学习")
    assert UserCourse.objects.filter(user=auth_client.user, course=course).exists()
    play_url = auth_client.get(f"/api/courses/{course.id}/lessons/").json()["lessons"][1]["play_url"]
    assert auth_client.get(play_url).status_code == 200
    assert not Refund.objects.exists()
    assert ask(auth_client, order, course).status_code == 201


def test_requests_outside_the_policy_or_for_others_orders_are_refused(auth_client, client_for, make_user,
                                                                      course_with_lessons, buy):
    (a, _), (b, b_lessons) = course_with_lessons(), course_with_lessons()
    order = buy(auth_client, a, b)
    watch(auth_client, b_lessons[:2], [SECONDS, SECONDS])
    assert_error(ask(auth_client, order, b), 400, "refund_progress_exceeded")
    assert_error(ask(client_for(make_user()), order, a), 404, "order_not_found")
    age_order(order, 30)
    assert_error(ask(auth_client, order, a), 400, "refund_window_passed")


def test_approving_a_request_whose_line_left_the_policy_needs_the_override(
        auth_client, course_with_lessons, buy, make_user, django_capture_on_commit_callbacks):
    course, made = course_with_lessons()
    order = buy(auth_client, course)
    created = ask(auth_client, order, course).json()
    watch(auth_client, made[:2], [SECONDS, SECONDS])  # watched half after asking
    finance = make_user(is_staff=True)
    with pytest.raises(ShopError) as refused:
        services.refund_request_approve(request_id=created["id"], operator_id=finance.id)
    assert refused.value.code == "refund_outside_policy"
    assert RefundRequest.objects.get().status == RefundRequest.Status.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        refund = services.refund_request_approve(request_id=created["id"], operator_id=finance.id, override=True)
    assert refund.status == Refund.Status.SUCCEEDED and refund.policy_override is True


def test_finance_decides_in_the_admin_list_with_progress_and_window_shown(auth_client, course_with_lessons, buy,
                                                                          make_user):
    (a, _), (b, _) = course_with_lessons(), course_with_lessons()
    order = buy(auth_client, a, b)
    first, second = ask(auth_client, order, a).json(), ask(auth_client, order, b).json()
    browser = Client()
    finance = make_user(is_staff=True, is_superuser=True)
    browser.force_login(finance)
    url = reverse("admin:refund_requests_refundrequest_changelist")
    page = browser.get(url).content.decode()
    assert page.count("0%（上限 30%）") == 2 and "政策内" in page
    approved = browser.post(url, {"action": "approve", "_selected_action": [first["id"]]}, follow=True)
    assert any("退款成功" in str(m) for m in approved.context["messages"]), list(approved.context["messages"])
    rejected = browser.post(url, {"action": "reject", "_selected_action": [second["id"]]}, follow=True)
    assert any("已拒绝" in str(m) for m in rejected.context["messages"])
    assert dict(RefundRequest.objects.values_list("course_id", "status")) == {
        a.id: RefundRequest.Status.APPROVED, b.id: RefundRequest.Status.REJECTED}
    assert Refund.objects.get().operator_id == finance.id
    owned = set(UserCourse.objects.filter(user=auth_client.user).values_list("course_id", flat=True))
    assert owned == {b.id}
