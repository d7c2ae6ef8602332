from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from luffycityapi.core.keys import KeyFileError

from .providers import alipay, wechat


@register()
def alipay_keys_load(app_configs, **kwargs):
    """A missing or garbled Alipay key stops the start (manage.py check, runshop) instead of the first payment."""
    try:
        alipay.check_keys()
    except KeyFileError as exc:
        return [Error(str(exc), hint="Set ALIPAY_APP_PRIVATE_KEY_FILE / ALIPAY_PUBLIC_KEY_FILE, or run "
                                     "`python manage.py alipay_keys` for dev keys.", id="payments.E001")]
    return []


@register()
def wechatpay_keys_load(app_configs, **kwargs):
    """The same for WeChat Pay, where it is offered (WECHATPAY_MCHID set): the merchant key, the WeChat Pay public
    key and the APIv3 key must load, and the public key's id must be set."""
    if not wechat.enabled():
        return []
    hint = ("Set WECHATPAY_PRIVATE_KEY_FILE / WECHATPAY_PUBLIC_KEY_FILE / WECHATPAY_APIV3_KEY_FILE / "
            "WECHATPAY_PUBLIC_KEY_ID / WECHATPAY_CERT_SERIAL_NO, or run `python manage.py wechatpay_keys` "
            "for dev keys.")
    try:
        wechat.check_keys()
    except KeyFileError as exc:
        return [Error(str(exc), hint=hint, id="payments.E002")]
    missing = [name for name in ("WECHATPAY_APPID", "WECHATPAY_PUBLIC_KEY_ID", "WECHATPAY_CERT_SERIAL_NO")
               if not getattr(settings, name, "")]
    if missing:
        return [Error(f"WeChat Pay is enabled (WECHATPAY_MCHID) but {', '.join(missing)} is empty", hint=hint,
                      id="payments.E002")]
    return []


def require_alipay_keys() -> None:
    """The same checks (Alipay's and, where offered, WeChat Pay's) for entry points that run no system checks
    (gunicorn imports wsgi.py directly): raise ImproperlyConfigured naming the file, so the server refuses to load
    rather than answer 503 later."""
    errors = alipay_keys_load(None) + wechatpay_keys_load(None)
    if errors:
        raise ImproperlyConfigured("\n".join(f"{e.id}: {e.msg} HINT: {e.hint}" for e in errors))
