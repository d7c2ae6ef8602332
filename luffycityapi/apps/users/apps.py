from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "luffycityapi.apps.users"
    label = "users"
    verbose_name = "用户"
