from django.urls import path

from . import views

# Each provider's ViewSet at its prefix under payments/ (adding a provider: one line here).
urlpatterns = [
    *views.AlipayAPIViewSet.routes("alipay"),
    *views.WalletAPIViewSet.routes("wallet"),
]

# Included under orders/ by the root URLconf: the order timeline reads payment records.
order_urlpatterns = [
    path("<str:order_number>/timeline/", views.OrderTimelineView.as_view(), name="order-timeline"),
]
