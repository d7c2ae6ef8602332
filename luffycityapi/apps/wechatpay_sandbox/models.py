"""State of the local WeChat Pay gateway, all in the database so that several web workers and the Celery worker that
retries notifies see one gateway. State changes lock the order row (select_for_update in transaction.atomic)."""
from django.db import models


class WxConfig(models.Model):
    """The one row (pk=1) of switches the control API flips. Defaults behave like WeChat Pay."""

    refund_delay_seconds = models.FloatField(default=0.0, help_text="PROCESSING → SUCCESS after this long")
    notify_hold = models.BooleanField(default=False, help_text="record notifies but do not send them")
    clock_offset_seconds = models.FloatField(default=0.0, help_text="added to the real clock (expiry, timestamps)")


class WxOrder(models.Model):
    """A Native order placed by POST /v3/pay/transactions/native (out_trade_no unique per mchid)."""

    class State(models.TextChoices):
        NOTPAY = "NOTPAY", "未支付"
        SUCCESS = "SUCCESS", "支付成功"
        REFUND = "REFUND", "转入退款"
        CLOSED = "CLOSED", "已关闭"

    mchid = models.CharField(max_length=32)
    appid = models.CharField(max_length=32)
    out_trade_no = models.CharField(max_length=32)
    description = models.CharField(max_length=127)
    total = models.BigIntegerField(help_text="fen")
    currency = models.CharField(max_length=16, default="CNY")
    notify_url = models.CharField(max_length=255)
    time_expire = models.DateTimeField()
    attach = models.CharField(max_length=128, blank=True)
    request_fingerprint = models.CharField(max_length=64, help_text="same params again → same code_url")
    code = models.CharField(max_length=16, unique=True, help_text="the pr= of the code_url")
    code_expire = models.DateTimeField()
    trade_state = models.CharField(max_length=8, choices=State.choices, default=State.NOTPAY)
    transaction_id = models.CharField(max_length=32, null=True, blank=True, unique=True)
    success_time = models.DateTimeField(null=True, blank=True)
    refunded = models.BigIntegerField(default=0)
    notify_tamper_next = models.CharField(max_length=16, blank=True, default="")
    notify_drop_next = models.IntegerField(default=0)
    notify_delay_next_seconds = models.FloatField(default=0.0)
    created_time = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mchid", "out_trade_no"], name="wx_sandbox_order_unique")]


class WxRefund(models.Model):
    order = models.ForeignKey(WxOrder, related_name="refunds", on_delete=models.CASCADE)
    out_refund_no = models.CharField(max_length=64, unique=True)
    refund_id = models.CharField(max_length=32, unique=True)
    amount = models.BigIntegerField(help_text="fen")
    reason = models.CharField(max_length=80, blank=True)
    notify_url = models.CharField(max_length=256, blank=True)
    status = models.CharField(max_length=12, default="PROCESSING")
    succeed_at = models.DateTimeField()
    success_time = models.DateTimeField(null=True, blank=True)
    created_time = models.DateTimeField(auto_now_add=True)


class WxNotification(models.Model):
    """One notify (payment or refund) and its delivery: the same `notify_id` on every attempt, each re-signed."""

    class State(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"
        HELD = "held"

    order = models.ForeignKey(WxOrder, related_name="notifications", on_delete=models.CASCADE)
    notify_id = models.CharField(max_length=36, unique=True)
    event_type = models.CharField(max_length=32)
    url = models.CharField(max_length=256)
    resource = models.JSONField(help_text="the plaintext resource (encrypted per attempt)")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    log = models.JSONField(default=list, help_text="every attempt: number, time, status, error")
    created_time = models.DateTimeField(auto_now_add=True)


class WxFault(models.Model):
    """The next `count` calls of `api` ("native", "query", "close", "refund", "refund_query" or "*") misbehave."""

    api = models.CharField(max_length=16)
    kind = models.CharField(max_length=16)  # system_error, rate_limited, sleep, bad_signature, unsigned, http_500
    count = models.IntegerField(default=1)
    seconds = models.FloatField(default=0.0)
