"""Reads for studying: who may play which lesson, and how far a student got (always for one user)."""
from dataclasses import dataclass

from django.db.models import Sum
from django.db.models.functions import Least

from luffycityapi.apps.courses.models import CourseLesson
from luffycityapi.apps.users.selectors import owned_course_ids
from luffycityapi.core.errors import NotFound

from .models import LessonProgress


def course_lessons(course_id: int) -> list[CourseLesson]:
    """Every lesson of a visible course in study order (chapter, then lesson); 404 for a course nobody may see."""
    lessons = list(CourseLesson.objects.filter(chapter__course_id=course_id, chapter__course__is_deleted=False,
                                               chapter__course__is_show=True)
                   .select_related("chapter").order_by("chapter__orders", "chapter__id", "orders", "id"))
    if not lessons and not _course_visible(course_id):
        raise NotFound("课程不存在", code="course_not_found")
    return lessons


def _course_visible(course_id: int) -> bool:
    from luffycityapi.apps.courses.models import Course

    return Course.objects.filter(pk=course_id, is_show=True, is_deleted=False).exists()


def owns_course(user_id, course_id: int) -> bool:
    return bool(user_id) and course_id in owned_course_ids(user_id, [course_id])


def may_play(user_id, lesson: CourseLesson) -> bool:
    """A free-preview lesson plays for anyone; the rest only for the course's owners (asked again on every media
    request, so a refund that takes the course back stops playback at once)."""
    return lesson.free_trail or owns_course(user_id, lesson.chapter.course_id)


def lesson_progress(user_id: int, lesson_ids) -> dict[int, LessonProgress]:
    return {p.lesson_id: p for p in LessonProgress.objects.filter(user_id=user_id, lesson_id__in=list(lesson_ids))}


@dataclass(frozen=True)
class CourseProgress:
    course_id: int
    watched: int  # seconds, each lesson's capped at its duration
    total: int  # seconds, every lesson of the course
    last_lesson_id: int | None
    last_position: int

    @property
    def percent(self) -> int:
        """Whole percent complete, rounded down (so 100 means every second of every lesson)."""
        return self.watched * 100 // self.total if self.total else 0

    def at_least(self, percent: int) -> bool:
        """Exactly: watched / total ≥ percent / 100 (integers, no rounding at the policy's edge)."""
        return bool(self.total) and self.watched * 100 >= percent * self.total


def courses_progress(user_id: int, course_ids) -> dict[int, CourseProgress]:
    """Each course's progress for the user: seconds watched (each lesson capped at its duration), seconds in all,
    and the lesson last studied with its position. Three queries whatever the number of courses."""
    course_ids = [int(c) for c in course_ids]
    totals = dict(CourseLesson.objects.filter(chapter__course_id__in=course_ids)
                  .values_list("chapter__course_id").annotate(total=Sum("duration")).values_list("chapter__course_id", "total"))
    watched = dict(LessonProgress.objects.filter(user_id=user_id, course_id__in=course_ids)
                   .values_list("course_id").annotate(w=Sum(Least("watched", "lesson__duration")))
                   .values_list("course_id", "w"))
    last = {}
    for course_id, lesson_id, position in (LessonProgress.objects.filter(user_id=user_id, course_id__in=course_ids)
                                           .order_by("course_id", "-updated_time", "-id")
                                           .values_list("course_id", "lesson_id", "position")):
        last.setdefault(course_id, (lesson_id, position))
    return {c: CourseProgress(c, int(watched.get(c) or 0), int(totals.get(c) or 0), *last.get(c, (None, 0)))
            for c in course_ids}
