from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from luffycityapi.apps.learning import views as learning_views
from luffycityapi.apps.payments.urls import order_urlpatterns as payment_order_urls
from luffycityapi.core import views as core_views

api_patterns = [
    path("health/", core_views.health, name="health"),
    path("health/live/", core_views.health_live, name="health-live"),
    path("health/ready/", core_views.health_ready, name="health-ready"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema", permission_classes=[],
                                                 authentication_classes=[]), name="docs"),
    path("users/", include("luffycityapi.apps.users.urls")),
    # The lesson list knows who may play what (ownership): it lives in learning, at the course's address.
    path("courses/<int:course_id>/lessons/", learning_views.CourseLessonsView.as_view(), name="course-lessons"),
    path("courses/", include("luffycityapi.apps.courses.urls")),
    path("learn/", include("luffycityapi.apps.learning.urls")),
    path("refund-requests/", include("luffycityapi.apps.refund_requests.urls")),
    path("cart/", include("luffycityapi.apps.cart.urls")),
    path("coupon/", include("luffycityapi.apps.coupon.urls")),
    path("orders/", include("luffycityapi.apps.orders.urls")),
    path("orders/", include(payment_order_urls)),  # the order timeline: it reads payment records
    path("payments/", include("luffycityapi.apps.payments.urls")),
]

urlpatterns = [
    path("metrics", core_views.prometheus_metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
]

if getattr(settings, "BENCH_ENDPOINTS", False):
    # `make bench` only: the floor endpoint every hot path is measured against (bench/floor.py).
    urlpatterns.append(path("api/bench/", include("bench.floor")))

if getattr(settings, "ALIPAY_SANDBOX", False):
    urlpatterns.append(path("sandbox/alipay/", include("luffycityapi.apps.alipay_sandbox.urls")))

# Anything else is the SPA (history mode). API-looking paths never fall through to it.
urlpatterns.append(re_path(r"^(?!api/|admin/|static/|media/|sandbox/|metrics$).*$", core_views.spa_index, name="spa"))

