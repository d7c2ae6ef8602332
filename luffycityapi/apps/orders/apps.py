from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "luffycityapi.apps.orders"
    label = "orders"
    verbose_name = "订单"

    def ready(self):
        from . import tasks  # noqa: F401 - registers the tasks services queue by name (core.queue)
