"""Thin views: the gateway endpoint and the cashier pages. The logic is in gateway.py, services.py, notify.py."""
from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import gateway, notify, returns, services, state
from .models import SandboxConfig, SandboxTrade

Status = SandboxTrade.Status


@csrf_exempt  # Alipay's gateway takes form POSTs from anywhere (official SDKs post biz_content in the body).
@require_http_methods(["GET", "POST"])
def gateway_do(request: HttpRequest) -> HttpResponse:
    """GET|POST /sandbox/alipay/gateway.do."""
    return gateway.handle(request)


def _trade(token: str) -> SandboxTrade:
    with notify.db_guard():
        trade = SandboxTrade.objects.filter(token=token).first()
    if trade is None:
        raise Http404("no such cashier")
    return trade


def _merchant_home(trade: SandboxTrade) -> str:
    """Where "back to the merchant" goes: the phone cashier's quit_url, else the origin of return_url (or
    notify_url)."""
    if trade.quit_url:
        return trade.quit_url
    url = trade.return_url or trade.notify_url
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _page_context(trade: SandboxTrade) -> dict:
    """What every cashier page shows; `wap` picks the phone layout (alipay.trade.wap.pay's H5 cashier)."""
    return {"trade": trade, "merchant": state.merchant_name(), "amount": state.fmt_amount(trade.total_amount),
            "merchant_home": _merchant_home(trade), "wap": trade.method == SandboxTrade.Method.WAP_PAY}


def cashier(request: HttpRequest, token: str) -> HttpResponse:
    """GET /sandbox/alipay/cashier/<token>: the desktop or phone cashier, or the paid/closed page."""
    trade = _trade(token)
    with notify.db_guard():
        config = state.get_config()
        if trade.status in services.OPEN_STATES and trade.expires_at and trade.expires_at <= state.sandbox_now(config):
            trade = services.force_expire(trade.pk)
        return_link = ""
        if trade.status in services.PAID_STATES and trade.return_url:
            return_link = returns.return_url(trade, returns.return_params(trade, consume_tamper=False))
    context = {
        **_page_context(trade),
        "logged_in": trade.status == Status.WAIT_BUYER_PAY, "payable": trade.status in services.OPEN_STATES,
        "paid": trade.status in services.PAID_STATES, "closed": trade.status == Status.TRADE_CLOSED,
        "expires_at": state.fmt_time(trade.expires_at), "return_link": return_link,
        "buyer_logon_id": state.buyer()[1],
    }
    return render(request, "alipay_sandbox/cashier.html", context)


@require_POST
def cashier_login(request: HttpRequest, token: str) -> HttpResponse:
    """POST …/login: the buyer scans/logs in; the trade is created (WAIT_BUYER_PAY)."""
    trade = _trade(token)
    with notify.db_guard():
        services.buyer_login(trade.pk)
    return HttpResponseRedirect(reverse("alipay_sandbox:cashier", args=[token]))


@require_POST
def cashier_pay(request: HttpRequest, token: str) -> HttpResponse:
    """POST …/pay (one step) and …/confirm (after login): pay, then redirect the browser to return_url."""
    trade = _trade(token)
    with notify.db_guard():
        result = services.buyer_pay(trade.pk)
    location, _ = finish_payment(result)
    return HttpResponseRedirect(location or reverse("alipay_sandbox:cashier", args=[token]))


def finish_payment(result: services.PaymentResult) -> tuple[str, list]:
    """After the payment committed: in notify_order=before, deliver the first notify now; then the signed
    return URL and its params ("" and [] when there is no return_url or nothing was paid)."""
    if result.paid_now and result.notification_id and result.notify_order == SandboxConfig.NotifyOrder.BEFORE:
        notify.deliver_one(result.notification_id, due_only=False)
    if not result.paid_now or not result.trade.return_url:
        return "", []
    with notify.db_guard():
        params = returns.return_params(result.trade)
    return returns.return_url(result.trade, params), params


@require_POST
def cashier_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """POST …/cancel: the buyer gives up; Alipay leaves the trade as it is."""
    trade = _trade(token)
    with notify.db_guard():
        trade = services.buyer_cancel(trade.pk)
    return render(request, "alipay_sandbox/cancelled.html", _page_context(trade))
