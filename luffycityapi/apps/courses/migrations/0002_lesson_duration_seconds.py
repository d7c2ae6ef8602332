"""Lesson durations were free text shaped like clock times ("11:00", "1:02:03"); they become whole seconds, and a
lesson gains the video file it plays. Unparseable old values become 0 (unknown)."""
import re

from django.db import migrations, models


def clock_to_seconds(text) -> int:
    """"mm:ss" or "hh:mm:ss" (or a bare number of seconds) → seconds; anything else → 0."""
    text = (text or "").strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    if not re.fullmatch(r"\d+(:\d{1,2}){1,2}", text):
        return 0
    seconds = 0
    for part in text.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds


def forwards(apps, schema_editor):
    Lesson = apps.get_model("courses", "CourseLesson")
    for lesson in Lesson.objects.only("id", "duration").iterator():
        Lesson.objects.filter(pk=lesson.pk).update(duration_seconds=clock_to_seconds(lesson.duration))


def backwards(apps, schema_editor):
    Lesson = apps.get_model("courses", "CourseLesson")
    for lesson in Lesson.objects.only("id", "duration_seconds").iterator():
        minutes, seconds = divmod(lesson.duration_seconds, 60)
        Lesson.objects.filter(pk=lesson.pk).update(duration=f"{minutes}:{seconds:02d}")


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]

    operations = [
        migrations.AddField("courselesson", "duration_seconds", models.PositiveIntegerField("时长（秒）", default=0)),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField("courselesson", "duration"),
        migrations.RenameField("courselesson", "duration_seconds", "duration"),
        migrations.AddField("courselesson", "video", models.CharField("视频文件", max_length=255, blank=True, default="")),
    ]
