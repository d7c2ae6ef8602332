"""State of the local Alipay gateway. Everything lives in the database so that several gunicorn workers (and the
Celery worker that retries notifies) see one gateway."""
from decimal import Decimal

from django.db import models


class SandboxConfig(models.Model):
    """The one row (pk=1) of switches the control API (__sim__) flips. Defaults behave like Alipay."""

    class NotifyOrder(models.TextChoices):
        IMMEDIATE = "immediate", "notify sent right after the payment commits (races the return, like Alipay)"
        BEFORE = "before", "first notify attempt delivered before the browser is redirected to return_url"
        AFTER = "after", "first notify attempt delayed by notify_after_delay_seconds"
        NEVER = "never", "notification recorded but not sent (resend it through __sim__)"

    merchant_balance = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("1000000.00"))
    notify_order = models.CharField(max_length=16, choices=NotifyOrder.choices, default=NotifyOrder.IMMEDIATE)
    notify_after_delay_seconds = models.FloatField(default=2.0)
    notify_closed = models.BooleanField(default=False, help_text="also notify TRADE_CLOSED (off for page pay)")
    notify_strip_whitespace = models.BooleanField(default=False, help_text="accept ' success\\n' as success")
    clock_offset_seconds = models.FloatField(default=0.0, help_text="added to the real clock for business times")
    frozen_at = models.DateTimeField(null=True, blank=True, help_text="if set, the gateway's clock stands here")
    deterministic_ids = models.BooleanField(default=False, help_text="trade_no/notify_id from a counter")
    id_counter = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "sandbox config"


class SandboxTrade(models.Model):
    """An order handed over by alipay.trade.page.pay or .wap.pay. It becomes an Alipay *trade* (trade_no,
    WAIT_BUYER_PAY) only when the buyer logs in on the cashier; until then query/close answer ACQ.TRADE_NOT_EXIST."""

    class Method(models.TextChoices):
        PAGE_PAY = "alipay.trade.page.pay", "电脑网站支付 (desktop cashier)"
        WAP_PAY = "alipay.trade.wap.pay", "手机网站支付 (phone cashier)"

    class Status(models.TextChoices):
        NOT_CREATED = "NOT_CREATED", "order only: the buyer has not logged in yet"
        WAIT_BUYER_PAY = "WAIT_BUYER_PAY", "交易创建，等待买家付款"
        TRADE_SUCCESS = "TRADE_SUCCESS", "支付成功"
        TRADE_FINISHED = "TRADE_FINISHED", "交易结束，不可退款"
        TRADE_CLOSED = "TRADE_CLOSED", "交易关闭"

    app_id = models.CharField(max_length=32)
    out_trade_no = models.CharField(max_length=64)
    method = models.CharField(max_length=32, choices=Method.choices, default=Method.PAGE_PAY,
                              help_text="the cashier the latest pay request asked for")
    quit_url = models.CharField(max_length=256, blank=True, help_text="wap pay: the phone cashier's 返回商家")
    token = models.CharField(max_length=64, unique=True)
    trade_no = models.CharField(max_length=64, null=True, blank=True, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NOT_CREATED)
    subject = models.CharField(max_length=256)
    body = models.CharField(max_length=400, blank=True)
    total_amount = models.DecimalField(max_digits=12, decimal_places=2)
    refund_fee = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    passback_params = models.CharField(max_length=512, blank=True)
    return_url = models.CharField(max_length=256, blank=True)
    notify_url = models.CharField(max_length=256, blank=True)
    charset = models.CharField(max_length=10, default="utf-8")
    sign_type = models.CharField(max_length=10, default="RSA2")
    expires_at = models.DateTimeField(null=True, blank=True)
    buyer_id = models.CharField(max_length=16, blank=True)
    buyer_logon_id = models.CharField(max_length=100, blank=True)
    gmt_create = models.DateTimeField(null=True, blank=True)
    gmt_payment = models.DateTimeField(null=True, blank=True)
    gmt_close = models.DateTimeField(null=True, blank=True)
    cancelled_by_buyer = models.BooleanField(default=False)
    # One-shot directives from __sim__ for this trade's next notify / return (see README).
    notify_drop_next = models.PositiveIntegerField(default=0)
    notify_delay_next_seconds = models.FloatField(default=0.0)
    notify_tamper_next = models.CharField(max_length=16, blank=True)
    return_tamper_next = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["app_id", "out_trade_no"], name="sandbox_trade_app_out_no")]

    def __str__(self):
        return f"{self.out_trade_no} {self.status}"

    @property
    def is_trade(self) -> bool:
        """Whether Alipay would know this trade (the buyer logged in at least once)."""
        return bool(self.trade_no)


class SandboxRefund(models.Model):
    """One accepted refund request (out_request_no is the idempotency key within a trade)."""

    trade = models.ForeignKey(SandboxTrade, on_delete=models.CASCADE, related_name="refunds")
    out_request_no = models.CharField(max_length=64)
    refund_amount = models.DecimalField(max_digits=12, decimal_places=2)
    refund_reason = models.CharField(max_length=256, blank=True)
    gmt_refund_pay = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trade", "out_request_no"], name="sandbox_refund_request_no")]


class SandboxNotification(models.Model):
    """One async notification (one notify_id) and its delivery schedule. Attempts are claimed with a lease so that
    the in-process thread, Celery and __sim__ never send the same attempt twice."""

    class State(models.TextChoices):
        PENDING = "pending", "waiting for its next attempt"
        DELIVERED = "delivered", "the merchant answered success"
        FAILED = "failed", "8 attempts failed"
        HELD = "held", "not sent (notify_order=never); resend through __sim__"

    trade = models.ForeignKey(SandboxTrade, on_delete=models.CASCADE, related_name="notifications")
    notify_id = models.CharField(max_length=128, unique=True)
    event = models.CharField(max_length=16)  # payment | refund | close
    url = models.CharField(max_length=256)
    params = models.JSONField(help_text="everything except notify_time, sign (those are fresh per attempt)")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="scheduled attempts made (extra sends not counted)")
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class SandboxNotifyAttempt(models.Model):
    """What was sent and what came back, for every single POST (or dropped POST)."""

    notification = models.ForeignKey(SandboxNotification, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(help_text="schedule position 1..8; 0 for extra sends (resend/duplicate)")
    url = models.CharField(max_length=256)
    params = models.JSONField()
    http_status = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=256, blank=True)
    success = models.BooleanField(default=False)
    sent_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)


class SandboxFault(models.Model):
    """The next `remaining` calls of `method` ("*" = any) misbehave in the way `kind` says."""

    class Kind(models.TextChoices):
        SYSTEM_ERROR = "system_error", "signed 20000 ACQ.SYSTEM_ERROR"
        UNSIGNED_ERROR = "unsigned_error", "unsigned 40002 isv.invalid-parameter"
        BAD_SIGNATURE = "bad_signature", "normal answer with a broken signature"
        HTTP_500 = "http_500", "HTTP 500, nothing done"
        SLEEP = "sleep", "the call is processed, then the answer waits `seconds`"
        DELAY = "delay", "the call waits `seconds`, then is processed (what happens meanwhile is what it sees)"
        WRONG_AMOUNT = "wrong_amount", "normal answer with its amount +1.00, validly signed"

    method = models.CharField(max_length=128)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    remaining = models.PositiveIntegerField(default=1)
    seconds = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)


class SandboxSink(models.Model):
    """A test-only notify receiver (__sim__/sink/<name>/): records posts, answers per its config."""

    name = models.CharField(max_length=64, unique=True)
    answer = models.CharField(max_length=64, default="success", help_text="body after the first fail_first posts")
    status_code = models.PositiveIntegerField(default=200)
    fail_first = models.PositiveIntegerField(default=0, help_text="answer 'fail' to this many posts first")


class SandboxSinkHit(models.Model):
    """One POST a sink received, and what it answered."""

    sink = models.ForeignKey(SandboxSink, on_delete=models.CASCADE, related_name="hits")
    content_type = models.CharField(max_length=128, blank=True)
    raw_body = models.TextField()
    params = models.JSONField()
    answered_status = models.PositiveIntegerField()
    answered_body = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)
