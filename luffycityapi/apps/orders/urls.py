from django.urls import path

from . import views

urlpatterns = [
    path("", views.OrderListCreateView.as_view(), name="orders"),
    path("quote/", views.OrderQuoteView.as_view(), name="order-quote"),
    path("topup/", views.TopupCreateView.as_view(), name="order-topup"),
    path("<str:order_number>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("<str:order_number>/cancel/", views.OrderCancelView.as_view(), name="order-cancel"),
    # <order_number>/timeline/ is the payments app's (payments.urls.order_urlpatterns)
]
