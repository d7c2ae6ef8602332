from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from luffycityapi.core.schema import error

from . import selectors, services
from .serializers import (CartAddedSerializer, CartChangedSerializer, CartSerializer, CourseIdSerializer,
                          SelectAllSerializer, SelectSerializer)

NOT_IN_CART = error("the course is not in the cart: `cart_item_not_found`")


class CartView(APIView):
    @extend_schema(request=CourseIdSerializer, responses={201: CartAddedSerializer})
    def post(self, request):
        data = CourseIdSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        added = services.cart_add(user_id=request.user.id, course_id=data.validated_data["course_id"])
        return Response(CartAddedSerializer(added).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=CartSerializer)
    def get(self, request):
        return Response(CartSerializer(selectors.cart(request.user.id, only_selected=False)).data)

    @extend_schema(request=SelectSerializer, responses={200: CartChangedSerializer, 404: NOT_IN_CART})
    def patch(self, request):
        data = SelectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(CartChangedSerializer(
            services.cart_select(user_id=request.user.id, **data.validated_data)).data)

    @extend_schema(request=SelectAllSerializer, responses=CartChangedSerializer)
    def put(self, request):
        data = SelectAllSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(CartChangedSerializer(
            services.cart_select_all(user_id=request.user.id, selected=data.validated_data["selected"])).data)

    @extend_schema(parameters=[OpenApiParameter("course_id", int, required=True)], responses={204: None, 404: NOT_IN_CART})
    def delete(self, request):
        data = CourseIdSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        services.cart_remove(user_id=request.user.id, course_id=data.validated_data["course_id"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class CartOrderView(APIView):
    """The selected courses with their prices: what checkout will order."""

    @extend_schema(responses=CartSerializer)
    def get(self, request):
        return Response(CartSerializer(selectors.cart(request.user.id, only_selected=True)).data)
