"""The production install's requirements and the CI pass's guards (scripts/prod_install_check.py). The pass itself
(`scripts/prod-install-check.sh`, in .ci/run) is the end-to-end proof; these are the fast parts of it."""
import importlib.metadata
import importlib.util
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent.parent


def runtime_pins() -> dict[str, Requirement]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            pins[requirement.name.lower().replace("_", "-")] = requirement
    return pins


def test_requirements_pin_what_kombus_redis_transport_needs():
    """A worker from requirements.txt alone must load kombu's Redis transport: every requirement of kombu's `redis`
    extra is pinned exactly, at a version that extra accepts (kombu 5.7's transport imports `packaging`)."""
    pins = runtime_pins()
    assert "redis" in pins["celery"].extras
    assert "redis" in pins["kombu"].extras
    kombu = importlib.metadata.version("kombu")
    assert str(pins["kombu"].specifier) == f"=={kombu}"
    extra = [Requirement(r) for r in importlib.metadata.requires("kombu")
             if Requirement(r).marker and Requirement(r).marker.evaluate({"extra": "redis"})]
    assert {r.name for r in extra} >= {"redis", "packaging"}
    for needed in extra:
        pin = pins.get(needed.name.lower())
        assert pin is not None, f"{needed} (kombu[redis]) is not in requirements.txt"
        version = str(pin.specifier).removeprefix("==")
        assert str(pin.specifier).startswith("==") and needed.specifier.contains(version), (pin, needed)


@pytest.fixture
def check():
    spec = importlib.util.spec_from_file_location("prod_install_check", ROOT / "scripts" / "prod_install_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_check_uses_its_own_database_and_redis_db_on_the_configured_servers(check):
    assert check.check_urls({}) == ("mysql://root@127.0.0.1:3306/luffycity_prodcheck", "redis://127.0.0.1:6379/12")
    assert check.check_urls({"DATABASE_URL": "mysql://ci:pw@localhost:3307/luffycity",
                             "REDIS_URL": "redis://localhost:6380/0"}) == (
        "mysql://ci:pw@localhost:3307/luffycity_prodcheck", "redis://localhost:6380/12")


@pytest.mark.parametrize("environ", [
    {"PRODCHECK_DATABASE_URL": "mysql://root@127.0.0.1:3306/luffycity"},        # a real database: never dropped
    {"PRODCHECK_DATABASE_URL": "mysql://root@db.example.com/luffycity_prodcheck"},  # not loopback
    {"PRODCHECK_REDIS_URL": "redis://127.0.0.1:6379/0"},                        # db 0 is never flushed
    {"PRODCHECK_REDIS_URL": "redis://127.0.0.1:6379"},
])
def test_the_check_refuses_to_drop_or_flush_anything_else(check, environ):
    with pytest.raises(check.CheckFailed):
        check.check_urls(environ)


def test_the_checks_stack_environment_is_built_from_nothing(check, monkeypatch, tmp_path):
    """An operator's variables only: nothing of the calling shell (a test run's DEBUG, a gateway URL) leaks in, and
    the https redirect is the one production setting turned off."""
    monkeypatch.setenv("DEBUG", "true")
    monkeypatch.setenv("ALIPAY_GATEWAY", "http://elsewhere/gateway.do")
    env = check.stack_environment(tmp_path, 8810, "mysql://root@127.0.0.1/luffycity_prodcheck",
                                  "redis://127.0.0.1:6379/12")
    assert "DEBUG" not in env and "ALIPAY_GATEWAY" not in env
    assert env["DJANGO_SETTINGS_MODULE"] == "luffycityapi.settings.prod"
    assert env["SITE_URL"] == "http://127.0.0.1:8810" and env["ALIPAY_SANDBOX"] == "true"
    assert env["SECURE_SSL_REDIRECT"] == "false" and "SECURE_COOKIES" not in env
    assert len(env["SECRET_KEY"]) >= 50
