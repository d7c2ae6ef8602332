"""The shop's logging: one dictConfig for every process — Django (settings.LOGGING), the Celery worker and beat
(luffycityapi/celery.py hands them this instead of Celery's own setup) and gunicorn's master and workers
(luffycityapi/gunicorn_conf.py). At INFO each thing that happened is one short line; request parameters, signed
URLs and the local sandbox's idle 10-second beat are DEBUG (LOG_LEVEL=DEBUG shows them). LOG_FORMAT=json writes
one JSON object per line (python-json-logger) for a log collector. Read from the environment when called, so the
gunicorn master, which never loads Django, configures itself the same way."""
import copy
import logging
import os
import re

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"
# A query string longer than this, or one carrying a signature, is left out of an access line at INFO: a signed
# gateway URL or Alipay's return parameters are ~1 KB each and say nothing a reader needs.
SHORT_QUERY = 64
_SIGNED = re.compile(r"(^|&)sign=")
# What a task returns when it found nothing to do: the periodic jobs (sweep, reconcile, refund retries, the local
# sandbox's 10-second beat) return a count, or a dict of counts, and are mostly idle.
_IDLE_RESULT = re.compile(r"0|\[\]|\(\)|\{\}|\{'\w+': 0(, '\w+': 0)*\}")


def _short_url(url: str) -> str:
    path, sep, query = url.partition("?")
    if not sep or (len(query) <= SHORT_QUERY and not _SIGNED.search(query)):
        return url
    return f"{path}?…({len(query)} bytes)"


# The local sandboxes' due-work jobs run every 10 s in dev: their sending and receipt are noise. The shop's own jobs
# (an order's expiry, the minutely sweeps) keep those lines: an operator checks that beat and the worker are alive
# by them, and CI's production pass does.
_QUIET_TASK_PREFIX = ("alipay_sandbox.", "wechatpay_sandbox.")


def _routine_celery_line(record: logging.LogRecord) -> bool:
    """Celery's INFO lines that say nothing happened: beat sending the sandbox's due-work job and the worker
    receiving it, and any task that succeeded having found nothing to do. A task that did something, failed or was
    retried keeps its line."""
    if record.levelno > logging.INFO:
        return False
    if record.name == "celery.beat":
        return (str(record.msg).startswith("Scheduler: Sending due task")
                and any(str(arg).startswith(_QUIET_TASK_PREFIX) for arg in (record.args or ())))
    if record.name == "celery.worker.strategy":
        name = record.args.get("name", "") if isinstance(record.args, dict) else ""
        return "received" in str(record.msg) and str(name).startswith(_QUIET_TASK_PREFIX)
    if record.name == "celery.app.trace" and isinstance(record.args, dict) and "return_value" in record.args:
        return bool(_IDLE_RESULT.fullmatch(str(record.args["return_value"])))
    return False


class QuietFilter(logging.Filter):
    """On the console handler, unless `verbose` (LOG_LEVEL=DEBUG): gunicorn access lines lose long or signed query
    strings (in the request line and the referer), and Celery's routine lines go (_routine_celery_line)."""

    def __init__(self, verbose: bool = False):
        super().__init__()
        self.verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        if self.verbose:
            return True
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            args = copy.copy(record.args)  # gunicorn's SafeAtoms, a dict: the format reads r (request line), f
            method, _, rest = str(args.get("r", "")).partition(" ")
            target, _, protocol = rest.partition(" ")
            args["r"] = f"{method} {_short_url(target)} {protocol}"
            args["f"] = _short_url(str(args.get("f", "-")))
            query = str(args.get("q") or "")
            if query and _short_url(f"?{query}") != f"?{query}":
                args["q"] = f"…({len(query)} bytes)"
            record.args = args
            return True
        return not _routine_celery_line(record)


def logging_config(level: str | None = None, fmt: str | None = None) -> dict:
    """The dictConfig for LOG_LEVEL (the shop's own loggers; default INFO) and LOG_FORMAT (`plain`, the default,
    or `json`)."""
    level = (level or os.environ.get("LOG_LEVEL") or "INFO").upper()
    fmt = (fmt or os.environ.get("LOG_FORMAT") or "plain").lower()
    if fmt not in ("plain", "json"):
        raise ValueError(f"LOG_FORMAT must be plain or json, not {fmt!r}")
    formatters = {
        "plain": {"format": PLAIN_FORMAT},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": PLAIN_FORMAT,
                 "rename_fields": {"levelname": "level", "name": "logger", "asctime": "time"}},
    }
    console = {"handlers": ["console"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"quiet": {"()": QuietFilter, "verbose": level == "DEBUG"}},
        "formatters": {fmt: formatters[fmt]},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["quiet"]}},
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            "luffycityapi": {**console, "level": level},
            "django.request": {**console, "level": "ERROR"},
            "celery": {**console, "level": "INFO"},
            "gunicorn.error": {**console, "level": "INFO"},
            "gunicorn.access": {**console, "level": "INFO"},
        },
    }
