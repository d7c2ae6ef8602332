"""WSGI entry point (gunicorn luffycityapi.wsgi). The default settings are dev, as for manage.py and Celery (the
production recipe sets DJANGO_SETTINGS_MODULE explicitly)."""
import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luffycityapi.settings.dev")
application = get_wsgi_application()

# gunicorn runs no system checks: without this, a missing or garbled Alipay key would boot a server whose first
# payment answers 503. Loading the app fails instead, with the check's message naming the file.
from luffycityapi.apps.payments.checks import require_alipay_keys  # noqa: E402 - needs the apps loaded

require_alipay_keys()

# What is loaded by now lives as long as the process: move it out of the collector's reach, so that a full
# collection walks only what requests create. Unfrozen, a gen-2 pass over the ~110k start-up objects took 35-50 ms,
# a stall for every request queued on this worker (frozen: 4-7 ms). Forked workers keep the shared pages too.
gc.collect()
gc.freeze()
