"""courses 0002: lesson durations stored as clock-like text become whole seconds (unparseable ones 0)."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from luffycityapi.apps.courses.models import CourseLesson

BEFORE = [("courses", "0001_initial")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_clock_durations_become_seconds():
    old = migrate(BEFORE)
    try:
        course = old.get_model("courses", "Course").objects.create(name="迁移", price="1.00")
        chapter = old.get_model("courses", "CourseChapter").objects.create(course_id=course.id, name="章")
        Lesson = old.get_model("courses", "CourseLesson")
        for name, text in [("mm:ss", "11:00"), ("short", "3:07"), ("hours", "1:02:03"), ("bare", "45"),
                           ("empty", ""), ("words", "十分钟")]:
            Lesson.objects.create(chapter_id=chapter.id, name=name, duration=text)
    finally:
        migrate(latest())
    assert dict(CourseLesson.objects.values_list("name", "duration")) == {
        "mm:ss": 660, "short": 187, "hours": 3723, "bare": 45, "empty": 0, "words": 0}
    assert set(CourseLesson.objects.values_list("video", flat=True)) == {""}
