from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "luffycityapi.core"
    label = "core"

    def ready(self):
        # Every process (web, Celery, manage.py) shares one embedded Redis server; the first one starts it.
        if getattr(settings, "EMBEDDED_REDIS", False):
            from .embedded_redis import ensure_embedded_redis

            ensure_embedded_redis(settings.EMBEDDED_REDIS_DIR)
