from django.apps import AppConfig


class WechatpaySandboxConfig(AppConfig):
    name = "luffycityapi.apps.wechatpay_sandbox"
    label = "wechatpay_sandbox"
    verbose_name = "WeChat Pay sandbox (dev/test only)"

    def ready(self):
        from . import tasks  # noqa: F401 - registers the beat job that retries notifies
