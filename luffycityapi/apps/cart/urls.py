from django.urls import path

from . import views

urlpatterns = [
    path("", views.CartView.as_view(), name="cart"),
    path("order/", views.CartOrderView.as_view(), name="cart-order"),
]
