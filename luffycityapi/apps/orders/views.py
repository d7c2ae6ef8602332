from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from luffycityapi.core.errors import ShopError
from luffycityapi.core.schema import error

from . import selectors, services
from .models import Order
from .checkout import checkout_summary
from .serializers import (CheckoutChoiceSerializer, CheckoutSummarySerializer, OrderCreatedSerializer, OrderSerializer,
                          QuoteSerializer, TopupSerializer)

COUPON_NOT_FOUND = error("no such coupon of the user's: `coupon_not_found`")


def _choice(request) -> services.CheckoutChoice:
    data = CheckoutChoiceSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    return services.CheckoutChoice(**data.validated_data)


class CheckoutView(APIView):
    """The checkout page in one request: selected cart, usable coupons, credits and the default quote."""

    @extend_schema(responses=CheckoutSummarySerializer)
    def get(self, request):
        return Response(CheckoutSummarySerializer(
            checkout_summary(user_id=request.user.id, balance=request.user.credit)).data)


class OrderQuoteView(APIView):
    @extend_schema(request=CheckoutChoiceSerializer, responses={200: QuoteSerializer, 404: COUPON_NOT_FOUND})
    def post(self, request):
        quote = services.checkout_quote(user_id=request.user.id, choice=_choice(request),
                                        balance=request.user.credit, user=request.user)
        return Response(QuoteSerializer(quote).data)


class OrderListCreateView(generics.ListAPIView):
    serializer_class = OrderSerializer

    @extend_schema(parameters=[OpenApiParameter(
        "status", str, enum=[str(v) for v in Order.Status.values] + [selectors.PARTIAL],
        description="an order_status, or `partial`: paid orders with some courses refunded (部分退款)")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        raw = self.request.query_params.get("status")
        if raw in (None, ""):
            return selectors.order_list(user_id=self.request.user.id)
        if raw == selectors.PARTIAL:
            return selectors.order_list(user_id=self.request.user.id, status=selectors.PARTIAL)
        if raw not in {str(v) for v in Order.Status.values}:
            raise ShopError("订单状态参数有误", code="status_invalid")
        return selectors.order_list(user_id=self.request.user.id, status=int(raw))

    def list(self, request, *args, **kwargs):
        # The page's refunds in one query (orders.selectors.with_refunds), not one per order card.
        page = selectors.with_refunds(self.paginate_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=CheckoutChoiceSerializer, responses={201: OrderCreatedSerializer, 404: COUPON_NOT_FOUND})
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
