from django.apps import AppConfig


class LearningConfig(AppConfig):
    """Studying what one bought: lessons with signed media URLs, progress, and the refund policy built on them.
    Below payments (which reads the policy), above orders, courses and users."""

    name = "luffycityapi.apps.learning"
    label = "learning"
    verbose_name = "学习"
