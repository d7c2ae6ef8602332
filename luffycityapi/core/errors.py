"""Domain errors with stable codes, and the one DRF exception handler that renders every error as
{"errmsg": ..., "code": ...}. No traceback ever reaches a response."""
import logging
import math
from enum import StrEnum

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.http import Http404
from redis.exceptions import RedisError
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger("luffycityapi.errors")


class ErrorCode(StrEnum):
    """Every `code` an API error can carry: the one list, published in the schema as the Error component's enum
    (core.schema). A ShopError with a code not listed here is refused when it is raised, and
    tests/core/test_error_codes.py finds every code literal in the source in this list. Add a code here first."""

    # the HTTP layer: bad input, authentication, routing, limits, faults
    BAD_REQUEST = "bad_request"
    INVALID = "invalid"                          # a field failed validation; `fields` says which
    MALFORMED_REQUEST = "malformed_request"
    REQUEST_TOO_LARGE = "request_too_large"
    NOT_AUTHENTICATED = "not_authenticated"
    TOKEN_INVALID = "token_invalid"
    PERMISSION_DENIED = "permission_denied"
    FORBIDDEN = "forbidden"                      # /metrics to an address not allowed
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    CONFLICT = "conflict"
    THROTTLED = "throttled"
    SERVER_ERROR = "server_error"
    BAD_GATEWAY = "bad_gateway"
    SERVICE_UNAVAILABLE = "service_unavailable"
    REDIS_UNAVAILABLE = "redis_unavailable"
    DATABASE_UNAVAILABLE = "database_unavailable"
    UNHEALTHY = "unhealthy"
    INVALID_PAGE = "invalid_page"
    PAGE_NOT_FOUND = "page_not_found"
    # users
    INVALID_CREDENTIALS = "invalid_credentials"
    LOGIN_LOCKED = "login_locked"
    MOBILE_TAKEN = "mobile_taken"
    PASSWORD_MISMATCH = "password_mismatch"
    PASSWORD_WEAK = "password_weak"
    CREDIT_INSUFFICIENT = "credit_insufficient"
    WALLET_INSUFFICIENT = "wallet_insufficient"
    WALLET_NOT_PAID = "wallet_not_paid"
    # courses and cart
    COURSE_NOT_FOUND = "course_not_found"
    COURSE_DELETED = "course_deleted"
    COURSE_OFF_SHELF = "course_off_shelf"
    COURSE_ALREADY_PURCHASED = "course_already_purchased"
    CART_ITEM_NOT_FOUND = "cart_item_not_found"
    CART_EMPTY = "cart_empty"
    # coupons and credits at checkout
    COUPON_NOT_FOUND = "coupon_not_found"
    COUPON_NOT_STARTED = "coupon_not_started"
    COUPON_EXPIRED = "coupon_expired"
    COUPON_DISABLED = "coupon_disabled"
    COUPON_USED = "coupon_used"
    COUPON_RESERVED = "coupon_reserved"
    COUPON_NOT_APPLICABLE = "coupon_not_applicable"
    COUPON_CONDITION_UNMET = "coupon_condition_unmet"
    COUPON_AND_CREDIT = "coupon_and_credit"
    COUPON_LIMIT_REACHED = "coupon_limit_reached"
    COUPON_OUT_OF_STOCK = "coupon_out_of_stock"
    COUPON_TOTAL_BELOW_ISSUED = "coupon_total_below_issued"
    CREDIT_INVALID = "credit_invalid"
    CREDIT_OVER_LIMIT = "credit_over_limit"
    # orders
    STATUS_INVALID = "status_invalid"
    PAY_TYPE_INVALID = "pay_type_invalid"
    PAY_TYPE_UNAVAILABLE = "pay_type_unavailable"  # the wallet's balance cannot pay this amount
    TOPUP_AMOUNT_INVALID = "topup_amount_invalid"
    ORDER_NOT_FOUND = "order_not_found"
    ORDER_UNPAID_EXISTS = "order_unpaid_exists"
    ORDER_NOT_CANCELLABLE = "order_not_cancellable"
    ORDER_NOT_CLOSED = "order_not_closed"
    ORDER_NOT_REFUNDABLE = "order_not_refundable"
    ORDER_NOT_PAYABLE = "order_not_payable"
    # payments
    DEVICE_INVALID = "device_invalid"
    PAY_LINK_NOT_SUPPORTED = "pay_link_not_supported"  # a way to pay without a cashier link (the wallet)
    PAY_TYPE_MISMATCH = "pay_type_mismatch"
    ORDER_ALREADY_PAID = "order_already_paid"
    ORDER_EXPIRED = "order_expired"
    ORDER_CLOSED = "order_closed"
    PAYMENT_PENDING = "payment_pending"
    RETURN_INVALID = "return_invalid"
    RETURN_SIGNATURE_INVALID = "return_signature_invalid"
    PAYMENT_CONFIG_INVALID = "payment_config_invalid"
    GATEWAY_ERROR = "gateway_error"
    GATEWAY_BAD_RESPONSE = "gateway_bad_response"
    GATEWAY_BAD_SIGNATURE = "gateway_bad_signature"
    GATEWAY_HTTP_ERROR = "gateway_http_error"
    GATEWAY_REJECTED = "gateway_rejected"
    GATEWAY_TIMEOUT = "gateway_timeout"
    GATEWAY_UNREACHABLE = "gateway_unreachable"
    # learning: lessons, signed media, progress, refund requests
    LESSON_NOT_FOUND = "lesson_not_found"
    LESSON_FORBIDDEN = "lesson_forbidden"
    MEDIA_UNSIGNED = "media_unsigned"
    MEDIA_EXPIRED = "media_expired"
    MEDIA_BAD_SIGNATURE = "media_bad_signature"
    MEDIA_WRONG_USER = "media_wrong_user"
    MEDIA_FORBIDDEN = "media_forbidden"
    MEDIA_NOT_FOUND = "media_not_found"
    PROGRESS_INVALID = "progress_invalid"
    REFUND_OUTSIDE_POLICY = "refund_outside_policy"
    REFUND_REASON_REQUIRED = "refund_reason_required"
    REFUND_REQUEST_EXISTS = "refund_request_exists"
    REFUND_REQUEST_NOT_FOUND = "refund_request_not_found"
    REFUND_REQUEST_DECIDED = "refund_request_decided"
    RANGE_NOT_SATISFIABLE = "range_not_satisfiable"
    # the catalogue's list: filter, sort and search
    BAD_CATEGORY = "bad_category"
    BAD_ORDERING = "bad_ordering"
    BAD_SEARCH = "bad_search"
    REFUND_ORDER_NOT_PAID = "refund_order_not_paid"
    REFUND_WINDOW_PASSED = "refund_window_passed"
    REFUND_PROGRESS_EXCEEDED = "refund_progress_exceeded"
    # refunds and payment issues (operators, admin)
    REFUND_NO_COURSES = "refund_no_courses"
    REFUND_COURSE_NOT_IN_ORDER = "refund_course_not_in_order"
    REFUND_COURSE_ALREADY_REFUNDED = "refund_course_already_refunded"
    REFUND_REQUEST_CONFLICT = "refund_request_conflict"
    REFUND_REQUEST_INVALID = "refund_request_invalid"
    ISSUE_ALREADY_SETTLED = "issue_already_settled"
    ISSUE_NOT_GRANTABLE = "issue_not_grantable"
    ISSUE_REFUND_EXISTS = "issue_refund_exists"


class ShopError(Exception):
    """A refusal the client can act on; `code` is stable and machine-readable."""

    status_code = 400
    default_code = "bad_request"
    default_message = "请求有误"
    headers: dict | None = None  # e.g. Retry-After on a 429

    def __init__(self, message: str | None = None, *, code: str | None = None, status: int | None = None, **extra):
        self.message = message or self.default_message
        self.code = ErrorCode(code or self.default_code)  # ValueError for a code not in ErrorCode: add it there
        if status:
            self.status_code = status
        self.extra = extra
        super().__init__(self.message)


class NotFound(ShopError):
    status_code = 404
    default_code = "not_found"
    default_message = "资源不存在"


class Conflict(ShopError):
    status_code = 409
    default_code = "conflict"
    default_message = "状态冲突"


class ServiceUnavailable(ShopError):
    status_code = 503
    default_code = "service_unavailable"
    default_message = "服务暂不可用，请稍后再试"


class GatewayError(ShopError):
    """The payment gateway could not be reached or answered something we cannot trust."""

    status_code = 502
    default_code = "gateway_error"
    default_message = "支付网关暂不可用，请稍后再试"


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            text = _first_message(value)
            return text if key in ("non_field_errors", "detail") else f"{key}: {text}"
        return "请求有误"
    if isinstance(detail, (list, tuple)):
        return _first_message(detail[0]) if detail else "请求有误"
    return str(detail)


def error_body(message: str, code: str, **extra) -> dict:
    """The error contract's body (the schema's Error component): the code is always one of ErrorCode."""
    return {"errmsg": message, "code": ErrorCode(code).value, **extra}


def is_api(request) -> bool:
    """Whether a request is for the JSON API (the contract: every API path starts with /api/)."""
    return request.path_info.startswith("/api/")


# What an API error that did not come from a DRF view (Django's own error views or debug pages) is called.
HTTP_ERRORS = {
    400: ("请求有误", "bad_request"),
    401: ("请先登录", "not_authenticated"),
    403: ("没有权限", "permission_denied"),
    404: ("接口不存在", "not_found"),
    405: ("不支持该请求方法", "method_not_allowed"),
    413: ("请求体过大", "request_too_large"),
    429: ("请求过于频繁，请稍后再试", "throttled"),
    500: ("服务器内部错误", "server_error"),
    502: ("上游服务暂不可用，请稍后再试", "bad_gateway"),
    503: ("服务暂不可用，请稍后再试", "service_unavailable"),
}


def http_error_body(status: int) -> dict:
    message, code = HTTP_ERRORS.get(status, HTTP_ERRORS[400 if status < 500 else 500])
    return error_body(message, code)


def exception_handler(exc, context):
    """Render every exception raised under DRF as {errmsg, code}; unknown ones are logged and become a 500."""
    set_rollback()  # like DRF's own handler: an error response never commits an ATOMIC_REQUESTS transaction
    if isinstance(exc, ShopError):
        return Response(error_body(exc.message, exc.code, **exc.extra), status=exc.status_code, headers=exc.headers)
    if isinstance(exc, RequestDataTooBig):  # past DATA_UPLOAD_MAX_MEMORY_SIZE, raised when DRF reads the body
        return Response(http_error_body(413), status=413)
    if isinstance(exc, Http404):
        return Response(error_body("资源不存在", "not_found"), status=404)
    if isinstance(exc, PermissionDenied):
        return Response(error_body("没有权限", "permission_denied"), status=403)
    if isinstance(exc, drf.ValidationError):
        return Response(error_body(_first_message(exc.detail), "invalid", fields=exc.detail), status=400)
    if isinstance(exc, DjangoValidationError):  # a model's full_clean() or validator: bad input, not a fault
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return Response(error_body(_first_message(detail), "invalid", fields=detail), status=400)
    if isinstance(exc, drf.ParseError):
        return Response(error_body("请求体不是合法的 JSON", "malformed_request"), status=400)
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        code = "token_invalid" if isinstance(exc, drf.AuthenticationFailed) else "not_authenticated"
        return Response(error_body("请先登录" if code == "not_authenticated" else "登录已失效，请重新登录", code),
                        status=401, headers={"WWW-Authenticate": 'Bearer realm="api"'})
    if isinstance(exc, drf.Throttled):
        wait = math.ceil(exc.wait or 60)
        return Response(error_body(f"请求过于频繁，请 {wait} 秒后再试", "throttled"), status=429,
                        headers={"Retry-After": str(wait)})
    if isinstance(exc, drf.APIException):  # e.g. 405 method_not_allowed, 406, 415: DRF's code when it is one of ours
        fallback = HTTP_ERRORS[400 if exc.status_code < 500 else 500][1]
        code = exc.default_code if exc.default_code in ErrorCode._value2member_map_ else fallback
        return Response(error_body(_first_message(exc.detail), code), status=exc.status_code)
    if isinstance(exc, RedisError):
        logger.error("redis unavailable: %s", exc)
        return Response(error_body("缓存服务暂不可用，请稍后再试", "redis_unavailable"), status=503)
    if isinstance(exc, DatabaseError):
        logger.exception("database error")
        return Response(error_body("数据库暂不可用，请稍后再试", "database_unavailable"), status=503)
    logger.exception("unhandled error in %s", context.get("view"))
    return Response(error_body("服务器内部错误", "server_error"), status=500)
