"""The student's study pages as the API answers them: plain dataclasses, rendered (and documented) by the output
serializers in serializers.py. Reads only, always for one user."""
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from luffycityapi.apps.courses.models import Course
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.users.selectors import user_course_list

from . import media, selectors
from .policy import line_policies


@dataclass(frozen=True)
class StudyLesson:
    """One lesson as the lesson list shows it (StudyLessonSerializer)."""

    id: int
    chapter_id: int
    chapter_orders: int
    chapter_name: str
    orders: int
    name: str
    duration: int
    free_trail: bool
    play_url: str | None  # signed for the caller; None where they may not play it
    watched: int
    position: int


@dataclass(frozen=True)
class CourseStudy:
    """GET /api/courses/<id>/lessons/ (CourseLessonsSerializer)."""

    course_id: int
    course_name: str
    owned: bool
    percent: int
    last_lesson_id: int | None
    url_max_age: int
    lessons: list[StudyLesson]


def course_study(course_id: int, user_id: int | None) -> CourseStudy:
    """Every lesson of a visible course in study order, with play URLs signed for the caller (anonymous callers: the
    free previews) and the caller's progress; 404 for a course nobody may see."""
    lessons = selectors.course_lessons(course_id)
    owned = selectors.owns_course(user_id, course_id)
    progress = selectors.lesson_progress(user_id, [lesson.id for lesson in lessons]) if user_id else {}
    course_progress = selectors.courses_progress(user_id, [course_id])[course_id] if user_id else None
    course = Course.objects.only("id", "name").get(pk=course_id)
    rows = []
    for lesson in lessons:
        mine = progress.get(lesson.id)
        playable = lesson.video and (owned or lesson.free_trail)
        rows.append(StudyLesson(
            lesson.id, lesson.chapter_id, lesson.chapter.orders, lesson.chapter.name, lesson.orders, lesson.name,
            lesson.duration, lesson.free_trail, media.play_url(user_id, lesson.id) if playable else None,
            mine.watched if mine else 0, mine.position if mine else 0))
    return CourseStudy(course.id, course.name, owned, course_progress.percent if course_progress else 0,
                       course_progress.last_lesson_id if course_progress else None, settings.LESSON_URL_MAX_AGE, rows)


@dataclass(frozen=True)
class RefundPolicy:
    """Whether an owned course may still be refunded, and the policy's terms (RefundPolicySerializer)."""

    refundable: bool
    code: str
    message: str
    deadline: datetime | None
    max_progress: int
    window_days: int


@dataclass(frozen=True)
class MyCourseStudy:
    """An owned course with the student's progress and its refund policy (MyCourseStudySerializer)."""

    course_id: int
    order_number: str
    percent: int
    watched: int
    total: int
    last_lesson_id: int | None
    last_position: int
    refund: RefundPolicy


def my_study(user_id: int) -> list[MyCourseStudy]:
    """The student's owned courses with progress, the lesson to continue from, and the refund policy per course."""
    owned = list(user_course_list(user_id))
    progress = selectors.courses_progress(user_id, [uc.course_id for uc in owned])
    numbers = {uc.order_number for uc in owned if uc.order_number}
    policies = {}
    for order in Order.objects.filter(user_id=user_id, order_number__in=numbers):
        for course_id, line in line_policies(order).items():
            policies[(order.order_number, course_id)] = line
    rows = []
    for uc in owned:
        p, line = progress[uc.course_id], policies.get((uc.order_number, uc.course_id))
        refund = RefundPolicy(bool(line and line.refundable), line.code if line else "refund_order_not_paid",
                              line.message if line else "无可退款订单", line.deadline if line else None,
                              settings.REFUND_MAX_PROGRESS, settings.REFUND_WINDOW_DAYS)
        rows.append(MyCourseStudy(uc.course_id, uc.order_number, p.percent, p.watched, p.total, p.last_lesson_id,
                                  p.last_position, refund))
    return rows
