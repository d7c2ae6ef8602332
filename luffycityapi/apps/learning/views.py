"""Thin views for studying: the lesson list with play URLs, the signed media itself, progress reports, and the
student's owned courses with progress and refund policy."""
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from luffycityapi.apps.courses.models import CourseLesson
from luffycityapi.core.errors import NotFound
from luffycityapi.core.schema import error

from . import media, selectors, services, study
from .serializers import (CourseLessonsSerializer, MyCourseStudySerializer, ProgressInSerializer,
                          ProgressOutSerializer)


class CourseLessonsView(APIView):
    """Every lesson of a course with free_trail, duration (seconds) and play_url (signed for the caller; null where
    they may not play it). Anonymous callers get the free previews."""

    permission_classes = [AllowAny]

    @extend_schema(responses=CourseLessonsSerializer)
    def get(self, request, course_id):
        user_id = request.user.id if request.user.is_authenticated else None
        return Response(CourseLessonsSerializer(study.course_study(course_id, user_id)).data)


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
        report = services.progress_report(user_id=request.user.id, lesson_id=data.validated_data["lesson_id"],
                                          position=data.validated_data["position"],
                                          ended=data.validated_data["ended"])
        return Response(ProgressOutSerializer(report).data)


class MyStudyView(generics.GenericAPIView):
    """The student's owned courses with progress, the lesson to continue from, and the refund policy per course."""

    serializer_class = MyCourseStudySerializer
    pagination_class = None

    @extend_schema(responses=MyCourseStudySerializer(many=True))
    def get(self, request):
        return Response(MyCourseStudySerializer(study.my_study(request.user.id), many=True).data)
