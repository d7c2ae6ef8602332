"""Thin views over the payment services: one ViewSet per provider, on a base that holds the actions every provider
has (the cashier link, the return relay, the status poll, the notify). The notify takes no session or token
(CSRF-exempt, authenticated by the provider's signature) and answers what the provider expects, not JSON."""
from django.http import Http404, HttpResponse
from django.urls import path
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
from luffycityapi.core.schema import ShopAutoSchema, error
from luffycityapi.core.throttling import ScopedThrottle

from . import inbound, outbound, selectors
from .providers.base import PaymentProvider
from .providers.registry import provider_named
from .serializers import (OrderTimelineSerializer, PaymentLinkSerializer, PaymentResultSerializer,
                          PaymentStatusSerializer, WalletPaymentSerializer)

# What asking the provider can answer besides the order's own refusals (409 a late payment for a closed order).
GATEWAY_ERRORS = {
    409: error("the order was cancelled or timed out: `order_not_payable`, `order_closed`"),
    502: error("the gateway answered something that cannot be trusted: `gateway_*`"),
    503: error("the gateway, the database or Redis is unreachable: `gateway_*`, `*_unavailable`"),
}

def notify_schema(request_serializer, **extra) -> dict:
    return {"request": {"application/x-www-form-urlencoded": request_serializer},
            "responses": {(200, "text/plain"): OpenApiTypes.STR}, "auth": [], **extra}


class PaymentSchema(ShopAutoSchema):
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
    link_serializer = PaymentLinkSerializer  # the link's answer (WeChat's Native pay names it code_url, a QR code)
    has_return = True     # whether the cashier sends the buyer back with signed parameters (Native pay does not)
    schema = PaymentSchema()
    throttle_scope = None  # ScopedThrottle's scope, set per action (the poll's is per student)

    @property
    def provider(self) -> PaymentProvider:
        try:
            return provider_named(self.provider_name)
        except LookupError:  # a way to pay this deployment does not offer (WeChat Pay without a merchant number)
            raise Http404 from None

    @extend_schema(parameters=[OpenApiParameter(
        "device", OpenApiTypes.STR, enum=outbound.DEVICES,
        description="the cashier for this device: desktop (default, page pay) or mobile (wap pay)")],
        responses={200: PaymentLinkSerializer, **GATEWAY_ERRORS})
    @action(detail=True, methods=["get"])
    def link(self, request, order_number):
        """The cashier link for the user's unpaid order (a 0.00 order is paid at once, without one)."""
        devices = request.query_params.getlist("device") or ["desktop"]
        device = devices[0] if len(devices) == 1 else ""  # sent twice: refused like any other wrong value
        return Response(self.link_serializer(outbound.payment_link(
            self.provider, user_id=request.user.id, order_number=order_number, device=device)).data)

    @extend_schema(responses={200: PaymentResultSerializer, 404: error("unknown order or someone else's"),
                              **GATEWAY_ERRORS})
    @action(detail=False, methods=["get"])
    def return_result(self, request):
        """The SPA relays the query string the cashier appended to the return URL, as is."""
        params = request.query_params
        if any(len(values) > 1 for _, values in params.lists()):
            raise ShopError("支付结果参数重复", code="return_invalid")
        order = inbound.payment_return(self.provider, user_id=request.user.id, params=params.dict())
        return Response(PaymentResultSerializer(order).data)

    @extend_schema(responses={200: PaymentStatusSerializer, **GATEWAY_ERRORS})
    @action(detail=True, methods=["get"], throttle_classes=[ScopedThrottle], throttle_scope="payment_query")
    def query(self, request, order_number):
        """The order's payment status; the provider is asked while it is unpaid."""
        return Response(PaymentStatusSerializer(
            outbound.payment_query(user_id=request.user.id, order_number=order_number)).data)

    @extend_schema(**notify_schema(OpenApiTypes.OBJECT))
    @action(detail=False, methods=["post"], **NOTIFY_OPTIONS)
    def notify(self, request):
        """The provider's asynchronous notification, answered as the provider expects once its effect is committed."""
        provider = self.provider
        params, malformed = provider.read_notify(request._request)
        accepted = params is not None and inbound.payment_notify(provider, params, malformed=malformed)
        answer = provider.notify_answer(accepted)
        return HttpResponse(answer.body, content_type=answer.content_type or None, status=answer.status)

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
        returns = [path(f"{prefix}/result/", cls.action_view("get", "return_result"), name=f"{prefix}-result")]
        return [
            *(returns if cls.has_return else []),
            path(f"{prefix}/query/<str:order_number>/", cls.action_view("get", "query"), name=f"{prefix}-query"),
            path(f"{prefix}/notify", cls.action_view("post", "notify"), name=f"{prefix}-notify"),
            path(f"{prefix}/notify/", cls.action_view("post", "notify_slash")),
            path(f"{prefix}/<str:order_number>/", cls.action_view("get", "link"), name=f"{prefix}-link"),
        ]


class AlipayNotifySerializer(serializers.Serializer):
    """The fields of Alipay's notify the shop checks (documentation only: the provider module reads the form)."""

    out_trade_no = serializers.CharField()
    trade_no = serializers.CharField()
    trade_status = serializers.CharField()
    total_amount = serializers.CharField()
    app_id = serializers.CharField()
    sign = serializers.CharField()
    sign_type = serializers.CharField()


ALIPAY_NOTIFY = ("Alipay's form-encoded asynchronous notification: `success` (text/plain) after the effect is "
                 "committed, `fail` otherwise (Alipay retries). No session or token; the RSA2 signature is the "
                 "authentication.")


@extend_schema_view(
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


# WeChat Pay's wire shapes live with its ViewSet: the payment services name nothing of WeChat.
class WechatPayLinkSerializer(serializers.Serializer):
    """WeChat Pay Native's link answer: the `code_url` the SPA shows as a QR code (null for a 0.00 order)."""

    pay_type = serializers.IntegerField()
    get_pay_type_display = serializers.CharField()
    code_url = serializers.CharField(source="link", allow_null=True, help_text="weixin://… to show as a QR code")
    order_status = serializers.IntegerField()


class WechatNotifyAnswerSerializer(serializers.Serializer):
    """What the WeChat notify answers when it did not take the notify (WeChat retries): its own error shape."""

    code = serializers.ChoiceField(choices=["FAIL"])
    message = serializers.CharField()


WechatNotifySerializer = inline_serializer("WechatPayNotify", {
    "id": serializers.CharField(), "create_time": serializers.CharField(), "event_type": serializers.CharField(),
    "resource_type": serializers.CharField(), "summary": serializers.CharField(),
    "resource": inline_serializer("WechatPayNotifyResource", {
        "algorithm": serializers.CharField(), "ciphertext": serializers.CharField(),
        "associated_data": serializers.CharField(), "nonce": serializers.CharField(),
        "original_type": serializers.CharField()})})

WECHAT_NOTIFY = ("WeChat Pay's JSON notify (API v3): Wechatpay-Signature over timestamp, nonce and the raw body, "
                 "checked with the WeChat Pay public key; the AES-256-GCM resource decrypted with the APIv3 key. "
                 "HTTP 204 (no body) after the effect is committed; otherwise 400 with "
                 '`{"code": "FAIL", "message": ...}`, and WeChat retries. No session or token.')


def wechat_notify_schema(description: str) -> dict:
    return {"request": {"application/json": WechatNotifySerializer},
            "responses": {204: None, 400: WechatNotifyAnswerSerializer}, "auth": [],
            "description": description}


@extend_schema_view(
    link=extend_schema(responses={200: WechatPayLinkSerializer, **GATEWAY_ERRORS}),
    notify=extend_schema(**wechat_notify_schema(WECHAT_NOTIFY)),
    notify_slash=extend_schema(**wechat_notify_schema(f"{WECHAT_NOTIFY} The same endpoint with a trailing slash.")),
)
class WechatPayAPIViewSet(PaymentAPIViewSet):
    """WeChat Pay Native (QR): the link is the `code_url` the SPA shows as a QR code (null for a 0.00 order);
    there is no return (the SPA polls `query`); the notify is WeChat's signed, encrypted JSON."""

    provider_name = "wechat"
    link_serializer = WechatPayLinkSerializer
    has_return = False


class WalletAPIViewSet(PaymentAPIViewSet):
    """The wallet (余额支付): POST pays the order from the balance at once (all or nothing; a repeat charges
    nothing; 400 `wallet_insufficient` when the balance is too small); the status poll as for every provider. No
    cashier link, return or notify: the money never leaves the shop."""

    provider_name = "wallet"

    @extend_schema(request=None, responses={
        200: WalletPaymentSerializer,
        400: error("the balance is too small (`wallet_insufficient`, with `balance`), or the order is not a wallet "
                   "order or not payable (`pay_type_mismatch`, `order_not_payable`, `order_expired`)"),
        409: error("the order was cancelled or timed out: `order_not_payable`")})
    @action(detail=True, methods=["post"])
    def pay(self, request, order_number):
        """Pay the user's unpaid wallet order from their balance."""
        return Response(WalletPaymentSerializer(
            outbound.wallet_payment(self.provider, user_id=request.user.id, order_number=order_number)).data)

    @classmethod
    def routes(cls, prefix: str) -> list:
        return [
            path(f"{prefix}/query/<str:order_number>/", cls.action_view("get", "query"), name=f"{prefix}-query"),
            path(f"{prefix}/<str:order_number>/", cls.action_view("post", "pay"), name=f"{prefix}-pay"),
        ]


class OrderTimelineView(APIView):
    """The order's payment timeline (created, link issued, paid, closed, refunded), oldest first; owner only.
    Served under orders/ (urls.order_urlpatterns): it reads payment records, so it lives in payments."""

    @extend_schema(responses=OrderTimelineSerializer)
    def get(self, request, order_number):
        return Response(OrderTimelineSerializer(
            selectors.order_timeline(user_id=request.user.id, order_number=order_number)).data)
