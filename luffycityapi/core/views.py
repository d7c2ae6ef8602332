"""App-agnostic endpoints: health and the SPA's index with history fallback. (The API's JSON 404/500 come from
core.middleware, whatever answered the request.)"""
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django_redis import get_redis_connection
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from luffycityapi.core import metrics
from luffycityapi.core.errors import ErrorCode, error_body
from luffycityapi.core.schema import ErrorSerializer


class HealthSerializer(serializers.Serializer):
    db = serializers.CharField(help_text='"ok", or "down: <reason>"')
    redis = serializers.CharField(help_text='"ok", or "down: <reason>"')


class HealthDownSerializer(ErrorSerializer):
    """503: the error body (code `unhealthy`) naming what is down."""

    db = serializers.CharField(help_text='"ok", or "down: <reason>"')
    redis = serializers.CharField(help_text='"ok", or "down: <reason>"')

    class Meta:
        ref_name = "HealthDown"


class LiveSerializer(serializers.Serializer):
    status = serializers.CharField(help_text='always "ok"')


HEALTH_RESPONSES = {200: HealthSerializer, 503: HealthDownSerializer}


@dataclass(frozen=True)
class Health:
    """What the health check found (HealthSerializer; HealthDownSerializer, with its error message and code, when
    something is down)."""

    db: str
    redis: str
    errmsg: str = "服务暂不可用"
    code: str = ErrorCode.UNHEALTHY

    @property
    def ok(self) -> bool:
        return self.db == "ok" and self.redis == "ok"


@dataclass(frozen=True)
class Live:
    status: str = "ok"


def _check(probe) -> str:
    """"ok", or "down: <reason>" when the probe raises."""
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported, not raised
        return f"down: {exc.__class__.__name__}"
    return "ok"


def _db_probe():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


@extend_schema(responses=HEALTH_RESPONSES)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def health(request):
    """Really touch the database and Redis; 503 names whatever is down."""
    found = Health(db=_check(_db_probe), redis=_check(lambda: get_redis_connection("default").ping()))
    if found.ok:
        return Response(HealthSerializer(found).data)
    return Response(HealthDownSerializer(found).data, status=503)


@extend_schema(responses=LiveSerializer)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def health_live(request):
    """Liveness: the process answers (touches nothing, so a database outage does not get it restarted)."""
    return Response(LiveSerializer(Live()).data)


@extend_schema(responses=HEALTH_RESPONSES)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def health_ready(request):
    """Readiness: the database and Redis answer (the same checks as /api/health/); 503 takes a node out."""
    return health(request._request)


def _client_address(request) -> str:
    """The client's address as DRF's throttles see it: REMOTE_ADDR, or the entry NUM_PROXIES from the right of
    X-Forwarded-For when the shop is behind that many proxies."""
    return BaseThrottle().get_ident(request)


def prometheus_metrics(request):
    """/metrics for Prometheus, only to METRICS_ALLOWED_IPS (read at call time): everything else gets 403."""
    from django_prometheus.exports import ExportToDjangoView

    allowed = [ip.strip() for ip in settings.METRICS_ALLOWED_IPS if ip.strip()]
    if _client_address(request) not in allowed:
        return JsonResponse(error_body("无权访问", ErrorCode.FORBIDDEN), status=403)
    metrics.read_queue_depth()
    return ExportToDjangoView(request)


_PLACEHOLDER = """<!doctype html><html lang="zh"><meta charset="utf-8"><title>路飞学城</title>
<body style="font-family:sans-serif;padding:2em"><h1>路飞学城</h1>
<p>The storefront has not been built yet: run <code>make run</code> (it builds <code>frontend/</code>).</p>
<p>API: <a href="/api/docs/">/api/docs/</a> · Admin: <a href="/admin/">/admin/</a></p></body></html>"""


def spa_index(request, *args, **kwargs):
    """Serve the built SPA's index.html for every non-API path (history-mode routing)."""
    index = settings.FRONTEND_DIST / "index.html"
    if index.exists():
        response = HttpResponse(index.read_bytes(), content_type="text/html; charset=utf-8")
        response["Cache-Control"] = "no-cache"
        return response
    return HttpResponse(_PLACEHOLDER, content_type="text/html; charset=utf-8")
