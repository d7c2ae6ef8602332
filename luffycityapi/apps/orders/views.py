from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from luffycityapi.core.errors import ShopError

from . import selectors, services
from .models import Order
from .serializers import (CheckoutChoiceSerializer, OrderCreatedSerializer, OrderSerializer, QuoteSerializer,
                          TopupSerializer)


def _choice(request) -> services.CheckoutChoice:
    data = CheckoutChoiceSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    return services.CheckoutChoice(**data.validated_data)


class OrderQuoteView(APIView):
    @extend_schema(request=CheckoutChoiceSerializer, responses=QuoteSerializer)
    def post(self, request):
        quote = services.checkout_quote(user_id=request.user.id, choice=_choice(request),
                                        balance=request.user.credit)
        return Response(QuoteSerializer(quote).data)


class OrderListCreateView(generics.ListAPIView):
    serializer_class = OrderSerializer

    @extend_schema(parameters=[OpenApiParameter("status", int, enum=Order.Status.values)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        raw = self.request.query_params.get("status")
        if raw in (None, ""):
            return selectors.order_list(user_id=self.request.user.id)
        if raw not in {str(v) for v in Order.Status.values}:
            raise ShopError("订单状态参数有误", code="status_invalid")
        return selectors.order_list(user_id=self.request.user.id, status=int(raw))

    @extend_schema(request=CheckoutChoiceSerializer, responses={201: OrderCreatedSerializer})
    def post(self, request):
        order = services.order_create(user_id=request.user.id, choice=_choice(request))
        return Response(OrderCreatedSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderDetailView(APIView):
    @extend_schema(responses=OrderSerializer)
    def get(self, request, order_number):
        return Response(OrderSerializer(
            selectors.order_of_user(user_id=request.user.id, order_number=order_number)).data)


class OrderCancelView(APIView):
    @extend_schema(request=None, responses=OrderSerializer)
    def post(self, request, order_number):
        services.order_cancel(user_id=request.user.id, order_number=order_number)
        return Response(OrderSerializer(
            selectors.order_of_user(user_id=request.user.id, order_number=order_number)).data)


class TopupCreateView(APIView):
    """A wallet top-up order for `amount`, paid like any order through its provider's cashier link."""

    @extend_schema(request=TopupSerializer, responses={201: OrderCreatedSerializer})
    def post(self, request):
        data = TopupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.topup_create(user_id=request.user.id, amount=data.validated_data["amount"],
                                      pay_type=data.validated_data["pay_type"])
        return Response(OrderCreatedSerializer(order).data, status=status.HTTP_201_CREATED)
