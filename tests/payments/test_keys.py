"""Keys: a missing or garbled key stops the start (manage.py check) with a message naming the file."""
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from luffycityapi.apps.payments.checks import alipay_keys_load


def test_configured_dev_keys_pass_the_check():
    assert alipay_keys_load(None) == []


def test_missing_private_key_is_a_check_error(settings, tmp_path):
    settings.ALIPAY_APP_PRIVATE_KEY_FILE = str(tmp_path / "nope.pem")
    errors = alipay_keys_load(None)
    assert [e.id for e in errors] == ["payments.E001"] and "nope.pem" in errors[0].msg
    with pytest.raises(SystemCheckError):
        call_command("check")


@pytest.mark.parametrize("content", [
    "MIIEowIBAAKCAQEA0nottheheaderlessonelinekeyfromtheconsole",  # a bare one-line key as copied from the console
    "-----BEGIN RSA2 PRIVATE KEY-----\nabc\n-----END RSA2 PRIVATE KEY-----\n",
])
def test_garbled_public_key_is_a_check_error(settings, tmp_path, content):
    bad = tmp_path / "alipay_public.pem"
    bad.write_text(content)
    settings.ALIPAY_PUBLIC_KEY_FILE = str(bad)
    errors = alipay_keys_load(None)
    assert [e.id for e in errors] == ["payments.E001"] and "alipay_public.pem" in errors[0].msg
