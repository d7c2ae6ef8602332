"""Catalogue reads: shown, undeleted courses, with discounts prefetched so pricing does no queries.

The public catalogue (list and detail) is also kept in Django's cache (Redis), because it is read on every
page and changes rarely. What is cached never goes stale in time: each course carries all of its discount
windows with their absolute start and end, and the discount shown (and its `expire` seconds) is worked out per
request. Any change to a course, category, activity, discount, chapter or lesson starts a new cache generation
(signals.py); entries of older generations are simply never read again and expire on their own."""
import hashlib
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, Q

from luffycityapi.core.errors import NotFound, ShopError
from luffycityapi.core.prepared import Prepared

from .models import Course, CourseCategory, CourseChapter, CourseDiscount
from .pricing import course_windows, discount_window, open_discount

GENERATION_KEY = "catalogue:generation"


def _with_discounts(qs):
    return qs.prefetch_related(
        Prefetch("discounts", queryset=CourseDiscount.objects.select_related("activity")))


def course_list():
    """Courses a student can see, in display order."""
    return _with_discounts(Course.objects.filter(is_show=True, is_deleted=False)
                           .select_related("category", "teacher"))


# The list's sort orders (`?ordering=`): the operators' order by default. `price` is the list price: the price
# a discount makes changes with time, and the cached pages are not re-sorted per request.
SORTS = {
    "": ("orders", "id"),
    "newest": ("-created_time", "-id"),
    "popular": ("-students", "id"),
    "price": ("price", "id"),
    "-price": ("-price", "id"),
}
SEARCH_MAX = 50


@dataclass(frozen=True)
class CatalogueQuery:
    """What the course list is narrowed and sorted by: a category id, a sort (a key of SORTS) and a search text
    matched against the name, brief, category and teacher. Parsed by the view; invalid values are 400s."""

    category: int | None = None
    sort: str = ""
    search: str = ""

    @classmethod
    def parse(cls, params) -> "CatalogueQuery":
        """From a request's query parameters `category`, `ordering` and `search`; a ShopError (400) says which
        one is wrong."""
        category = params.get("category") or None
        if category is not None:
            try:
                category = int(category)
            except ValueError:
                raise ShopError("分类参数无效", code="bad_category") from None
            # An id is a positive 64-bit integer; a larger one overflowed the database driver (a 500 on SQLite,
            # found by schemathesis once the parameter was in the schema).
            if not 0 < category < 2**63:
                raise ShopError("分类参数无效", code="bad_category")
        sort = params.get("ordering") or ""
        if sort not in SORTS:
            raise ShopError(f"排序方式无效，可选：{', '.join(k for k in SORTS if k)}", code="bad_ordering")
        search = " ".join((params.get("search") or "").split())
        if len(search) > SEARCH_MAX:
            raise ShopError(f"搜索词不能超过 {SEARCH_MAX} 个字", code="bad_search")
        return cls(category, sort, search)

    @property
    def cache_key(self) -> str:
        """The part of a cache key naming this query: any search text becomes a fixed-length digest."""
        digest = hashlib.sha1(self.search.casefold().encode(), usedforsecurity=False).hexdigest()[:16]
        return f"c{self.category or ''}:s{self.sort}:q{digest if self.search else ''}"

    def apply(self, qs):
        if self.category is not None:
            qs = qs.filter(category_id=self.category)
        if self.search:
            for word in self.search.split():
                qs = qs.filter(Q(name__icontains=word) | Q(brief__icontains=word) | Q(category__name__icontains=word)
                               | Q(teacher__name__icontains=word))
        return qs.order_by(*SORTS[self.sort])


def category_list():
    """The categories shown to students that hold at least one visible course, in display order."""
    return (CourseCategory.objects.filter(is_show=True, courses__is_show=True, courses__is_deleted=False)
            .distinct().order_by("orders", "id"))


def course_detail(course_id) -> Course:
    """One visible course with chapters and lessons; 404 otherwise."""
    qs = course_list().prefetch_related(
        Prefetch("chapters", queryset=CourseChapter.objects.prefetch_related("lessons")))
    try:
        return qs.get(pk=course_id)
    except (Course.DoesNotExist, ValueError, TypeError):
        raise NotFound("课程不存在", code="course_not_found") from None


def course_for_sale(course_id: int) -> None:
    """Pass for a course a student may buy now, or a 400 saying why not: unknown, deleted and hidden each get
    their own code so the SPA can tell "no such course" from "taken off the shelf"."""
    if course_id in _visible_ids():
        return  # the cached catalogue knows it is on sale: no query
    # Only what the check needs: adding to the cart prices nothing (the cart and checkout read prices later).
    course = Course.objects.filter(pk=course_id).only("id", "is_deleted", "is_show").first()
    if course is None:
        raise ShopError("课程不存在", code="course_not_found")
    if course.is_deleted:
        raise ShopError("课程已删除", code="course_deleted")
    if not course.is_show:
        raise ShopError("课程已下架", code="course_off_shelf")


@dataclass(frozen=True)
class SaleCourse:
    """What checkout prices a course from: its row's pricing fields and its discount windows."""

    id: int
    name: str
    price: Decimal
    credit: int
    category_id: int | None
    windows: list


def _sale_rows_query(course_ids):
    return (Course.objects.filter(pk__in=course_ids, is_show=True, is_deleted=False)
            .order_by("orders", "id", "discounts__id")
            .values_list("id", "name", "price", "credit", "category_id", "discounts__kind", "discounts__value",
                         "discounts__activity__name", "discounts__activity__start_time",
                         "discounts__activity__end_time"))


# Prepared (core.prepared): building this join's SQL cost more CPU than running it, on every quote and every order
# create. Compiled once per database and number of ids (a cart of more than MAX_LIST courses is compiled each time).
_sale_rows = Prepared(_sale_rows_query)


def courses_for_sale(course_ids) -> list[SaleCourse]:
    """The visible courses among the ids, in catalogue order, with their discount windows: one query (the
    discounts LEFT JOINed, no model instances), because quote and create run it on every call."""
    rows = _sale_rows.rows([int(course_id) for course_id in course_ids])
    courses: dict[int, SaleCourse] = {}
    for course_id, name, price, credit, category_id, kind, value, activity, start, end in rows:
        course = courses.get(course_id)
        if course is None:
            course = courses[course_id] = SaleCourse(course_id, name, price, credit, category_id, [])
        if kind is not None:
            course.windows.append(discount_window(price, kind, value, activity, start, end))
    return list(courses.values())


# --- the cached public catalogue ------------------------------------------------------------------------------

VISIBLE_IDS_KEY = "catalogue:visible_ids"


def catalogue_changed() -> None:
    """Start a new cache generation. A nanosecond clock, not a counter: if Redis ever lost this key alone, a
    restarted counter could name an old generation whose entries are still cached."""
    cache.set(GENERATION_KEY, time.time_ns(), timeout=None)
    cache.delete(VISIBLE_IDS_KEY)


def _visible_ids() -> set[int]:
    """The ids of the courses on sale, cached under one key (one round trip: adding to the cart is hot) and
    dropped with every catalogue change."""
    ids = cache.get(VISIBLE_IDS_KEY)
    if ids is None:
        ids = set(Course.objects.filter(is_show=True, is_deleted=False).values_list("id", flat=True))
        cache.set(VISIBLE_IDS_KEY, ids, timeout=settings.CATALOGUE_CACHE_SECONDS)
    return ids


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)  # add: a concurrent first reader may have won
        generation = cache.get(GENERATION_KEY)
    return generation


def discount_at(windows, now) -> dict:
    """The API's `discount` at `now`: the window courses.pricing.open_discount picks, with `expire` counted from
    now; {} when none is open."""
    best = open_discount(windows, now)
    return best.as_api(now) if best else {}


def render_row(row: dict, now) -> dict:
    """A cached catalogue row as the API shows it: the discount is picked (and its `expire` counted) now."""
    row = dict(row)
    row["discount"] = discount_at(row.pop("discount_windows"), now)
    return row


def _cached(key: str, build):
    key = f"catalogue:{_generation()}:{key}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=settings.CATALOGUE_CACHE_SECONDS)
    return value


def catalogue_rows(serialize) -> list[dict]:
    """Every visible course as the list serializer renders it, without `discount` but with `discount_windows`
    (see discount_at); cached. `serialize(course)` renders one course."""
    def build():
        return [{**dict(serialize(course)), "discount_windows": course_windows(course)} for course in course_list()]

    return _cached("list", build)


class CataloguePages:
    """The visible courses (narrowed and sorted by a CatalogueQuery) as a sequence the paginator slices: its
    length is the cached count, and each slice it asks for is read (LIMIT/OFFSET) and cached on its own, so a page
    costs the same in a catalogue of 10 courses or 10,000 (issue #19's growth table). Rows as catalogue_rows
    renders them. Every cache key names the query, so one query's page is never served for another."""

    def __init__(self, serialize, query: CatalogueQuery = CatalogueQuery()):
        self.serialize = serialize
        self.query = query

    def __len__(self) -> int:
        return _cached(f"count:{self.query.cache_key}", lambda: self.query.apply(course_list()).count())

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("CataloguePages is read by slices")
        start, stop = index.start or 0, index.stop

        def build():
            return [{**dict(self.serialize(course)), "discount_windows": course_windows(course)}
                    for course in self.query.apply(course_list())[start:stop]]

        return _cached(f"slice:{self.query.cache_key}:{start}:{stop}", build)


def catalogue_categories(serialize) -> list[dict]:
    """The course list's category filter: category_list as `serialize(categories)` renders it; cached."""
    return _cached("categories", lambda: serialize(category_list()))


def catalogue_course(course_id: int, serialize) -> dict:
    """One visible course with chapters and lessons as the detail serializer renders it (like catalogue_rows);
    cached; 404 for a course nobody may see."""
    def build():
        course = course_detail(course_id)
        return {**dict(serialize(course)), "discount_windows": course_windows(course)}

    return _cached(f"course:{course_id}", build)
