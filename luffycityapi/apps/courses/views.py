from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from django.utils import timezone
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from luffycityapi.core.http_cache import ConditionalGetMixin

from . import selectors
from .serializers import CategorySerializer, CourseDetailSerializer, CourseSerializer, category_rows, course_row


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
    it briefly and revalidate it with its ETag. `?category=<id>`, `?ordering=newest|popular|price|-price` and
    `?search=` narrow and sort it on the server (selectors.CatalogueQuery)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = CourseSerializer

    def get_queryset(self):  # the schema's model; the data comes from the cache below
        return selectors.course_list()

    # On `get`, the handler drf-spectacular reads for an APIView (on `list` the parameters were not published).
    @extend_schema(parameters=[
        OpenApiParameter("category", int, description="a category id (GET /api/courses/categories/)"),
        OpenApiParameter("ordering", str, enum=[k for k in selectors.SORTS if k],
                         description="newest first, most students first, or by list price up / down"),
        OpenApiParameter("search", str, description="words matched in the name, brief, category and teacher")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        rows = selectors.CataloguePages(course_row, selectors.CatalogueQuery.parse(request.query_params))
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


class CategoryListView(ConditionalGetMixin, generics.ListAPIView):
    """The categories with courses on sale, for the course list's filter; from the cached catalogue."""

    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self):  # the schema's model; the data comes from the cache below
        return selectors.category_list()

    def list(self, request, *args, **kwargs):
        self.http_max_age = settings.CATALOGUE_HTTP_MAX_AGE
        return Response(selectors.catalogue_categories(category_rows))
