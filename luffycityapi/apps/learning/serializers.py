from rest_framework import serializers


class StudyLessonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    chapter_id = serializers.IntegerField()
    chapter_orders = serializers.IntegerField()
    chapter_name = serializers.CharField()
    orders = serializers.IntegerField()
    name = serializers.CharField()
    duration = serializers.IntegerField(help_text="seconds")
    free_trail = serializers.BooleanField()
    play_url = serializers.CharField(allow_null=True, help_text="signed, expiring; null where the caller may not play it")
    watched = serializers.IntegerField(help_text="furthest second reached")
    position = serializers.IntegerField(help_text="where the student last was (resume)")


class CourseLessonsSerializer(serializers.Serializer):
    """GET /api/courses/<id>/lessons/: every lesson of the course, in study order."""

    course_id = serializers.IntegerField()
    course_name = serializers.CharField()
    owned = serializers.BooleanField()
    percent = serializers.IntegerField()
    last_lesson_id = serializers.IntegerField(allow_null=True)
    url_max_age = serializers.IntegerField(help_text="seconds a play_url stays valid")
    lessons = StudyLessonSerializer(many=True)


class ProgressInSerializer(serializers.Serializer):
    lesson_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    position = serializers.FloatField(min_value=0)
    ended = serializers.BooleanField(required=False, default=False,
                                     help_text="the player reached the video's end: the lesson is complete")


class ProgressOutSerializer(serializers.Serializer):
    lesson_id = serializers.IntegerField()
    watched = serializers.IntegerField()
    position = serializers.IntegerField()
    course_percent = serializers.IntegerField()


class RefundPolicySerializer(serializers.Serializer):
    refundable = serializers.BooleanField()
    code = serializers.CharField(help_text="'' when refundable, else refund_window_passed / refund_progress_exceeded / refund_order_not_paid")
    message = serializers.CharField()
    deadline = serializers.DateTimeField(allow_null=True)
    max_progress = serializers.IntegerField()
    window_days = serializers.IntegerField()


class MyCourseStudySerializer(serializers.Serializer):
    """GET /api/learn/courses/: for each owned course, progress and whether it may still be refunded."""

    course_id = serializers.IntegerField()
    order_number = serializers.CharField()
    percent = serializers.IntegerField()
    watched = serializers.IntegerField()
    total = serializers.IntegerField()
    last_lesson_id = serializers.IntegerField(allow_null=True)
    last_position = serializers.IntegerField()
    refund = RefundPolicySerializer()
