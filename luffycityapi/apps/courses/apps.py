from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "luffycityapi.apps.courses"
    label = "courses"
    verbose_name = "课程"
