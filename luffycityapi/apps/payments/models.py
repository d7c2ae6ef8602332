from decimal import Decimal

from django.conf import settings
from django.db import models


class PaymentEvent(models.Model):
    """Every inbound notify/return and every outbound gateway call, recorded before acting on it."""

    class Kind(models.TextChoices):
        LINK = "link", "支付链接"
        RETURN = "return", "同步返回"
        NOTIFY = "notify", "异步通知"
        QUERY = "query", "交易查询"
        CLOSE = "close", "关闭交易"
        REFUND = "refund", "退款"
        REFUND_QUERY = "refund_query", "退款查询"
        FREE = "free", "零元订单"
        CHARGE = "charge", "余额扣款"

    class Direction(models.TextChoices):
        INBOUND = "in", "收到"
        OUTBOUND = "out", "发出"

    kind = models.CharField("类型", max_length=16, choices=Kind.choices, db_index=True)
    direction = models.CharField("方向", max_length=3, choices=Direction.choices)
    provider = models.CharField("支付平台", max_length=16, blank=True, default="")  # providers.registry names
    order_number = models.CharField("订单号", max_length=64, blank=True, default="", db_index=True)
    provider_trade_no = models.CharField("支付平台交易号", max_length=64, blank=True, default="")
    params = models.JSONField("原始参数", default=dict, blank=True)
    verified = models.BooleanField("验签通过", null=True)
    verdict = models.CharField("校验结论", max_length=64, blank=True, default="")
    outcome = models.CharField("处理结果", max_length=255, blank=True, default="pending")
    response = models.JSONField("网关应答", null=True, blank=True)
    created_time = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        db_table = "ly_payment_event"
        verbose_name = verbose_name_plural = "支付事件"
        ordering = ["-created_time", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.order_number} {self.outcome}"


class Refund(models.Model):
    """A refund request. Stored with its unique out_request_no BEFORE the provider is asked, so asking again
    repeats the same request and the provider refunds once. The order's pay_type says which provider."""

    class Status(models.IntegerChoices):
        PENDING = 0, "处理中"
        SUCCEEDED = 1, "退款成功"
        FAILED = 2, "退款失败"

    class Reason(models.TextChoices):
        LATE_PAYMENT = "late_payment", "订单关闭后到账，自动退款"
        ADMIN = "admin", "管理员退款"
        QUARANTINE = "quarantine", "异常支付退款"

    order = models.ForeignKey("orders.Order", related_name="refunds", on_delete=models.PROTECT, verbose_name="订单")
    out_request_no = models.CharField("退款请求号", max_length=64, unique=True)
    amount = models.DecimalField("退款金额", max_digits=10, decimal_places=2, default=Decimal("0.00"))
    reason = models.CharField("原因", max_length=32, choices=Reason.choices)
    remark = models.CharField("备注", max_length=255, blank=True, default="")
    course_ids = models.JSONField("退款课程", default=list, blank=True)
    # The refunded lines' share of the order's credits, given back to the ledger when the refund succeeds
    # (refunds.py has the pro-rata rule); 0 for late-payment and quarantine refunds.
    credit = models.IntegerField("退还积分", default=0)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+",
                                 on_delete=models.SET_NULL, verbose_name="操作人")
    # The operator (above) refunded lines outside the refund policy (learning.policy) on purpose.
    policy_override = models.BooleanField("超出退款政策（人工放行）", default=False)
    status = models.SmallIntegerField("状态", choices=Status.choices, default=Status.PENDING, db_index=True)
    failure = models.CharField("失败原因", max_length=255, blank=True, default="")
    gateway_answer = models.JSONField("网关应答", null=True, blank=True)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    created_time = models.DateTimeField("创建时间", auto_now_add=True)
    updated_time = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        db_table = "ly_refund"
        verbose_name = verbose_name_plural = "退款"
        ordering = ["-created_time", "-id"]
        # Support staff may look at everything; only finance holds this (groups made in migration 0003).
        permissions = [("can_refund", "可以退款及处理支付异常")]

    def __str__(self):
        return f"{self.out_request_no} {self.amount} {self.get_status_display()}"


class PaymentIssue(models.Model):
    """A payment that verified but does not fit: paid after close/cancel, or a different amount. The order is
    flagged by it; late payments are refunded automatically."""

    class Kind(models.TextChoices):
        LATE_PAYMENT = "late_payment", "关闭后到账"
        AMOUNT_MISMATCH = "amount_mismatch", "金额不符"

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        REFUNDING = "refunding", "退款中"
        REFUNDED = "refunded", "已退款"
        GRANTED = "granted", "已补发课程"
        DISMISSED = "dismissed", "已忽略"

    order = models.ForeignKey("orders.Order", related_name="payment_issues", on_delete=models.PROTECT,
                              verbose_name="订单")
    kind = models.CharField("类型", max_length=32, choices=Kind.choices)
    provider = models.CharField("支付平台", max_length=16, blank=True, default="")
    provider_trade_no = models.CharField("支付平台交易号", max_length=64)
    amount = models.DecimalField("到账金额", max_digits=10, decimal_places=2, null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="退款")
    note = models.CharField("处理记录", max_length=500, blank=True, default="")
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+",
                                    on_delete=models.SET_NULL, verbose_name="处理人")
    resolved_time = models.DateTimeField("处理时间", null=True, blank=True)
    created_time = models.DateTimeField("发现时间", auto_now_add=True)
    updated_time = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        db_table = "ly_payment_issue"
        verbose_name = verbose_name_plural = "支付异常（隔离区）"
        ordering = ["-created_time", "-id"]
        constraints = [models.UniqueConstraint(fields=["provider_trade_no", "kind"],
                                               name="one_issue_per_trade_and_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.order_id} {self.provider_trade_no}"


class ReconciliationMismatch(models.Model):
    """One disagreement between our books and a provider's found by reconciliation, one row per order, kind and day
    (a later run the same day updates it): the daily report operators read in admin."""

    class Kind(models.TextChoices):
        PAID_THERE_NOT_HERE = "paid_there_not_here", "支付宝已收款，本地未支付"
        HERE_NOT_THERE = "here_not_there", "本地已支付，支付宝无此收款"
        AMOUNT_DIFFERS = "amount_differs", "金额不一致"

    class Resolution(models.TextChoices):
        REPAIRED = "repaired", "已自动修复"
        REFUNDING = "refunding", "已转退款"
        OPEN = "open", "待人工处理"

    day = models.DateField("对账日期", db_index=True)
    kind = models.CharField("类型", max_length=32, choices=Kind.choices)
    order = models.ForeignKey("orders.Order", related_name="mismatches", on_delete=models.PROTECT,
                              verbose_name="订单")
    order_number = models.CharField("订单号", max_length=64)
    our_status = models.SmallIntegerField("本地状态（发现时）")
    our_amount = models.DecimalField("本地金额", max_digits=10, decimal_places=2)
    provider = models.CharField("支付平台", max_length=16, blank=True, default="")
    provider_status = models.CharField("支付平台状态", max_length=32, blank=True, default="")
    provider_amount = models.DecimalField("支付平台金额", max_digits=10, decimal_places=2, null=True, blank=True)
    provider_trade_no = models.CharField("支付平台交易号", max_length=64, blank=True, default="")
    resolution = models.CharField("处理结果", max_length=16, choices=Resolution.choices, default=Resolution.OPEN)
    detail = models.CharField("说明", max_length=255, blank=True, default="")
    created_time = models.DateTimeField("发现时间", auto_now_add=True)
    updated_time = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        db_table = "ly_reconciliation_mismatch"
        verbose_name = verbose_name_plural = "对账差异"
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["day", "order_number", "kind"], name="one_mismatch_per_day")]

    def __str__(self):
        return f"{self.day} {self.order_number} {self.get_kind_display()}"
