"""App-agnostic endpoints: health and the SPA's index with history fallback. (The API's JSON 404/500 come from
core.middleware, whatever answered the request.)"""
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django_redis import get_redis_connection
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response



@extend_schema(responses={200: dict, 503: dict})
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def health(request):
    """Really touch the database and Redis; 503 names whatever is down."""
    status = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        status["db"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported, not raised
        status["db"] = f"down: {exc.__class__.__name__}"
    try:
        get_redis_connection("default").ping()
        status["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        status["redis"] = f"down: {exc.__class__.__name__}"
    ok = all(v == "ok" for v in status.values())
    body = status if ok else {**status, "errmsg": "服务暂不可用", "code": "unhealthy"}
    return Response(body, status=200 if ok else 503)


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
