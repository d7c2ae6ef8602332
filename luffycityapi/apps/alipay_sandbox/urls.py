"""Mounted under /sandbox/alipay/ when settings.ALIPAY_SANDBOX is on (dev/test only)."""
from django.urls import path

from . import sim_views, views

app_name = "alipay_sandbox"

urlpatterns = [
    path("gateway.do", views.gateway_do, name="gateway"),
    path("cashier/<str:token>", views.cashier, name="cashier"),
    path("cashier/<str:token>/login", views.cashier_login, name="cashier-login"),
    path("cashier/<str:token>/confirm", views.cashier_pay, name="cashier-confirm"),
    path("cashier/<str:token>/pay", views.cashier_pay, name="cashier-pay"),
    path("cashier/<str:token>/cancel", views.cashier_cancel, name="cashier-cancel"),
    # --- test control API: not Alipay ---
    path("__sim__/", sim_views.index, name="sim-index"),
    path("__sim__/reset", sim_views.reset, name="sim-reset"),
    path("__sim__/config", sim_views.config_view, name="sim-config"),
    path("__sim__/clock/advance", sim_views.clock_advance, name="sim-clock-advance"),
    path("__sim__/public-key", sim_views.public_key, name="sim-public-key"),
    path("__sim__/faults", sim_views.faults, name="sim-faults"),
    path("__sim__/notifications/deliver-due", sim_views.deliver_due, name="sim-deliver-due"),
    path("__sim__/trades", sim_views.trades, name="sim-trades"),
    path("__sim__/trades/<str:out_trade_no>", sim_views.trade_detail, name="sim-trade"),
    path("__sim__/trades/<str:out_trade_no>/notify/<str:action>", sim_views.notify_action, name="sim-notify"),
    path("__sim__/trades/<str:out_trade_no>/return/tamper-next", sim_views.return_tamper, name="sim-return-tamper"),
    path("__sim__/trades/<str:out_trade_no>/<str:action>", sim_views.trade_action, name="sim-trade-action"),
    path("__sim__/sink/<str:name>/", sim_views.sink, name="sim-sink"),
    path("__sim__/sink/<str:name>/config", sim_views.sink_config, name="sim-sink-config"),
]
