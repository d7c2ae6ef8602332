"""Starting the shop without manage.py: gunicorn imports luffycityapi.wsgi directly, so a missing or garbled Alipay
key must stop that import (not answer 503 at the first payment), and the settings it picks by default must be the
contract's (dev; prod only when asked, and then with Alipay's production gateway unless the sandbox is mounted).
Each case runs in a fresh interpreter, as gunicorn would."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PROD_GATEWAY = "https://openapi.alipay.com/gateway.do"


def _env(**overrides) -> dict:
    """This process's environment without anything that picks settings or Alipay config, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ALIPAY_", "SECURE_", "PYTEST"))}
    env.update({"ALIPAY_APP_PRIVATE_KEY_FILE": settings.ALIPAY_APP_PRIVATE_KEY_FILE,
                "ALIPAY_PUBLIC_KEY_FILE": settings.ALIPAY_PUBLIC_KEY_FILE})
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def _python(code: str, env: dict, timeout=60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _bad_key(tmp_path, which: str, garbled: bool) -> tuple[str, str]:
    path = tmp_path / ("garbled.pem" if garbled else "missing.pem")
    if garbled:
        path.write_text("-----BEGIN RSA PRIVATE KEY-----\ngarbage\n-----END RSA PRIVATE KEY-----\n")
    return which, str(path)


# --- the key check at WSGI import ----------------------------------------------------------------------------

@pytest.mark.parametrize("garbled", [False, True], ids=["missing", "garbled"])
@pytest.mark.parametrize("which", ["ALIPAY_APP_PRIVATE_KEY_FILE", "ALIPAY_PUBLIC_KEY_FILE"])
def test_importing_the_wsgi_app_with_a_bad_key_fails_naming_the_file(tmp_path, which, garbled):
    name, path = _bad_key(tmp_path, which, garbled)
    out = _python("import luffycityapi.wsgi", _env(**{name: path}))
    assert out.returncode != 0, out.stdout + out.stderr
    assert "ImproperlyConfigured" in out.stderr and path in out.stderr, out.stderr[-2000:]
    assert "payments.E001" in out.stderr  # the same check manage.py check runs


def test_gunicorn_started_directly_with_a_missing_key_refuses_to_start(tmp_path):
    """`gunicorn luffycityapi.wsgi` itself: its worker cannot load the app, so gunicorn exits (it would otherwise
    boot and answer 503 at the first payment)."""
    name, path = _bad_key(tmp_path, "ALIPAY_APP_PRIVATE_KEY_FILE", garbled=False)
    proc = subprocess.Popen([str(GUNICORN), "luffycityapi.wsgi", "--bind", "127.0.0.1:0", "--workers", "1"],
                            cwd=ROOT, env=_env(**{name: path}), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        _, stderr = proc.communicate(timeout=45)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, stderr = proc.communicate()
        pytest.fail("gunicorn booted with a missing key:\n" + stderr[-2000:])
    assert proc.returncode != 0, stderr[-2000:]
    assert path in stderr and "payments.E001" in stderr, stderr[-2000:]


def test_gunicorn_loads_the_wsgi_app_with_good_keys():
    """The control: with the dev keys the same start loads the app (so the failures above are the key check)."""
    out = subprocess.run([str(GUNICORN), "--check-config", "luffycityapi.wsgi"], cwd=ROOT, env=_env(),
                         capture_output=True, text=True, timeout=90)
    assert out.returncode == 0, out.stdout + out.stderr[-2000:]


def test_a_celery_worker_with_a_missing_key_refuses_to_start(tmp_path):
    """The worker closes trades at expiry and runs refunds: it must not start without a usable key either."""
    name, path = _bad_key(tmp_path, "ALIPAY_PUBLIC_KEY_FILE", garbled=False)
    out = subprocess.run([sys.executable, "-m", "celery", "-A", "luffycityapi", "worker", "--pool=solo",
                          "--loglevel=WARNING"], cwd=ROOT, env=_env(**{name: path}), capture_output=True, text=True,
                         timeout=90)
    assert out.returncode != 0, out.stdout + out.stderr[-2000:]
    assert path in out.stderr and "payments.E001" in out.stderr, out.stderr[-2000:]


# --- which settings, which gateway ----------------------------------------------------------------------------

PRINT = ("import luffycityapi.wsgi; from django.conf import settings; "
         "print(settings.SETTINGS_MODULE); print(settings.ALIPAY_GATEWAY)")


def test_the_wsgi_app_defaults_to_the_dev_settings_like_manage_py_and_celery():
    out = _python(PRINT, _env())
    assert out.returncode == 0, out.stderr[-2000:]
    module, gateway = out.stdout.split()
    assert module == "luffycityapi.settings.dev"
    assert gateway.endswith("/sandbox/alipay/gateway.do")


PROD = {"DJANGO_SETTINGS_MODULE": "luffycityapi.settings.prod", "SECRET_KEY": "x7-" + "startup-test-" * 4 + "q9Z!",
        "ALLOWED_HOSTS": "shop.example.com", "SITE_URL": "https://shop.example.com"}


@pytest.mark.parametrize("extra,gateway", [
    ({}, PROD_GATEWAY),                                                      # prod mounts no sandbox
    ({"ALIPAY_SANDBOX": "false"}, PROD_GATEWAY),
    ({"ALIPAY_SANDBOX": "true"}, "https://shop.example.com/sandbox/alipay/gateway.do"),  # the soak's stack
    ({"ALIPAY_GATEWAY": "https://openapi-sandbox.dl.alipaydev.com/gateway.do"},
     "https://openapi-sandbox.dl.alipaydev.com/gateway.do"),                 # what is set wins
], ids=["default", "sandbox_off", "sandbox_on", "explicit"])
def test_prod_defaults_to_alipays_production_gateway(extra, gateway):
    out = _python(PRINT, _env(**PROD, **extra))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["luffycityapi.settings.prod", gateway]
