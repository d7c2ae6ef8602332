from django.urls import path

from . import views

urlpatterns = [
    path("alipay/result/", views.AlipayResultView.as_view(), name="alipay-result"),
    path("alipay/query/<str:order_number>/", views.AlipayQueryView.as_view(), name="alipay-query"),
    path("alipay/notify", views.AlipayNotifyView.as_view(), name="alipay-notify"),
    path("alipay/notify/", views.AlipayNotifySlashView.as_view()),
    path("alipay/<str:order_number>/", views.AlipayLinkView.as_view(), name="alipay-link"),
]
