"""Issue #17: the answers that used to be dicts built in views and services are now dataclasses rendered by their
output serializers. Their wire format is the api-contract's and must not have moved: the exact keys, in order,
and the formats of the values (money strings with two places, the seed's messages)."""
import re
from decimal import Decimal

MONEY = re.compile(r"^-?[0-9]+\.[0-9]{2}$")


def test_liveness_answers_ok(api_client):
    assert api_client.get("/api/health/live/").json() == {"status": "ok"}


def test_registration_answers_the_user_and_a_token_pair(api_client, db):
    response = api_client.post("/api/users/register/", {"mobile": "13912345678", "password": "Secret-pass-789",
                                                         "password2": "Secret-pass-789"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert list(body) == ["id", "mobile", "access", "refresh"] and body["mobile"] == "13912345678"
    me = api_client.get("/api/users/me/", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.status_code == 200 and me.json()["id"] == body["id"]


def test_the_wallet_answers_its_balance_ledger_and_topup_methods(make_user, client_for):
    from luffycityapi.apps.users.models import WalletEntry
    from luffycityapi.apps.users.services import wallet_change

    user = make_user()
    wallet_change(user_id=user.id, amount=Decimal("12.3"), operation=WalletEntry.Operation.TOPUP, reason="test")
    body = client_for(user).get("/api/users/wallet/").json()
    assert list(body) == ["money", "entries", "topup_pay_types"] and body["money"] == "12.30"
    assert [entry["amount"] for entry in body["entries"]] == ["12.30"]
    assert body["topup_pay_types"] and all(list(m) == ["pay_type", "name"] for m in body["topup_pay_types"])


def test_the_cart_answers_keep_the_seed_messages(auth_client, make_course):
    course = make_course(price="99.90")
    added = auth_client.post("/api/cart/", {"course_id": course.id}, format="json")
    assert added.status_code == 201 and added.json() == {"errmsg": "添加成功", "cart_total": 1}
    ticked = auth_client.patch("/api/cart/", {"course_id": course.id, "selected": False}, format="json")
    assert ticked.json() == {"errmsg": "ok"}
    assert auth_client.put("/api/cart/", {"selected": True}, format="json").json() == {"errmsg": "ok"}
    cart = auth_client.get("/api/cart/").json()
    assert list(cart) == ["cart"] and [(line["id"], line["price"], line["selected"]) for line in cart["cart"]] == [
        (course.id, "99.90", True)]


def test_the_coupon_choices_keep_the_seed_names(make_user, client_for, settings):
    user = make_user(credit=30)
    body = client_for(user).get("/api/coupon/enable/").json()
    assert body == {"coupon_list": [], "unusable": [], "credit_to_money": settings.CREDIT_TO_MONEY, "has_credit": 30}
