"""Mounted under /sandbox/wechatpay/ when settings.WECHATPAY_SANDBOX is on (dev/test only); the shop's
WECHATPAY_GATEWAY points here, and wechatpayv3 appends the /v3/... paths."""
from django.urls import path

from . import gateway, views

app_name = "wechatpay_sandbox"

urlpatterns = [
    path("v3/pay/transactions/native", gateway.native, name="native"),
    path("v3/pay/transactions/out-trade-no/<str:out_trade_no>", gateway.query, name="query"),
    path("v3/pay/transactions/out-trade-no/<str:out_trade_no>/close", gateway.close, name="close"),
    path("v3/refund/domestic/refunds", gateway.refund, name="refund"),
    path("v3/refund/domestic/refunds/<str:out_refund_no>", gateway.refund_query, name="refund-query"),
    path("v3/certificates", gateway.certificates, name="certificates"),
    path("scan", views.scan, name="scan"),
    path("scan/pay", views.scan_pay, name="scan-pay"),
    path("scan/cancel", views.scan_cancel, name="scan-cancel"),
    # --- test control API: not WeChat ---
    path("__sim__/", views.sim_index, name="sim-index"),
    path("__sim__/reset", views.sim_reset, name="sim-reset"),
    path("__sim__/config", views.sim_config, name="sim-config"),
    path("__sim__/faults", views.sim_faults, name="sim-faults"),
    path("__sim__/public-key", views.sim_public_key, name="sim-public-key"),
    path("__sim__/deliver-due", views.sim_deliver_due, name="sim-deliver-due"),
    path("__sim__/orders", views.sim_orders, name="sim-orders"),
    path("__sim__/orders/<str:out_trade_no>", views.sim_order, name="sim-order"),
    path("__sim__/orders/<str:out_trade_no>/notify/<str:action>", views.sim_notify_action, name="sim-notify"),
    path("__sim__/orders/<str:out_trade_no>/<str:action>", views.sim_order_action, name="sim-order-action"),
]
