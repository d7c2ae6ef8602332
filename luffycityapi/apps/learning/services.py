"""Writes for studying: progress as the player reports it."""
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from luffycityapi.apps.courses.models import CourseLesson
from luffycityapi.core.errors import NotFound, ShopError

from . import selectors
from .media import MediaForbidden
from .models import LessonProgress


@dataclass(frozen=True)
class ProgressReport:
    """The answer to the player's report (serializers.ProgressOutSerializer): the lesson's progress and the
    course's percent after it."""

    lesson_id: int
    watched: int
    position: int
    course_percent: int


def progress_report(*, user_id: int, lesson_id, position, ended: bool = False) -> ProgressReport:
    """progress_record, answered with the course's percent complete after it."""
    progress = progress_record(user_id=user_id, lesson_id=lesson_id, position=position, ended=ended)
    percent = selectors.courses_progress(user_id, [progress.course_id])[progress.course_id].percent
    return ProgressReport(progress.lesson_id, progress.watched, progress.position, percent)


def progress_record(*, user_id: int, lesson_id, position, ended: bool = False) -> LessonProgress:
    """Record that the student reached `position` seconds of a lesson they may play. Idempotent and order-proof:
    `watched` becomes the max of what was recorded and this position (capped at the lesson's duration), so a
    repeated or late report never lowers it; `position` (for resuming) is the latest report. `ended`: the player
    played the video to its end, which completes the lesson even where the file is shorter than the listed length
    (the demo's few-second samples stand in for lessons of several minutes)."""
    try:
        position = int(float(position))
        lesson = CourseLesson.objects.select_related("chapter").get(pk=int(lesson_id))
    except (TypeError, ValueError):
        raise ShopError("参数有误", code="progress_invalid") from None
    except CourseLesson.DoesNotExist:
        raise NotFound("课时不存在", code="lesson_not_found") from None
    if position < 0:
        raise ShopError("参数有误", code="progress_invalid")
    if not selectors.may_play(user_id, lesson):
        raise MediaForbidden("购买后才能学习该课时", code="lesson_forbidden")
    position = lesson.duration if ended else min(position, lesson.duration)
    with transaction.atomic():
        progress, created = LessonProgress.objects.get_or_create(
            user_id=user_id, lesson_id=lesson.id,
            defaults={"course_id": lesson.chapter.course_id, "watched": position, "position": position})
        if not created:
            # One UPDATE: two reports racing each other still leave the larger `watched`.
            LessonProgress.objects.filter(pk=progress.pk).update(watched=Greatest(F("watched"), position),
                                                                position=position)
            progress.refresh_from_db()
    return progress
