"""The Celery app. Tasks are thin: they take ids and call services, which re-check state under a lock."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luffycityapi.settings.dev")

app = Celery("luffycityapi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
