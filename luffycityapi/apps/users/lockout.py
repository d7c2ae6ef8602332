"""django-axes hooks: who a login attempt comes from (account, address) and what a locked-out client is told."""
import ipaddress
import math

from axes.helpers import get_cool_off
from django.contrib import admin
from django.http import JsonResponse
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle

from luffycityapi.core.errors import ShopError, error_body, is_api


def client_ip(request) -> str:
    """The client's address exactly as the throttles see it (DRF's get_ident with NUM_PROXIES): REMOTE_ADDR, or
    with NUM_PROXIES=N the address the outermost of our N proxies appended to X-Forwarded-For. A header the client
    wrote itself never counts, so forging one escapes neither the throttle nor the lockout."""
    ident = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(ident))
    except ValueError:  # a proxy count larger than the real chain reads a client-written entry: not an address
        return request.META.get("REMOTE_ADDR", "")


def lockout_parameters(request_or_attempt, credentials=None) -> list:
    """An account is locked after repeated failures wherever it logs in; an address only at the admin's login. The
    API login's per-address limit is its throttle: students behind one campus NAT share an address, and wrong
    guesses on some accounts must not lock every other student out."""
    if (getattr(request_or_attempt, "path_info", "") or "").startswith("/api/"):
        return ["username"]
    return ["username", "ip_address"]


def cool_off_minutes(request) -> int:
    return math.ceil(get_cool_off(request).total_seconds() / 60)


def locked_out_message(minutes: int) -> str:
    return f"登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试"


def login_locked_error(request) -> ShopError:
    """The API's answer to a login axes refused: 429 login_locked, with Retry-After."""
    minutes = cool_off_minutes(request)
    error = ShopError(locked_out_message(minutes), code="login_locked", status=429)
    error.headers = {"Retry-After": str(minutes * 60)}
    return error


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the admin's login gets a page saying why and for how long (429); an /api/ request
    (which the login view normally answers itself, see LoginSerializer) gets the same {errmsg, code}."""
    if is_api(request):
        error = login_locked_error(request)
        return JsonResponse(error_body(error.message, error.code), status=429, headers=error.headers)
    minutes = cool_off_minutes(request)
    return render(request, "admin/login_locked_out.html", {
        **admin.site.each_context(request), "title": "登录已暂时锁定", "message": locked_out_message(minutes),
        "minutes": minutes}, status=429)
