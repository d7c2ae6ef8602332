"""WSGI entry point (gunicorn luffycityapi.wsgi)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luffycityapi.settings.prod")
application = get_wsgi_application()
