from django.conf import settings
from django.utils import timezone
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from luffycityapi.core.http_cache import ConditionalGetMixin

from . import selectors
from .serializers import CourseDetailSerializer, CourseSerializer, course_row


def browser_max_age(rows, now) -> int:
    """How long a browser may reuse an answer showing `rows` without asking: CATALOGUE_HTTP_MAX_AGE, cut short
    at the next discount window that opens or closes, and 0 while a discount is open (its `expire` counts down
    from the moment of the answer, so a reused copy would show a countdown too long)."""
    max_age = settings.CATALOGUE_HTTP_MAX_AGE
    for row in rows:
        for _name, _price, start, end in row["discount_windows"]:
            if start <= now < end:
                return 0
            if now < start:
                max_age = min(max_age, int((start - now).total_seconds()))
    return max(0, max_age)


class CourseListView(ConditionalGetMixin, generics.ListAPIView):
    """Public, paginated list of shown, undeleted courses, served from the cached catalogue; browsers may reuse
    it briefly and revalidate it with its ETag."""

    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = CourseSerializer

    def get_queryset(self):  # the schema's model; the data comes from the cache below
        return selectors.course_list()

    def list(self, request, *args, **kwargs):
        rows = selectors.CataloguePages(course_row)
        page = self.paginate_queryset(rows)
        now = timezone.now()
        self.http_max_age = browser_max_age(page, now)
        return self.get_paginated_response([selectors.render_row(row, now) for row in page])


class CourseDetailView(ConditionalGetMixin, generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = CourseDetailSerializer

    def retrieve(self, request, pk):
        row = selectors.catalogue_course(pk, lambda course: CourseDetailSerializer(course).data)
        now = timezone.now()
        self.http_max_age = browser_max_age([row], now)
        return Response(selectors.render_row(row, now))
