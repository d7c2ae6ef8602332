"""Cart reads: the Redis hash joined with the catalogue (prices always from the database)."""

from luffycityapi.apps.courses import selectors as course_selectors

from . import store


def cart_lines(user_id: int, *, only_selected: bool = False):
    """[(course, selected)] for the visible courses in the cart, in catalogue order."""
    entries = store.items(user_id)
    if only_selected:
        entries = {cid: sel for cid, sel in entries.items() if sel}
    courses = course_selectors.courses_by_ids(entries.keys())
    lines = [(courses[cid], entries[cid]) for cid in entries if cid in courses]
    lines.sort(key=lambda line: (line[0].orders, line[0].id))
    return lines


def selected_course_ids(user_id: int) -> list[int]:
    return store.selected_ids(user_id)


def cart_count(user_id: int) -> int:
    return store.count(user_id)


