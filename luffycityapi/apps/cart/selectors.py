"""Cart reads: what the Redis hash holds. Prices come from the database where they are shown or charged
(courses.selectors, orders.selectors)."""
from dataclasses import dataclass

from django.utils import timezone

from luffycityapi.apps.courses import selectors as course_selectors
from luffycityapi.apps.courses.serializers import course_row

from . import store


def cart_entries(user_id: int, *, only_selected: bool = False) -> dict[int, bool]:
    """{course_id: selected} straight from the cart store."""
    entries = store.items(user_id)
    return {cid: sel for cid, sel in entries.items() if sel} if only_selected else entries


def selected_course_ids(user_id: int) -> list[int]:
    return store.selected_ids(user_id)


def cart_count(user_id: int) -> int:
    return store.count(user_id)




@dataclass(frozen=True)
class CartLine:
    """One course in the cart as the catalogue shows it (a rendered catalogue row) and whether it is ticked."""

    course: dict
    selected: bool


@dataclass(frozen=True)
class Cart:
    """The cart as GET /api/cart/ and /api/cart/order/ show it (serializers.CartSerializer)."""

    cart: list[CartLine]


def cart(user_id: int, *, only_selected: bool) -> Cart:
    return Cart(cart_lines(user_id, only_selected=only_selected))


def cart_lines(user_id: int, *, only_selected: bool) -> list[CartLine]:
    """The cart for display, from the cached catalogue (invalidated on every course change); checkout itself
    prices from the database."""
    entries = cart_entries(user_id, only_selected=only_selected)
    if not entries:
        return []
    now = timezone.now()
    rows = course_selectors.catalogue_rows(course_row)
    return [CartLine(course_selectors.render_row(row, now), entries[row["id"]]) for row in rows if row["id"] in entries]
