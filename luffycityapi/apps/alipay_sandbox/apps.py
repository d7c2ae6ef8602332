from django.apps import AppConfig


class AlipaySandboxConfig(AppConfig):
    name = "luffycityapi.apps.alipay_sandbox"
    label = "alipay_sandbox"
    verbose_name = "支付宝沙箱网关（本地）"
