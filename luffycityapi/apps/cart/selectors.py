"""Cart reads: the Redis hash joined with the catalogue (prices always from the database)."""

from luffycityapi.apps.courses import selectors as course_selectors

from . import store


def cart_entries(user_id: int, *, only_selected: bool = False) -> dict[int, bool]:
    """{course_id: selected} straight from the cart store."""
    entries = store.items(user_id)
    return {cid: sel for cid, sel in entries.items() if sel} if only_selected else entries


def cart_lines(user_id: int, *, only_selected: bool = False):
    """[(course, selected)] for the visible courses in the cart, in catalogue order, from the database."""
    entries = cart_entries(user_id, only_selected=only_selected)
    courses = course_selectors.courses_by_ids(entries.keys())
    lines = [(courses[cid], entries[cid]) for cid in entries if cid in courses]
    lines.sort(key=lambda line: (line[0].orders, line[0].id))
    return lines


def selected_course_ids(user_id: int) -> list[int]:
    return store.selected_ids(user_id)


def cart_count(user_id: int) -> int:
    return store.count(user_id)


