"""Catalogue reads: shown, undeleted courses, with discounts prefetched so pricing does no queries."""
from django.db.models import Prefetch

from luffycityapi.core.errors import NotFound, ShopError

from .models import Course, CourseChapter, CourseDiscount


def _with_discounts(qs):
    return qs.prefetch_related(
        Prefetch("discounts", queryset=CourseDiscount.objects.select_related("activity")))


def course_list():
    """Courses a student can see, in display order."""
    return _with_discounts(Course.objects.filter(is_show=True, is_deleted=False).select_related("category"))


def course_detail(course_id) -> Course:
    """One visible course with chapters and lessons; 404 otherwise."""
    qs = course_list().prefetch_related(
        Prefetch("chapters", queryset=CourseChapter.objects.prefetch_related("lessons")))
    try:
        return qs.get(pk=course_id)
    except (Course.DoesNotExist, ValueError, TypeError):
        raise NotFound("课程不存在", code="course_not_found") from None


def course_for_sale(course_id: int) -> Course:
    """A course a student may buy now, or a 400 saying why not: unknown, deleted and hidden each get their own
    code so the SPA can tell "no such course" from "taken off the shelf"."""
    course = _with_discounts(Course.objects.filter(pk=course_id)).first()
    if course is None:
        raise ShopError("课程不存在", code="course_not_found")
    if course.is_deleted:
        raise ShopError("课程已删除", code="course_deleted")
    if not course.is_show:
        raise ShopError("课程已下架", code="course_off_shelf")
    return course


def courses_by_ids(course_ids) -> dict[int, Course]:
    """Visible courses among the ids, keyed by id (one query + prefetch)."""
    return {c.id: c for c in course_list().filter(pk__in=list(course_ids))}
