"""The benchmark's floor: the cheapest useful authenticated request this stack can serve.

It goes through exactly what a real endpoint goes through (middleware, DRF, JWT authentication with its user
lookup, the default permission, the JSON renderer) and then does one indexed database read and one Redis read.
Every hot path is reported as a ratio of this, so "fast" means "close to what the machine can do at all".
Mounted only when settings.BENCH_ENDPOINTS is on (the harness turns it on; nothing else does)."""
from django.urls import path
from django_redis import get_redis_connection
from rest_framework.response import Response
from rest_framework.views import APIView

from luffycityapi.apps.courses.models import Course

from . import bounds


class FloorView(APIView):
    def get(self, request):
        course_id = request.query_params.get("course_id", "1")
        row = Course.objects.filter(pk=int(course_id) if course_id.isdecimal() else 1).values("id", "price").first()
        in_cart = get_redis_connection("default").hlen(f"cart_{request.user.id}")
        return Response({"user_id": request.user.id, "course": row and {"id": row["id"], "price": str(row["price"])},
                         "cart_total": in_cart})


urlpatterns = [
    path("floor/", FloorView.as_view(), name="bench-floor"),
    # what an order create and a first notify cost when their statements are sent raw (bench/bounds.py)
    path("bounds/create/", bounds.CreateBoundView.as_view(), name="bench-create-bound"),
    path("bounds/notify/", bounds.NotifyBoundView.as_view(), name="bench-notify-bound"),
    path("bounds/create-batched/", bounds.CreateBatchedBoundView.as_view(), name="bench-create-batched-bound"),
]
