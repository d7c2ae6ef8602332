"""Thin views over payments.services. The notify endpoint is a plain Django view: Alipay posts a form, not
JSON, carries no session or token (CSRF-exempt, authenticated by its RSA2 signature) and wants text/plain."""
import logging

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from luffycityapi.core.money import money_str
from luffycityapi.core.throttling import ScopedThrottle

from . import services

logger = logging.getLogger("luffycityapi.payments")

LinkSerializer = inline_serializer("AlipayLink", {
    "pay_type": serializers.IntegerField(), "get_pay_type_display": serializers.CharField(),
    "link": serializers.CharField(allow_null=True), "order_status": serializers.IntegerField()})
StatusSerializer = inline_serializer("PaymentStatus", {
    "order_number": serializers.CharField(), "order_status": serializers.IntegerField(),
    "get_order_status_display": serializers.CharField(), "pay_time": serializers.DateTimeField(allow_null=True),
    "real_price": serializers.CharField()})
ResultSerializer = inline_serializer("PaymentResult", {
    "order_number": serializers.CharField(), "pay_time": serializers.CharField(),
    "real_price": serializers.CharField(), "course_list": serializers.ListField(child=serializers.DictField())})


def _status(order) -> dict:
    return {"order_number": order.order_number, "order_status": order.order_status,
            "get_order_status_display": order.get_order_status_display(), "pay_time": order.pay_time,
            "real_price": money_str(order.real_price)}


class AlipayLinkView(APIView):
    @extend_schema(parameters=[OpenApiParameter(
        "device", OpenApiTypes.STR, enum=services.DEVICES,
        description="the cashier for this device: desktop (default, page pay) or mobile (wap pay)")],
        responses=LinkSerializer)
    def get(self, request, order_number):
        devices = request.query_params.getlist("device") or ["desktop"]
        device = devices[0] if len(devices) == 1 else ""  # sent twice: refused like any other wrong value
        return Response(services.payment_link(user_id=request.user.id, order_number=order_number, device=device))


class AlipayResultView(APIView):
    """The SPA relays the query string Alipay appended to the return URL, as is."""

    @extend_schema(parameters=[OpenApiParameter("out_trade_no", OpenApiTypes.STR),
                               OpenApiParameter("sign", OpenApiTypes.STR)], responses=ResultSerializer)
    def get(self, request):
        params = request.query_params
        if any(len(values) > 1 for _, values in params.lists()):
            from luffycityapi.core.errors import ShopError

            raise ShopError("支付结果参数重复", code="return_invalid")
        order = services.payment_return(user_id=request.user.id, params=params.dict())
        return Response({
            "order_number": order.order_number,
            "pay_time": order.pay_time.astimezone().strftime("%Y-%m-%d %H:%M:%S") if order.pay_time else "",
            "real_price": money_str(order.real_price),
            "course_list": [{"id": line.course_id, "name": line.name, "cover": line.course.cover,
                             "real_price": money_str(line.real_price)}
                            for line in order.order_courses.select_related("course")],
        })


class AlipayQueryView(APIView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "payment_query"

    @extend_schema(responses=StatusSerializer)
    def get(self, request, order_number):
        return Response(_status(services.payment_query(user_id=request.user.id, order_number=order_number)))


def _plain(text: str) -> HttpResponse:
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


NotifySerializer = inline_serializer("AlipayNotify", {
    "out_trade_no": serializers.CharField(), "trade_no": serializers.CharField(),
    "trade_status": serializers.CharField(), "total_amount": serializers.CharField(),
    "app_id": serializers.CharField(), "sign": serializers.CharField(), "sign_type": serializers.CharField()})


NOTIFY_SCHEMA = {"request": {"application/x-www-form-urlencoded": NotifySerializer},
                 "responses": {(200, "text/plain"): OpenApiTypes.STR}, "auth": []}


class AlipayNotifyView(APIView):
    """Alipay's asynchronous notification: `success` after the effect is committed, `fail` otherwise.
    No session or token (DRF views without SessionAuthentication are CSRF-exempt); the RSA2 signature is the
    authentication. The raw Django form is read, never DRF's parsed data, so nothing is coerced."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    parser_classes = [FormParser]

    @extend_schema(**NOTIFY_SCHEMA)
    def post(self, request):
        django_request = request._request
        try:
            form = django_request.POST
            malformed = ""
            if django_request.content_type != "application/x-www-form-urlencoded":
                malformed = "wrong_content_type"
            elif any(len(values) != 1 for _, values in form.lists()):
                malformed = "repeated_keys"
            params = form.dict()
        except (BadRequest, RequestDataTooBig, TooManyFieldsSent, SuspiciousOperation, UnicodeDecodeError,
                ValueError) as exc:  # BadRequest: Django refuses a form declared in a charset other than UTF-8
            logger.warning("unreadable notify: %s", exc.__class__.__name__)
            return _plain("fail")
        return _plain(services.payment_notify(params, malformed=malformed))


class AlipayNotifySlashView(AlipayNotifyView):
    """The same endpoint at `alipay/notify/` (a notify_url configured with a trailing slash), with an operationId
    of its own: two routes sharing one made drf-spectacular warn, and `check --deploy` fail."""

    @extend_schema(**NOTIFY_SCHEMA, operation_id="payments_alipay_notify_slash_create")
    def post(self, request):
        return super().post(request)
