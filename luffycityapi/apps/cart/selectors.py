"""Cart reads: what the Redis hash holds. Prices come from the database where they are shown or charged
(courses.selectors, orders.selectors)."""

from . import store


def cart_entries(user_id: int, *, only_selected: bool = False) -> dict[int, bool]:
    """{course_id: selected} straight from the cart store."""
    entries = store.items(user_id)
    return {cid: sel for cid, sel in entries.items() if sel} if only_selected else entries


def selected_course_ids(user_id: int) -> list[int]:
    return store.selected_ids(user_id)


def cart_count(user_id: int) -> int:
    return store.count(user_id)


