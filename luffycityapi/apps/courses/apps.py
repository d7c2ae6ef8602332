from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "luffycityapi.apps.courses"
    label = "courses"
    verbose_name = "课程"

    def ready(self):
        from . import signals  # noqa: F401 - connects the catalogue cache's invalidation
