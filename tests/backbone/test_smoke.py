"""The backbone's happy path over the HTTP contract: health, register/login, catalogue, cart."""
import pytest

pytestmark = pytest.mark.django_db


def test_health_touches_db_and_redis(api_client):
    response = api_client.get("/api/health/")
    assert response.status_code == 200
    assert response.json() == {"db": "ok", "redis": "ok"}


def test_register_login_me(api_client):
    response = api_client.post("/api/users/register/",
                               {"mobile": "13712345678", "password": "Luffy-pass-1", "password2": "Luffy-pass-1"},
                               format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mobile"] == "13712345678" and body["access"] and body["refresh"]

    login = api_client.post("/api/users/login/", {"username": "13712345678", "password": "Luffy-pass-1"},
                            format="json")
    assert login.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    me = api_client.get("/api/users/me/").json()
    assert me["mobile"] == "13712345678" and me["credit"] == 0 and me["money"] == "0.00"


def test_cart_lists_courses_with_database_prices(auth_client, make_course, make_discount):
    plain = make_course(price="399.00", credit=200)
    discounted = make_course(price="1579.00")
    make_discount(discounted, value="0.88")
    for course in (plain, discounted):
        assert auth_client.post("/api/cart/", {"course_id": course.id}, format="json").status_code == 201
    cart = auth_client.get("/api/cart/").json()["cart"]
    assert [(c["id"], c["price"], c["selected"]) for c in cart] == [
        (plain.id, "399.00", True), (discounted.id, "1579.00", True)]
    assert cart[1]["discount"]["price"] == "1389.52"  # 1579.00 × 0.88 = 1389.52
    assert cart[0]["discount"] == {}
