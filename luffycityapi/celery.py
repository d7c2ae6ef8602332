"""The Celery app. Tasks are thin: they take ids and call services, which re-check state under a lock."""
import os
from collections.abc import Mapping
from functools import cached_property

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luffycityapi.settings.dev")


class DjangoCelerySettings(Mapping):
    """settings.CELERY_*, read from Django's settings once, at the first lookup (Celery configures lazily).

    Celery looks up about seven options for every task it publishes, and an option the shop does not set is looked
    for in Django's settings first: through django.conf.settings that is an AttributeError raised and caught, so
    those misses cost a fifth of a publish (0.56 M of its 3.0 M instructions, callgrind). In a dict they cost
    little. The settings are fixed once a process has started, so one read loses nothing."""

    @cached_property
    def _values(self) -> dict:
        from django.conf import settings

        return {name: getattr(settings, name) for name in dir(settings) if name.startswith("CELERY_")}

    def __getitem__(self, key):
        return self._values[key]

    def __contains__(self, key):
        return key in self._values

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)


app = Celery("luffycityapi")
app.config_from_object(DjangoCelerySettings(), namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _log_like_the_shop(**kwargs):
    """The worker and beat log through settings.LOGGING (core/logconfig.py): same format as the web (plain or JSON
    lines), the shop's levels, and the sandbox's idle beat kept out of INFO. Connecting this tells Celery not to
    install its own root handler."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@signals.worker_init.connect
def _refuse_to_work_without_alipay_keys(**kwargs):
    """A worker runs expiry (close), refunds and reconciliation against Alipay: like gunicorn (wsgi.py), it
    refuses to start with a missing or garbled key rather than fail each of those calls later. SystemExit, because
    Celery logs and ignores an Exception raised by a signal handler."""
    from django.core.exceptions import ImproperlyConfigured

    from luffycityapi.apps.payments.checks import require_alipay_keys

    try:
        require_alipay_keys()
    except ImproperlyConfigured as exc:
        raise SystemExit(f"celery worker: {exc}") from exc


@app.on_after_configure.connect
def _redbeat_reads_its_keys(sender, **kwargs):
    """redbeat finds settings.CELERY_REDBEAT_* through Celery's namespace but tests for their presence without it,
    and then warns at every beat start that it is falling back to the broker's URL (it is not). Naming them
    once more without the prefix silences a false warning."""
    sender.conf.update({key: sender.conf.first(key) for key in ("redbeat_redis_url", "redbeat_redis_options")})
