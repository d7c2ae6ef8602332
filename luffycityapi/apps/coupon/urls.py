from django.urls import path

from . import views

urlpatterns = [path("enable/", views.EnableCouponsView.as_view(), name="coupon-enable")]
