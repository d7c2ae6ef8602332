"""Thin views over the payment services: one ViewSet per provider, on a base that holds the actions every provider
has (the cashier link, the return relay, the status poll, the notify). The notify takes no session or token
(CSRF-exempt, authenticated by the provider's signature) and answers what the provider expects, not JSON."""
from django.http import HttpResponse
from django.urls import path
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (OpenApiParameter, OpenApiTypes, extend_schema, extend_schema_view,
                                   inline_serializer)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

from luffycityapi.core.errors import ShopError
from luffycityapi.core.money import money_str
from luffycityapi.core.throttling import ScopedThrottle

from . import inbound, outbound, selectors
from .providers.base import PaymentProvider
from .providers.registry import provider_named

StatusSerializer = inline_serializer("PaymentStatus", {
    "order_number": serializers.CharField(), "order_status": serializers.IntegerField(),
    "get_order_status_display": serializers.CharField(), "pay_time": serializers.DateTimeField(allow_null=True),
    "real_price": serializers.CharField()})
ResultSerializer = inline_serializer("PaymentResult", {
    "order_number": serializers.CharField(), "pay_time": serializers.CharField(),
    "real_price": serializers.CharField(), "course_list": serializers.ListField(child=serializers.DictField())})


def link_serializer(name: str):
    return inline_serializer(name, {
        "pay_type": serializers.IntegerField(), "get_pay_type_display": serializers.CharField(),
        "link": serializers.CharField(allow_null=True), "order_status": serializers.IntegerField()})


def notify_schema(request_serializer, **extra) -> dict:
    return {"request": {"application/x-www-form-urlencoded": request_serializer},
            "responses": {(200, "text/plain"): OpenApiTypes.STR}, "auth": [], **extra}


def _status(order) -> dict:
    return {"order_number": order.order_number, "order_status": order.order_status,
            "get_order_status_display": order.get_order_status_display(), "pay_time": order.pay_time,
            "real_price": money_str(order.real_price)}


class PaymentSchema(AutoSchema):
    def get_operation_id(self):
        # The notify is routed with and without a trailing slash (a notify_url configured either way); two routes
        # sharing one operationId made drf-spectacular warn, and `check --deploy` fail.
        operation_id = super().get_operation_id()
        if getattr(self.view, "action", None) == "notify_slash":
            return operation_id.removesuffix("_create") + "_slash_create"
        return operation_id


# The notify comes from the provider's servers: no session or token (DRF views without SessionAuthentication are
# CSRF-exempt), no throttle (the provider retries what we refuse); its signature is the authentication.
NOTIFY_OPTIONS = {"authentication_classes": [], "permission_classes": [AllowAny], "throttle_classes": [],
                  "parser_classes": [FormParser]}


class PaymentAPIViewSet(ViewSet):
    """The actions every provider has. A provider's ViewSet names its provider (`provider_name`, the registry's
    name) and documents its own wire format; `routes(prefix)` gives its URLs."""

    provider_name = ""
    schema = PaymentSchema()
    throttle_scope = None  # ScopedThrottle's scope, set per action (the poll's is per student)

    @property
    def provider(self) -> PaymentProvider:
        return provider_named(self.provider_name)

    @extend_schema(parameters=[OpenApiParameter(
        "device", OpenApiTypes.STR, enum=outbound.DEVICES,
        description="the cashier for this device: desktop (default, page pay) or mobile (wap pay)")],
        responses=link_serializer("PaymentLink"))
    @action(detail=True, methods=["get"])
    def link(self, request, order_number):
        """The cashier link for the user's unpaid order (a 0.00 order is paid at once, without one)."""
        devices = request.query_params.getlist("device") or ["desktop"]
        device = devices[0] if len(devices) == 1 else ""  # sent twice: refused like any other wrong value
        return Response(outbound.payment_link(self.provider, user_id=request.user.id, order_number=order_number,
                                              device=device))

    @extend_schema(responses=ResultSerializer)
    @action(detail=False, methods=["get"])
    def return_result(self, request):
        """The SPA relays the query string the cashier appended to the return URL, as is."""
        params = request.query_params
        if any(len(values) > 1 for _, values in params.lists()):
            raise ShopError("支付结果参数重复", code="return_invalid")
        order = inbound.payment_return(self.provider, user_id=request.user.id, params=params.dict())
        return Response({
            "order_number": order.order_number,
            "pay_time": order.pay_time.astimezone().strftime("%Y-%m-%d %H:%M:%S") if order.pay_time else "",
            "real_price": money_str(order.real_price),
            "course_list": [{"id": line.course_id, "name": line.name, "cover": line.course.cover,
                             "real_price": money_str(line.real_price)}
                            for line in order.order_courses.select_related("course")],
        })

    @extend_schema(responses=StatusSerializer)
    @action(detail=True, methods=["get"], throttle_classes=[ScopedThrottle], throttle_scope="payment_query")
    def query(self, request, order_number):
        """The order's payment status; the provider is asked while it is unpaid."""
        return Response(_status(outbound.payment_query(user_id=request.user.id, order_number=order_number)))

    @extend_schema(**notify_schema(OpenApiTypes.OBJECT))
    @action(detail=False, methods=["post"], **NOTIFY_OPTIONS)
    def notify(self, request):
        """The provider's asynchronous notification, answered as the provider expects once its effect is committed."""
        provider = self.provider
        params, malformed = provider.read_notify(request._request)
        accepted = params is not None and inbound.payment_notify(provider, params, malformed=malformed)
        answer = provider.notify_answer(accepted)
        return HttpResponse(answer.body, content_type=answer.content_type)

    @extend_schema(**notify_schema(OpenApiTypes.OBJECT))
    @action(detail=False, methods=["post"], **NOTIFY_OPTIONS)
    def notify_slash(self, request):
        """The same notify at a URL with a trailing slash (a notify_url configured that way)."""
        return self.notify(request)

    @classmethod
    def action_view(cls, method: str, name: str):
        """One action as a view, with the options its @action gives it (as a router would; the schema class
        stays the ViewSet's, whose operation ids tell the two notify routes apart)."""
        options = {key: value for key, value in getattr(cls, name).kwargs.items() if key != "schema"}
        return cls.as_view({method: name}, **options)

    @classmethod
    def routes(cls, prefix: str) -> list:
        """The provider's URLs under payments/: `prefix`/<order_number>/ (link), result/, query/<order_number>/,
        and the notify with and without a trailing slash. The link's catch-all comes last."""
        return [
            path(f"{prefix}/result/", cls.action_view("get", "return_result"), name=f"{prefix}-result"),
            path(f"{prefix}/query/<str:order_number>/", cls.action_view("get", "query"), name=f"{prefix}-query"),
            path(f"{prefix}/notify", cls.action_view("post", "notify"), name=f"{prefix}-notify"),
            path(f"{prefix}/notify/", cls.action_view("post", "notify_slash")),
            path(f"{prefix}/<str:order_number>/", cls.action_view("get", "link"), name=f"{prefix}-link"),
        ]


AlipayNotifySerializer = inline_serializer("AlipayNotify", {
    "out_trade_no": serializers.CharField(), "trade_no": serializers.CharField(),
    "trade_status": serializers.CharField(), "total_amount": serializers.CharField(),
    "app_id": serializers.CharField(), "sign": serializers.CharField(), "sign_type": serializers.CharField()})


ALIPAY_NOTIFY = ("Alipay's form-encoded asynchronous notification: `success` (text/plain) after the effect is "
                 "committed, `fail` otherwise (Alipay retries). No session or token; the RSA2 signature is the "
                 "authentication.")


@extend_schema_view(
    link=extend_schema(responses=link_serializer("AlipayLink")),
    return_result=extend_schema(parameters=[OpenApiParameter("out_trade_no", OpenApiTypes.STR),
                                            OpenApiParameter("sign", OpenApiTypes.STR)]),
    notify=extend_schema(**notify_schema(AlipayNotifySerializer), description=ALIPAY_NOTIFY),
    notify_slash=extend_schema(**notify_schema(AlipayNotifySerializer),
                               description=f"{ALIPAY_NOTIFY} The same endpoint with a trailing slash."),
)
class AlipayAPIViewSet(PaymentAPIViewSet):
    """Alipay: the page-pay link, the return relay (`out_trade_no`, `sign`, ... as Alipay appended them), the
    trade.query poll, and Alipay's form-encoded notify answered with the plain-text `success` or `fail`."""

    provider_name = "alipay"


WalletPaySerializer = inline_serializer("WalletPayment", {
    "order_number": serializers.CharField(), "order_status": serializers.IntegerField(),
    "get_order_status_display": serializers.CharField(), "pay_time": serializers.DateTimeField(allow_null=True),
    "real_price": serializers.CharField(), "pay_type": serializers.IntegerField(),
    "get_pay_type_display": serializers.CharField(), "money": serializers.CharField()})


class WalletAPIViewSet(PaymentAPIViewSet):
    """The wallet (余额支付): POST pays the order from the balance at once (all or nothing; a repeat charges
    nothing; 400 `wallet_insufficient` when the balance is too small); the status poll as for every provider. No
    cashier link, return or notify: the money never leaves the shop."""

    provider_name = "wallet"

    @extend_schema(request=None, responses=WalletPaySerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, order_number):
        """Pay the user's unpaid wallet order from their balance."""
        provider = self.provider
        order = outbound.payment_charge(provider, user_id=request.user.id, order_number=order_number)
        return Response({**_status(order), "pay_type": order.pay_type, "get_pay_type_display": provider.title,
                         "money": money_str(provider.balance(request.user.id))})

    @classmethod
    def routes(cls, prefix: str) -> list:
        return [
            path(f"{prefix}/query/<str:order_number>/", cls.action_view("get", "query"), name=f"{prefix}-query"),
            path(f"{prefix}/<str:order_number>/", cls.action_view("post", "pay"), name=f"{prefix}-pay"),
        ]


TimelineSerializer = inline_serializer("OrderTimeline", {
    "order_number": serializers.CharField(), "order_status": serializers.IntegerField(),
    "get_order_status_display": serializers.CharField(),
    "events": serializers.ListField(child=inline_serializer("OrderTimelineEvent", {
        "code": serializers.CharField(), "label": serializers.CharField(), "time": serializers.CharField(),
        "amount": serializers.CharField(allow_null=True), "detail": serializers.CharField()}))})


class OrderTimelineView(APIView):
    """The order's payment timeline (created, link issued, paid, closed, refunded), oldest first; owner only.
    Served under orders/ (urls.order_urlpatterns): it reads payment records, so it lives in payments."""

    @extend_schema(responses=TimelineSerializer)
    def get(self, request, order_number):
        return Response(selectors.order_timeline(user_id=request.user.id, order_number=order_number))
