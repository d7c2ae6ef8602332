from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from luffycityapi.core.keys import KeyFileError

from .providers import alipay


@register()
def alipay_keys_load(app_configs, **kwargs):
    """A missing or garbled Alipay key stops the start (manage.py check, runshop) instead of the first payment."""
    try:
        alipay.check_keys()
    except KeyFileError as exc:
        return [Error(str(exc), hint="Set ALIPAY_APP_PRIVATE_KEY_FILE / ALIPAY_PUBLIC_KEY_FILE, or run "
                                     "`python manage.py alipay_keys` for dev keys.", id="payments.E001")]
    return []


def require_alipay_keys() -> None:
    """The same check for entry points that run no system checks (gunicorn imports wsgi.py directly): raise
    ImproperlyConfigured naming the file, so the server refuses to load rather than answer 503 later."""
    errors = alipay_keys_load(None)
    if errors:
        raise ImproperlyConfigured("\n".join(f"{e.id}: {e.msg} HINT: {e.hint}" for e in errors))
