from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from luffycityapi.apps.courses import selectors as course_selectors
from luffycityapi.apps.courses.serializers import course_row

from . import selectors, services


class CourseIdSerializer(serializers.Serializer):
    course_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class SelectSerializer(CourseIdSerializer):
    selected = serializers.BooleanField()


class SelectAllSerializer(serializers.Serializer):
    selected = serializers.BooleanField()


def _lines_payload(user_id: int, *, only_selected: bool) -> list[dict]:
    """The cart for display, from the cached catalogue (invalidated on every course change); checkout itself
    prices from the database."""
    now = timezone.now()
    entries = selectors.cart_entries(user_id, only_selected=only_selected)
    if not entries:
        return []
    rows = course_selectors.catalogue_rows(course_row)
    return [{**course_selectors.render_row(row, now), "selected": entries[row["id"]]}
            for row in rows if row["id"] in entries]


class CartView(APIView):
    @extend_schema(request=CourseIdSerializer, responses={201: dict})
    def post(self, request):
        data = CourseIdSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        total = services.cart_add(user_id=request.user.id, course_id=data.validated_data["course_id"])
        return Response({"errmsg": "添加成功", "cart_total": total}, status=status.HTTP_201_CREATED)

    @extend_schema(responses=dict)
    def get(self, request):
        return Response({"cart": _lines_payload(request.user.id, only_selected=False)})

    @extend_schema(request=SelectSerializer, responses=dict)
    def patch(self, request):
        data = SelectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cart_select(user_id=request.user.id, **data.validated_data)
        return Response({"errmsg": "ok"})

    @extend_schema(request=SelectAllSerializer, responses=dict)
    def put(self, request):
        data = SelectAllSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cart_select_all(user_id=request.user.id, selected=data.validated_data["selected"])
        return Response({"errmsg": "ok"})

    @extend_schema(parameters=[OpenApiParameter("course_id", int, required=True)], responses={204: None})
    def delete(self, request):
        data = CourseIdSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        services.cart_remove(user_id=request.user.id, course_id=data.validated_data["course_id"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class CartOrderView(APIView):
    """The selected courses with their prices: what checkout will order."""

    @extend_schema(responses=dict)
    def get(self, request):
        return Response({"cart": _lines_payload(request.user.id, only_selected=True)})
