"""Thin views for studying: the lesson list with play URLs, the signed media itself, progress reports, and the
student's owned courses with progress and refund policy."""
from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from luffycityapi.apps.courses.models import Course, CourseLesson
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.users.selectors import user_course_list
from luffycityapi.core.errors import NotFound
from luffycityapi.core.schema import error

from . import media, selectors, services
from .policy import line_policies
from .serializers import (CourseLessonsSerializer, MyCourseStudySerializer, ProgressInSerializer,
                          ProgressOutSerializer)


class CourseLessonsView(APIView):
    """Every lesson of a course with free_trail, duration (seconds) and play_url (signed for the caller; null where
    they may not play it). Anonymous callers get the free previews."""

    permission_classes = [AllowAny]

    @extend_schema(responses=CourseLessonsSerializer)
    def get(self, request, course_id):
        lessons = selectors.course_lessons(course_id)
        user_id = request.user.id if request.user.is_authenticated else None
        owned = selectors.owns_course(user_id, course_id)
        progress = selectors.lesson_progress(user_id, [lesson.id for lesson in lessons]) if user_id else {}
        course_progress = selectors.courses_progress(user_id, [course_id])[course_id] if user_id else None
        course = Course.objects.only("id", "name").get(pk=course_id)
        rows = []
        for lesson in lessons:
            mine = progress.get(lesson.id)
            playable = lesson.video and (owned or lesson.free_trail)
            rows.append({"id": lesson.id, "chapter_id": lesson.chapter_id, "chapter_orders": lesson.chapter.orders,
                         "chapter_name": lesson.chapter.name, "orders": lesson.orders, "name": lesson.name,
                         "duration": lesson.duration, "free_trail": lesson.free_trail,
                         "play_url": media.play_url(user_id, lesson.id) if playable else None,
                         "watched": mine.watched if mine else 0, "position": mine.position if mine else 0})
        return Response(CourseLessonsSerializer({
            "course_id": course.id, "course_name": course.name, "owned": owned,
            "percent": course_progress.percent if course_progress else 0,
            "last_lesson_id": course_progress.last_lesson_id if course_progress else None,
            "url_max_age": settings.LESSON_URL_MAX_AGE, "lessons": rows}).data)


class LessonMediaView(APIView):
    """The lesson's video for a signed URL: 403 when unsigned, expired, for another lesson or user, or when the
    signed user may no longer play it (checked on every request); Range requests get 206."""

    permission_classes = [AllowAny]

    @extend_schema(responses={
        (200, "video/webm"): bytes, (206, "video/webm"): bytes,
        403: error("unsigned, expired, someone else's or no longer playable: `media_unsigned`, `media_expired`, "
                   "`media_bad_signature`, `media_wrong_user`, `lesson_forbidden`"),
        404: error("no such lesson or its file is missing: `lesson_not_found`, `media_not_found`"),
        416: error("the Range starts past the end of the file: `range_not_satisfiable`")})
    def get(self, request, lesson_id):
        user_id = media.unsign(request.query_params.get("sig", ""), lesson_id)
        if request.user.is_authenticated and request.user.id != user_id:
            raise media.MediaForbidden("该播放地址属于其他用户", code="media_wrong_user")
        lesson = CourseLesson.objects.select_related("chapter").filter(pk=lesson_id).first()
        if lesson is None:
            raise NotFound("课时不存在", code="lesson_not_found")
        if not selectors.may_play(user_id, lesson):
            raise media.MediaForbidden("购买后才能学习该课时", code="lesson_forbidden")
        return media.media_response(request, lesson.video)


class ProgressView(APIView):
    """The player's report: the student reached `position` seconds of a lesson (at most every ~10 s)."""

    @extend_schema(request=ProgressInSerializer, responses={
        200: ProgressOutSerializer, 403: error("the lesson is not the caller's to play: `lesson_forbidden`"),
        404: error("no such lesson: `lesson_not_found`")})
    def post(self, request):
        data = ProgressInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        progress = services.progress_record(user_id=request.user.id, lesson_id=data.validated_data["lesson_id"],
                                            position=data.validated_data["position"],
                                            ended=data.validated_data["ended"])
        percent = selectors.courses_progress(request.user.id, [progress.course_id])[progress.course_id].percent
        return Response(ProgressOutSerializer({"lesson_id": progress.lesson_id, "watched": progress.watched,
                                               "position": progress.position, "course_percent": percent}).data)


class MyStudyView(generics.GenericAPIView):
    """The student's owned courses with progress, the lesson to continue from, and the refund policy per course."""

    serializer_class = MyCourseStudySerializer
    pagination_class = None

    @extend_schema(responses=MyCourseStudySerializer(many=True))
    def get(self, request):
        owned = list(user_course_list(request.user.id))
        progress = selectors.courses_progress(request.user.id, [uc.course_id for uc in owned])
        numbers = {uc.order_number for uc in owned if uc.order_number}
        policies = {}
        for order in Order.objects.filter(user_id=request.user.id, order_number__in=numbers):
            for course_id, line in line_policies(order).items():
                policies[(order.order_number, course_id)] = line
        rows = []
        for uc in owned:
            p, line = progress[uc.course_id], policies.get((uc.order_number, uc.course_id))
            rows.append({"course_id": uc.course_id, "order_number": uc.order_number, "percent": p.percent,
                         "watched": p.watched, "total": p.total, "last_lesson_id": p.last_lesson_id,
                         "last_position": p.last_position, "refund": {
                             "refundable": bool(line and line.refundable),
                             "code": line.code if line else "refund_order_not_paid",
                             "message": line.message if line else "无可退款订单",
                             "deadline": line.deadline if line else None,
                             "max_progress": settings.REFUND_MAX_PROGRESS,
                             "window_days": settings.REFUND_WINDOW_DAYS}})
        return Response(MyCourseStudySerializer(rows, many=True).data)
