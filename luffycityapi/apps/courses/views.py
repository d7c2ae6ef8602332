from django.utils import timezone
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from . import selectors
from .serializers import CourseDetailSerializer, CourseSerializer


class CourseListView(generics.ListAPIView):
    """Public, paginated list of shown, undeleted courses."""

    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = CourseSerializer

    def get_queryset(self):
        return selectors.course_list()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


class CourseDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = CourseDetailSerializer

    def retrieve(self, request, pk):
        course = selectors.course_detail(pk)
        return Response(CourseDetailSerializer(course, context={"now": timezone.now()}).data)
