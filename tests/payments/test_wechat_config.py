"""WeChat Pay's configuration: a missing or garbled key stops the start naming the file (payments.E002, also at WSGI
import), the APIv3 key must be 32 characters, and production offers WeChat Pay only when WECHATPAY_MCHID is set."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from luffycityapi.apps.payments.checks import wechatpay_keys_load

ROOT = Path(__file__).resolve().parents[2]


def test_the_dev_keys_pass_the_check():
    assert wechatpay_keys_load(None) == []


@pytest.mark.parametrize("setting, content", [
    ("WECHATPAY_PRIVATE_KEY_FILE", None), ("WECHATPAY_PRIVATE_KEY_FILE", "-----BEGIN PRIVATE KEY-----\nxx\n"),
    ("WECHATPAY_PUBLIC_KEY_FILE", None), ("WECHATPAY_PUBLIC_KEY_FILE", "not a key"),
    ("WECHATPAY_APIV3_KEY_FILE", None), ("WECHATPAY_APIV3_KEY_FILE", "too-short"),
])
def test_a_missing_or_garbled_secret_is_a_check_error_naming_the_file(settings, tmp_path, setting, content):
    path = tmp_path / "wechat_secret"
    if content is not None:
        path.write_text(content)
    setattr(settings, setting, str(path))
    errors = wechatpay_keys_load(None)
    assert [e.id for e in errors] == ["payments.E002"] and str(path) in errors[0].msg


def test_without_a_merchant_number_wechat_pay_is_not_checked(settings, tmp_path):
    settings.WECHATPAY_MCHID = ""
    settings.WECHATPAY_PRIVATE_KEY_FILE = str(tmp_path / "missing.pem")
    assert wechatpay_keys_load(None) == []


def _python(code: str, **overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "WECHATPAY_", "PYTEST"))}
    env.update({"ALIPAY_APP_PRIVATE_KEY_FILE": settings.ALIPAY_APP_PRIVATE_KEY_FILE,
                "ALIPAY_PUBLIC_KEY_FILE": settings.ALIPAY_PUBLIC_KEY_FILE,
                "WECHATPAY_PRIVATE_KEY_FILE": settings.WECHATPAY_PRIVATE_KEY_FILE,
                "WECHATPAY_PUBLIC_KEY_FILE": settings.WECHATPAY_PUBLIC_KEY_FILE,
                "WECHATPAY_APIV3_KEY_FILE": settings.WECHATPAY_APIV3_KEY_FILE, **overrides})
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_importing_the_wsgi_app_with_a_missing_wechat_key_fails_naming_the_file(tmp_path):
    path = str(tmp_path / "missing_apiclient_key.pem")
    out = _python("import luffycityapi.wsgi", WECHATPAY_PRIVATE_KEY_FILE=path)
    assert out.returncode != 0 and "payments.E002" in out.stderr and path in out.stderr, out.stderr[-2000:]


PROD = {"DJANGO_SETTINGS_MODULE": "luffycityapi.settings.prod", "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "shop.example.com", "SITE_URL": "https://shop.example.com"}
PRINT = ("import django; django.setup(); from django.conf import settings; "
         "from luffycityapi.apps.payments.providers.registry import pay_types; "
         "print(sorted(int(t) for t in pay_types()), settings.WECHATPAY_GATEWAY, "
         "'luffycityapi.apps.wechatpay_sandbox' in settings.INSTALLED_APPS)")


@pytest.mark.parametrize("extra, expected", [
    ({}, "[0, 2] https://api.mch.weixin.qq.com False"),                              # not configured: not offered
    ({"WECHATPAY_MCHID": "1900000109"}, "[0, 1, 2] https://api.mch.weixin.qq.com False"),
    ({"WECHATPAY_SANDBOX": "true"}, "[0, 1, 2] https://shop.example.com/sandbox/wechatpay True"),  # the soak's stack
], ids=["unset", "configured", "sandbox"])
def test_production_offers_wechat_pay_only_when_configured(extra, expected):
    out = _python(PRINT, **PROD, **extra)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == expected
