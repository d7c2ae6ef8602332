"""Production: secrets and hosts must come from the environment; the sandbox gateway is off and Alipay's production
gateway is the default."""
from .base import *  # noqa: F401,F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
ALIPAY_SANDBOX = env.bool("ALIPAY_SANDBOX", default=False)
if not ALIPAY_SANDBOX:
    INSTALLED_APPS = [a for a in INSTALLED_APPS if a != SANDBOX_APP]  # noqa: F405
    # base.py's default gateway is the local sandbox under SITE_URL, which is not mounted here: default to Alipay's
    # production gateway instead (with ALIPAY_SANDBOX on, as in the soak's stack, the local one stays the default).
    ALIPAY_GATEWAY = env("ALIPAY_GATEWAY", default="https://openapi.alipay.com/gateway.do")
WECHATPAY_SANDBOX = env.bool("WECHATPAY_SANDBOX", default=False)
if not WECHATPAY_SANDBOX:
    INSTALLED_APPS = [a for a in INSTALLED_APPS if a != WECHATPAY_SANDBOX_APP]  # noqa: F405
    # WeChat Pay is optional in production: offered only when the merchant number is configured (with its keys,
    # which the system check then requires), against WeChat's own API host.
    WECHATPAY_MCHID = env("WECHATPAY_MCHID", default="")
    WECHATPAY_GATEWAY = env("WECHATPAY_GATEWAY", default="https://api.mch.weixin.qq.com")
