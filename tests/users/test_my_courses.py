"""GET /api/users/courses/: the courses I bought, never anyone else's."""
import pytest
from api_asserts import assert_error
from django.db import IntegrityError, transaction
from django.utils import timezone

from luffycityapi.apps.users.models import UserCourse
from luffycityapi.apps.users.services import user_courses_grant, user_courses_revoke

pytestmark = pytest.mark.django_db

URL = "/api/users/courses/"


def test_lists_only_my_courses(make_user, client_for, make_course):
    me, other = make_user(), make_user()
    mine, theirs = make_course(name="我的课"), make_course(name="别人的课")
    user_courses_grant(user_id=me.id, course_ids=[mine.id], order_number="LY-ME")
    user_courses_grant(user_id=other.id, course_ids=[theirs.id], order_number="LY-OTHER")

    response = client_for(me).get(URL)

    assert response.status_code == 200
    assert [row["course"] for row in response.json()] == [
        {"id": mine.id, "name": "我的课", "cover": mine.cover, "brief": mine.brief}]
    assert response.json()[0]["order_number"] == "LY-ME"


def test_empty_when_nothing_bought(auth_client):
    assert auth_client.get(URL).json() == []


def test_granting_twice_keeps_one_row(user, make_course):
    course = make_course()

    assert user_courses_grant(user_id=user.id, course_ids=[course.id], order_number="LY1") == 1
    assert user_courses_grant(user_id=user.id, course_ids=[course.id], order_number="LY2") == 0

    assert list(UserCourse.objects.filter(user=user).values_list("order_number", flat=True)) == ["LY1"]


def test_a_grant_counts_only_the_courses_it_added(user, make_course):
    owned, new, other = make_course(), make_course(), make_course()
    user_courses_grant(user_id=user.id, course_ids=[owned.id], order_number="LY1")

    assert user_courses_grant(user_id=user.id, course_ids=[new.id, owned.id, new.id], order_number="LY2") == 1
    assert user_courses_grant(user_id=user.id, course_ids=[], order_number="LY3") == 0

    rows = dict(UserCourse.objects.filter(user=user).values_list("course_id", "order_number"))
    assert rows == {owned.id: "LY1", new.id: "LY2"}  # the owned course keeps the order that bought it
    assert other.id not in rows
    granted = UserCourse.objects.get(user=user, course=new)
    assert abs((timezone.now() - granted.created_time).total_seconds()) < 60  # stored as an aware UTC time


def test_the_database_refuses_a_second_row_for_one_user_and_course(user, make_course):
    course = make_course()
    UserCourse.objects.create(user=user, course=course)

    with pytest.raises(IntegrityError), transaction.atomic():
        UserCourse.objects.create(user=user, course=course)


def test_revoke_takes_back_only_that_orders_courses(user, make_course, client_for):
    first, second = make_course(), make_course()
    user_courses_grant(user_id=user.id, course_ids=[first.id], order_number="LY1")
    user_courses_grant(user_id=user.id, course_ids=[second.id], order_number="LY2")

    assert user_courses_revoke(user_id=user.id, course_ids=[first.id, second.id], order_number="LY1") == 1

    assert [row["course"]["id"] for row in client_for(user).get(URL).json()] == [second.id]


def test_needs_a_token(api_client):
    assert_error(api_client.get(URL), 401, "not_authenticated")


def test_owned_course_ids_answers_only_for_that_user_and_those_courses(make_user, make_course):
    """The hot ownership check (plain SQL) against the rows the ORM wrote."""
    from luffycityapi.apps.users.selectors import owned_course_ids

    me, other = make_user(), make_user()
    mine, theirs, both, neither = (make_course() for _ in range(4))
    user_courses_grant(user_id=me.id, course_ids=[mine.id, both.id], order_number="LY1")
    user_courses_grant(user_id=other.id, course_ids=[theirs.id, both.id], order_number="LY2")

    assert owned_course_ids(me.id, [mine.id, theirs.id, both.id, neither.id]) == {mine.id, both.id}
    assert owned_course_ids(me.id, [str(theirs.id), neither.id]) == set()
    assert owned_course_ids(me.id, []) == set()
    user_courses_revoke(user_id=me.id, course_ids=[mine.id], order_number="LY1")
    assert owned_course_ids(me.id, [mine.id, both.id]) == {both.id}


def test_grant_from_a_statement_selecting_course_ids_inserts_them_in_one_statement(make_user, make_course):
    """A payment grants its order's lines by INSERT … SELECT (a compiled core.prepared statement): same rows, same
    count, owned ones skipped."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from luffycityapi.apps.courses.models import Course
    from luffycityapi.apps.users.models import UserCourse
    from luffycityapi.core.prepared import Prepared

    user = make_user()
    owned, new_a, new_b, other = make_course(), make_course(), make_course(), make_course()
    user_courses_grant(user_id=user.id, course_ids=[owned.id], order_number="LY1")
    course_ids = Prepared(lambda ids: Course.objects.filter(pk__in=ids).values_list("id").order_by())
    picked = course_ids.statement([owned.id, new_a.id, new_b.id])

    with CaptureQueriesContext(connection) as captured:
        assert user_courses_grant(user_id=user.id, course_ids=picked, order_number="LY2") == 2

    assert len(captured) == 1
    rows = set(UserCourse.objects.filter(user=user).values_list("course_id", "order_number"))
    assert rows == {(owned.id, "LY1"), (new_a.id, "LY2"), (new_b.id, "LY2")}
    assert user_courses_grant(user_id=user.id, course_ids=picked, order_number="LY3") == 0
    assert user_courses_grant(user_id=user.id, course_ids=course_ids.statement([other.id + 1000, other.id + 1001,
                                                                                other.id + 1002]),
                              order_number="LY4") == 0
