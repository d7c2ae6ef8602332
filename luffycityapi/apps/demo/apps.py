from django.apps import AppConfig


class DemoConfig(AppConfig):
    """No models: the `seed_demo` command, which sits above every app and calls their services."""

    name = "luffycityapi.apps.demo"
    label = "demo"
