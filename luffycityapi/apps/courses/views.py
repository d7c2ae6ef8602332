from django.utils import timezone
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from . import selectors
from .serializers import CourseDetailSerializer, CourseSerializer, course_row


class CourseListView(generics.ListAPIView):
    """Public, paginated list of shown, undeleted courses, served from the cached catalogue."""

    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = CourseSerializer

    def get_queryset(self):  # the schema's model; the data comes from the cache below
        return selectors.course_list()

    def list(self, request, *args, **kwargs):
        rows = selectors.CataloguePages(course_row)
        page = self.paginate_queryset(rows)
        now = timezone.now()
        return self.get_paginated_response([selectors.render_row(row, now) for row in page])


class CourseDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = CourseDetailSerializer

    def retrieve(self, request, pk):
        row = selectors.catalogue_course(pk, lambda course: CourseDetailSerializer(course).data)
        return Response(selectors.render_row(row, timezone.now()))
