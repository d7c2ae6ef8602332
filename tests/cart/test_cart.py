"""The Redis cart over the HTTP contract: add, list with database prices, select one / all, delete, the
selected list for checkout, and isolation between users."""
import pytest
import redis
from api_asserts import assert_error
from django.conf import settings

from luffycityapi.apps.users.services import user_courses_grant

pytestmark = pytest.mark.django_db

URL = "/api/cart/"
ORDER_URL = "/api/cart/order/"


def add(client, course_id):
    return client.post(URL, {"course_id": course_id}, format="json")


def cart_of(client) -> list[dict]:
    response = client.get(URL)
    assert response.status_code == 200, response.content
    return response.json()["cart"]


def selection(client) -> dict[int, bool]:
    return {row["id"]: row["selected"] for row in cart_of(client)}


# --- add ---------------------------------------------------------------------------------------------------

def test_add_puts_the_course_in_selected_and_counts_the_cart(auth_client, make_course):
    first, second = make_course(), make_course()

    one = add(auth_client, first.id)
    two = add(auth_client, second.id)

    assert (one.status_code, two.status_code) == (201, 201)
    assert one.json()["cart_total"] == 1 and two.json()["cart_total"] == 2
    assert selection(auth_client) == {first.id: True, second.id: True}


def test_adding_twice_is_idempotent(auth_client, make_course):
    course = make_course()

    add(auth_client, course.id)
    again = add(auth_client, course.id)

    assert again.status_code == 201
    assert again.json()["cart_total"] == 1
    assert selection(auth_client) == {course.id: True}


def test_adding_an_unknown_course_is_refused(auth_client):
    assert_error(add(auth_client, 999999), 400, "course_not_found")
    assert cart_of(auth_client) == []


def test_adding_a_hidden_course_is_refused(auth_client, make_course):
    assert_error(add(auth_client, make_course(is_show=False).id), 400, "course_off_shelf")
    assert cart_of(auth_client) == []


def test_adding_a_deleted_course_is_refused(auth_client, make_course):
    assert_error(add(auth_client, make_course(is_deleted=True).id), 400, "course_deleted")
    assert cart_of(auth_client) == []


def test_adding_a_purchased_course_is_refused(auth_client, make_course):
    course = make_course()
    user_courses_grant(user_id=auth_client.user.id, course_ids=[course.id], order_number="LY1")

    assert_error(add(auth_client, course.id), 400, "course_already_purchased")
    assert cart_of(auth_client) == []


def test_each_refusal_has_its_own_code(auth_client, make_course):
    owned = make_course()
    user_courses_grant(user_id=auth_client.user.id, course_ids=[owned.id], order_number="LY1")
    codes = {assert_error(add(auth_client, course_id), 400)["code"] for course_id in (
        999999, make_course(is_show=False).id, make_course(is_deleted=True).id, owned.id)}

    assert len(codes) == 4


def test_course_id_as_a_numeric_string_is_accepted(auth_client, make_course):
    course = make_course()

    assert add(auth_client, str(course.id)).status_code == 201
    assert selection(auth_client) == {course.id: True}


@pytest.mark.parametrize("course_id", [-1, 0, 2**31, 10**30, "abc", "", None, True, 1.5, [1], {"id": 1}])
def test_course_id_that_is_not_a_valid_id_is_a_400(auth_client, course_id):
    error = assert_error(add(auth_client, course_id), 400, "invalid")

    assert "course_id" in error["fields"]


def test_course_id_missing_is_a_400(auth_client):
    error = assert_error(auth_client.post(URL, {}, format="json"), 400, "invalid")

    assert "course_id" in error["fields"]


def test_malformed_json_is_a_400(auth_client):
    response = auth_client.generic("POST", URL, b'{"course_id": 1', content_type="application/json")

    assert_error(response, 400, "malformed_request")


# --- list --------------------------------------------------------------------------------------------------

def test_list_prices_come_from_the_database_now(auth_client, make_course, make_discount):
    course = make_course(price="100.00", credit=20)
    add(auth_client, course.id)
    course.price = "80.50"
    course.save()
    make_discount(course, value="0.50")

    [row] = cart_of(auth_client)

    assert row["price"] == "80.50"
    assert row["discount"]["price"] == "40.25"
    assert row["credit"] == 20 and row["name"] == course.name and row["selected"] is True


def test_a_course_hidden_after_adding_leaves_the_list(auth_client, make_course):
    stays, goes = make_course(), make_course()
    add(auth_client, stays.id)
    add(auth_client, goes.id)
    goes.is_show = False
    goes.save()

    assert [row["id"] for row in cart_of(auth_client)] == [stays.id]
    assert [row["id"] for row in auth_client.get(ORDER_URL).json()["cart"]] == [stays.id]


def test_empty_cart(auth_client):
    assert cart_of(auth_client) == []
    assert auth_client.get(ORDER_URL).json() == {"cart": []}


# --- select ------------------------------------------------------------------------------------------------

def test_patch_selects_and_unselects_one_course(auth_client, make_course):
    first, second = make_course(), make_course()
    add(auth_client, first.id)
    add(auth_client, second.id)

    off = auth_client.patch(URL, {"course_id": first.id, "selected": False}, format="json")
    assert off.status_code == 200
    assert selection(auth_client) == {first.id: False, second.id: True}

    auth_client.patch(URL, {"course_id": first.id, "selected": True}, format="json")
    assert selection(auth_client) == {first.id: True, second.id: True}


def test_adding_an_unselected_course_again_selects_it(auth_client, make_course):
    course = make_course()
    add(auth_client, course.id)
    auth_client.patch(URL, {"course_id": course.id, "selected": False}, format="json")

    add(auth_client, course.id)

    assert selection(auth_client) == {course.id: True}


def test_patch_of_a_course_not_in_the_cart_is_a_404(auth_client, make_course):
    course = make_course()

    assert_error(auth_client.patch(URL, {"course_id": course.id, "selected": True}, format="json"),
                 404, "cart_item_not_found")
    assert cart_of(auth_client) == []  # selecting must not sneak the course in


@pytest.mark.parametrize("body, field", [
    ({"selected": True}, "course_id"),
    ({"course_id": 1}, "selected"),
    ({"course_id": "abc", "selected": True}, "course_id"),
    ({"course_id": 1, "selected": "maybe"}, "selected"),
    ({"course_id": 1, "selected": None}, "selected"),
])
def test_patch_with_bad_fields_is_a_400(auth_client, body, field):
    error = assert_error(auth_client.patch(URL, body, format="json"), 400, "invalid")

    assert field in error["fields"]


def test_put_selects_and_unselects_everything(auth_client, make_course):
    courses = [make_course() for _ in range(3)]
    for course in courses:
        add(auth_client, course.id)

    assert auth_client.put(URL, {"selected": False}, format="json").status_code == 200
    assert set(selection(auth_client).values()) == {False}
    assert auth_client.get(ORDER_URL).json()["cart"] == []

    assert auth_client.put(URL, {"selected": True}, format="json").status_code == 200
    assert set(selection(auth_client).values()) == {True}


def test_put_on_an_empty_cart_leaves_it_empty(auth_client):
    assert auth_client.put(URL, {"selected": True}, format="json").status_code == 200
    assert cart_of(auth_client) == []


@pytest.mark.parametrize("body", [{}, {"selected": "sometimes"}, {"selected": [True]}])
def test_put_with_bad_selected_is_a_400(auth_client, body):
    assert_error(auth_client.put(URL, body, format="json"), 400, "invalid")


# --- delete ------------------------------------------------------------------------------------------------

def test_delete_removes_the_course(auth_client, make_course):
    stays, goes = make_course(), make_course()
    add(auth_client, stays.id)
    add(auth_client, goes.id)

    response = auth_client.delete(f"{URL}?course_id={goes.id}")

    assert response.status_code == 204
    assert selection(auth_client) == {stays.id: True}


def test_delete_of_a_course_not_in_the_cart_is_a_404(auth_client, make_course):
    assert_error(auth_client.delete(f"{URL}?course_id={make_course().id}"), 404, "cart_item_not_found")


@pytest.mark.parametrize("query", ["", "?course_id=", "?course_id=abc", "?course_id=-3", "?course_id=0",
                                   f"?course_id={10**20}"])
def test_delete_without_a_valid_course_id_is_a_400(auth_client, query):
    assert_error(auth_client.delete(f"{URL}{query}"), 400, "invalid")


# --- checkout list -----------------------------------------------------------------------------------------

def test_order_list_holds_only_the_selected_courses_with_prices(auth_client, make_course, make_discount):
    chosen, skipped = make_course(price="399.00", credit=200), make_course(price="1579.00")
    make_discount(chosen, kind=3, value="0")  # free
    add(auth_client, chosen.id)
    add(auth_client, skipped.id)
    auth_client.patch(URL, {"course_id": skipped.id, "selected": False}, format="json")

    response = auth_client.get(ORDER_URL)

    assert response.status_code == 200
    [row] = response.json()["cart"]
    assert (row["id"], row["price"], row["discount"]["price"], row["credit"]) == (
        chosen.id, "399.00", "0.00", 200)


# --- ownership and storage ---------------------------------------------------------------------------------

def test_another_users_cart_is_never_visible_or_changeable(make_user, client_for, make_course):
    alice, bob = client_for(make_user()), client_for(make_user())
    course = make_course()
    add(alice, course.id)

    assert cart_of(bob) == []
    assert bob.get(ORDER_URL).json()["cart"] == []
    assert_error(bob.patch(URL, {"course_id": course.id, "selected": False}, format="json"), 404)
    assert_error(bob.delete(f"{URL}?course_id={course.id}"), 404)
    bob.put(URL, {"selected": False}, format="json")

    assert selection(alice) == {course.id: True}


def test_the_cart_lives_in_redis_not_in_process_memory(auth_client, make_course):
    course = make_course()
    add(auth_client, course.id)

    # A brand-new connection (as another web worker would open) sees the documented hash cart_<user_id>.
    fresh = redis.Redis.from_url(settings.REDIS_URL)
    try:
        assert fresh.hgetall(f"cart_{auth_client.user.id}") == {str(course.id).encode(): b"1"}
    finally:
        fresh.close()

    # And the app itself, with its pooled connections thrown away, still finds it.
    from django_redis import get_redis_connection
    get_redis_connection("default").connection_pool.disconnect()
    assert selection(auth_client) == {course.id: True}


@pytest.mark.parametrize("method, path", [("get", URL), ("post", URL), ("patch", URL), ("put", URL),
                                          ("delete", f"{URL}?course_id=1"), ("get", ORDER_URL)])
def test_every_cart_endpoint_needs_a_token(api_client, method, path):
    assert_error(getattr(api_client, method)(path, format="json"), 401, "not_authenticated")
