"""WSGI entry point (gunicorn luffycityapi.wsgi). The default settings are dev, as for manage.py and Celery (the
production recipe sets DJANGO_SETTINGS_MODULE explicitly)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luffycityapi.settings.dev")
application = get_wsgi_application()

# gunicorn runs no system checks: without this, a missing or garbled Alipay key would boot a server whose first
# payment answers 503. Loading the app fails instead, with the check's message naming the file.
from luffycityapi.apps.payments.checks import require_alipay_keys  # noqa: E402 - needs the apps loaded

require_alipay_keys()
