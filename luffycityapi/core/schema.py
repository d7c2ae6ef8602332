"""The OpenAPI schema's shared parts: the error body every 4xx/5xx carries (with ErrorCode as its enum), and the
schema class that documents, on every operation, the error answers it can give besides the ones its view
declares. Views declare their success body (one output serializer) and any error particular to them (409, 502)."""
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from .errors import ErrorCode
from .fields import MoneyStringField


# The error codes as choices: the schema's ErrorCodeEnum (SPECTACULAR_SETTINGS' ENUM_NAME_OVERRIDES names it).
ERROR_CODE_CHOICES = [(code.value, code.value) for code in ErrorCode]


class LateRefundSerializer(serializers.Serializer):
    """`order_closed`: the refund of a payment that arrived after the order had closed."""

    status = serializers.ChoiceField(choices=["awaiting", "refunding", "refunded", "failed"])
    status_display = serializers.CharField()
    amount = MoneyStringField(allow_null=True, help_text="null while awaiting")
    time = serializers.DateTimeField(allow_null=True)


class ErrorSerializer(serializers.Serializer):
    """{errmsg, code}: what every API error answers (errors.exception_handler, core.middleware)."""

    errmsg = serializers.CharField(help_text="a message for people")
    code = serializers.ChoiceField(choices=ERROR_CODE_CHOICES,
                                   help_text="stable and machine-readable: switch on this, never on errmsg")
    fields = serializers.JSONField(required=False,
                                   help_text="code `invalid`: the failed fields, {field: [messages]} or [messages]")
    course_ids = serializers.ListField(child=serializers.IntegerField(), required=False,
                                       help_text="the courses the refusal is about (e.g. already purchased)")
    order_number = serializers.CharField(required=False, help_text="the order the refusal points to")
    order_status = serializers.IntegerField(required=False, help_text="the order's status when it was refused")
    pay_type = serializers.IntegerField(required=False, help_text="the way to pay that was refused")
    balance = serializers.CharField(required=False, help_text="`wallet_insufficient`: the wallet's balance")
    min = serializers.CharField(required=False, help_text="`topup_amount_invalid`: the least amount accepted")
    max = serializers.CharField(required=False, help_text="`topup_amount_invalid`: the largest amount accepted")
    refund = LateRefundSerializer(required=False, help_text="`order_closed`: the money's way back")

    class Meta:
        ref_name = "Error"


def error(description: str) -> OpenApiResponse:
    """An error answer for a view's extend_schema(responses={...}), e.g. {409: error("...")}."""
    return OpenApiResponse(ErrorSerializer, description=description)


BAD_REQUEST = "bad input: code `invalid` (see `fields`), `malformed_request`, or the refusal's own code"
NOT_AUTHENTICATED = "no or an expired access token: `not_authenticated`, `token_invalid`"
NOT_FOUND = "unknown or someone else's resource, or a page past the end"
THROTTLED = "too many requests (`throttled`, `login_locked`); Retry-After says when to come back"
UNAVAILABLE = "the database or Redis is down: `database_unavailable`, `redis_unavailable`"


class ShopAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the shop's error answers on every operation that can give them:
    400 when it takes a JSON body or query parameters, 401 when it needs a token, 404 when its path names something
    or it is paginated, 429 when it is throttled, 503 always. A status the view declares itself is kept."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        parameters = operation.get("parameters", [])
        expected = {}
        json_body = "application/json" in operation.get("requestBody", {}).get("content", {})
        if json_body or any(p.get("in") == "query" for p in parameters):
            expected["400"] = BAD_REQUEST
        if {} not in operation.get("security", [{}]):
            expected["401"] = NOT_AUTHENTICATED
        paginated = self.method == "GET" and self._is_list_view() and self._get_paginator() is not None
        if paginated or any(p.get("in") == "path" for p in parameters):
            expected["404"] = NOT_FOUND
        if getattr(self.view, "throttle_scope", None) and self.view.get_throttles():
            expected["429"] = THROTTLED
        expected["503"] = UNAVAILABLE
        for status, description in expected.items():
            if status not in responses:
                responses[status] = self._get_response_for_code(error(description), status)
        operation["responses"] = dict(sorted(responses.items()))
        return operation



def drop_storage_ranges(result, generator, request, public):
    """SPECTACULAR_SETTINGS' postprocessing hook: an integer in a response carries no minimum/maximum (nor the
    int32/int64 format guessed from them). Those come
    from the database backend's column ranges (SQLite's are 64-bit, MariaDB's a SMALLINT's or an INT UNSIGNED's),
    so the published contract would depend on the stack it was generated on; a client reading an answer has no use
    for them. Request bodies keep theirs (they are what the server accepts)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            continue
        for prop in component.get("properties", {}).values():
            prop.pop("minimum", None)
            prop.pop("maximum", None)
            if prop.get("format") in ("int32", "int64"):  # drf-spectacular's guess from those same ranges
                del prop["format"]
    return result
