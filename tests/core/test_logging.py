"""Logs a person can read (issue 13 item 11), through the same dictConfig every process uses (core/logconfig.py):
gunicorn's access lines carry no signed query string at INFO, Celery's routine lines (beat sending a due job, a task
received, a periodic job that found nothing to do) stay out of INFO, LOG_LEVEL=DEBUG brings both back, and
LOG_FORMAT=json makes every line — the shop's, gunicorn's, Celery's — one JSON object."""
import json
import logging
from datetime import timedelta
from logging.config import dictConfig
from types import SimpleNamespace

import pytest
from celery.app.trace import LOG_RECEIVED, LOG_SUCCESS
from django.conf import settings
from gunicorn.config import Config
from gunicorn.glogging import Logger as GunicornLogger

from luffycityapi.core.logconfig import logging_config

SIGNED_QUERY = ("app_id=9021000000000001&biz_content=%7B%22out_trade_no%22%3A%222026120405504300000001000001%22%7D"
                "&charset=utf-8&method=alipay.trade.query&sign_type=RSA2&timestamp=2026-12-04+05%3A50%3A44"
                "&version=1.0&sign=BIv9PDErg0sFMoaHp8bg6Gs%2BLr1Gl6fonp%2BTEUxSvtiuK79%2FwCQRwP5Qu%2BWmHs")


@pytest.fixture
def configure(capsys):
    """Apply logging_config(level, fmt) as gunicorn would (its logconfig_dict), return a function that makes an
    access line through gunicorn's own Logger and one that reads the lines written; the test settings' logging
    is put back afterwards."""
    gunicorn = {}

    def apply(level="INFO", fmt="plain"):
        cfg = Config()
        cfg.set("logconfig_dict", logging_config(level, fmt))
        gunicorn["log"] = GunicornLogger(cfg)

    def access(path, query="", referer="-"):
        environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"{path}?{query}" if query else path, "PATH_INFO": path,
                   "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
                   "HTTP_REFERER": referer, "HTTP_USER_AGENT": "Python-urllib/3.11"}
        response = SimpleNamespace(status="200 OK", sent=806, headers=[])
        gunicorn["log"].access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=43))

    def lines():
        return [line for line in capsys.readouterr().err.splitlines() if line]

    yield apply, access, lines
    dictConfig(settings.LOGGING)


def test_an_access_line_at_info_leaves_out_a_signed_query_string(configure):
    apply, access, lines = configure
    apply("INFO")

    access("/sandbox/alipay/gateway.do", SIGNED_QUERY)
    access("/api/courses/", "size=50")  # short and unsigned: useful, kept
    access("/api/payments/alipay/result/", "out_trade_no=1&sign=abc",
           referer=f"http://127.0.0.1:8000/sandbox/alipay/gateway.do?{SIGNED_QUERY}")

    gateway, courses, result = lines()
    assert f'"GET /sandbox/alipay/gateway.do?…({len(SIGNED_QUERY)} bytes) HTTP/1.1" 200 806' in gateway
    assert '"GET /api/courses/?size=50 HTTP/1.1" 200' in courses
    assert '"GET /api/payments/alipay/result/?…(23 bytes) HTTP/1.1"' in result
    assert "sign=" not in gateway + courses + result
    assert len(gateway) < 200


def test_at_debug_the_access_line_keeps_the_whole_url(configure):
    apply, access, lines = configure
    apply("DEBUG")

    access("/sandbox/alipay/gateway.do", SIGNED_QUERY)

    assert f"/sandbox/alipay/gateway.do?{SIGNED_QUERY} HTTP/1.1" in lines()[0]


def _celery(logger, msg, args, level=logging.INFO):
    logging.getLogger(logger).log(level, msg, args)


def _celery_lines():
    """What the worker and beat log in a quiet minute and in a busy one (Celery's own message formats)."""
    task = {"id": "51d9c459", "name": "alipay_sandbox.run_due_work"}
    logging.getLogger("celery.beat").info("Scheduler: Sending due task %s (%s)", "alipay-sandbox-run-due-work",
                                          "alipay_sandbox.run_due_work")
    _celery("celery.worker.strategy", LOG_RECEIVED, task)
    _celery("celery.app.trace", LOG_SUCCESS, {**task, "runtime": 0.01, "return_value": "{'closed': 0, 'attempts': 0}"})
    _celery("celery.app.trace", LOG_SUCCESS, {**task, "runtime": 0.01, "return_value": "{'closed': 1, 'attempts': 2}"})
    _celery("celery.app.trace", LOG_SUCCESS, {"id": "1", "name": "orders.sweep_expired", "runtime": 0.03,
                                              "return_value": "0"})
    _celery("celery.worker.strategy", LOG_RECEIVED, {"id": "2", "name": "orders.expire"})
    _celery("celery.app.trace", LOG_SUCCESS, {"id": "2", "name": "orders.expire", "runtime": 0.2,
                                              "return_value": "None"})
    logging.getLogger("celery.app.trace").error("Task %s[%s] raised unexpected: %s", "orders.expire", "3", "boom")


def test_celerys_routine_lines_stay_out_of_info(configure):
    apply, _, lines = configure
    apply("INFO")

    _celery_lines()

    written = lines()
    assert len(written) == 4, written
    assert "alipay_sandbox.run_due_work[51d9c459] succeeded" in written[0] and "'closed': 1" in written[0]
    assert "orders.expire[2] received" in written[1]  # an order's expiry queued: a real event, kept
    assert "orders.expire[2] succeeded" in written[2]
    assert "ERROR" in written[3] and "boom" in written[3]


def test_at_debug_celerys_routine_lines_are_shown(configure):
    apply, _, lines = configure
    apply("DEBUG")

    _celery_lines()

    assert len(lines()) == 8


def test_log_format_json_makes_every_line_a_json_object(configure):
    apply, access, lines = configure
    apply("INFO", "json")

    logging.getLogger("luffycityapi.payments.alipay").info("alipay.trade.query order=%s outcome=%s %d ms",
                                                          "2026120405504300000001000001", "TRADE_SUCCESS", 43)
    access("/sandbox/alipay/gateway.do", SIGNED_QUERY)
    _celery("celery.worker.strategy", LOG_RECEIVED, {"id": "2", "name": "orders.expire"})
    _celery("celery.app.trace", LOG_SUCCESS, {"id": "2", "name": "orders.expire", "runtime": 0.2,
                                              "return_value": "None"})
    try:
        raise ValueError("broken")
    except ValueError:
        logging.getLogger("luffycityapi.errors").exception("unhandled error in %s", "view")

    objects = [json.loads(line) for line in lines()]
    assert len(objects) == 5
    assert {o["logger"] for o in objects} == {"luffycityapi.payments.alipay", "gunicorn.access",
                                              "celery.worker.strategy", "celery.app.trace", "luffycityapi.errors"}
    assert objects[0]["message"] == "alipay.trade.query order=2026120405504300000001000001 outcome=TRADE_SUCCESS 43 ms"
    assert objects[0]["level"] == "INFO" and objects[0]["time"]
    assert "sign=" not in objects[1]["message"]
    assert "ValueError: broken" in objects[4]["exc_info"]


def test_log_format_is_checked():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config("INFO", "xml")
