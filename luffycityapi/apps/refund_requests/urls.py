from django.urls import path

from . import views

urlpatterns = [path("", views.RefundRequestsView.as_view(), name="refund-requests")]
