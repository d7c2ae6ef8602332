from django.core.checks import Error, register

from luffycityapi.core.keys import KeyFileError


@register()
def alipay_keys_load(app_configs, **kwargs):
    """A missing or garbled Alipay key stops the start (manage.py check, runshop) instead of the first payment."""
    from .providers import alipay

    try:
        alipay.check_keys()
    except KeyFileError as exc:
        return [Error(str(exc), hint="Set ALIPAY_APP_PRIVATE_KEY_FILE / ALIPAY_PUBLIC_KEY_FILE, or run "
                                     "`python manage.py alipay_keys` for dev keys.", id="payments.E001")]
    return []
