from django.conf import settings
from django.db import models


class LessonProgress(models.Model):
    """How far one student got in one lesson. `watched` is the furthest second reached (never decreases, capped at
    the lesson's duration: it drives percent complete and the refund policy); `position` is where they last were
    (it resumes the player and may go back when they rewind)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="lesson_progress", on_delete=models.CASCADE,
                             verbose_name="用户")
    course = models.ForeignKey("courses.Course", related_name="+", on_delete=models.CASCADE, verbose_name="课程")
    lesson = models.ForeignKey("courses.CourseLesson", related_name="+", on_delete=models.CASCADE, verbose_name="课时")
    watched = models.PositiveIntegerField("已观看（秒）", default=0)
    position = models.PositiveIntegerField("上次位置（秒）", default=0)
    updated_time = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        db_table = "ly_lesson_progress"
        verbose_name = verbose_name_plural = "学习进度"
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="one_progress_per_lesson")]
        indexes = [models.Index(fields=["user", "course", "updated_time"], name="progress_user_course")]

    def __str__(self):
        return f"{self.user_id} · {self.lesson_id} · {self.watched}s"
