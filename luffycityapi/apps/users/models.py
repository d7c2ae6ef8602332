from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A student (or staff). `credit` is a cache of the Credit ledger's sum and `money` of the WalletEntry
    ledger's sum, both changed only by users.services."""

    mobile = models.CharField("手机号", max_length=15, unique=True)
    name = models.CharField("昵称", max_length=150, blank=True, default="")
    money = models.DecimalField("钱包余额", max_digits=10, decimal_places=2, default=Decimal("0.00"))
    credit = models.IntegerField("积分", default=0)
    avatar = models.FileField("头像", upload_to="avatar/%Y/", blank=True, null=True)

    class Meta:
        db_table = "ly_users"
        verbose_name = verbose_name_plural = "用户"
        constraints = [models.CheckConstraint(condition=models.Q(credit__gte=0), name="user_credit_not_negative"),
                       models.CheckConstraint(condition=models.Q(money__gte=0), name="user_money_not_negative")]

    def __str__(self):
        return self.mobile or self.username


class Credit(models.Model):
    """One signed entry of a user's credit ledger; a user's credit always equals the sum of their entries."""

    class Operation(models.IntegerChoices):
        EARN = 0, "业务增值"
        SPEND = 1, "购物消费"
        GIFT = 2, "系统赠送"
        RETURN = 3, "订单退还"

    user = models.ForeignKey(User, related_name="credits", on_delete=models.CASCADE, verbose_name="用户")
    operation = models.SmallIntegerField("操作类型", choices=Operation.choices)
    number = models.IntegerField("积分数量", help_text="扣除为负数，获得为正数")
    remark = models.CharField("备注", max_length=500, blank=True, default="")
    order_number = models.CharField("订单号", max_length=64, blank=True, default="", db_index=True)
    created_time = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        db_table = "ly_credit"
        verbose_name = verbose_name_plural = "积分流水"
        ordering = ["-created_time", "-id"]

    def __str__(self):
        return f"{self.user} {self.number:+d} ({self.get_operation_display()})"


class WalletEntry(models.Model):
    """One signed entry of a user's wallet (钱包余额) ledger; a user's money always equals the sum of their entries.
    `key` makes an entry that money moved for a reason idempotent (one debit per order paid, one credit per top-up
    and per refund request); staff adjustments carry none."""

    class Operation(models.IntegerChoices):
        TOPUP = 0, "充值"
        SPEND = 1, "余额支付"
        REFUND = 2, "退款退回"
        ADJUST = 3, "人工调整"

    user = models.ForeignKey(User, related_name="wallet_entries", on_delete=models.CASCADE, verbose_name="用户")
    operation = models.SmallIntegerField("操作类型", choices=Operation.choices)
    amount = models.DecimalField("金额", max_digits=10, decimal_places=2, help_text="支出为负数，收入为正数")
    reason = models.CharField("原因", max_length=255)
    order_number = models.CharField("订单号", max_length=64, blank=True, default="", db_index=True)
    key = models.CharField("幂等键", max_length=80, unique=True, null=True, blank=True, default=None)
    operator = models.ForeignKey(User, related_name="+", null=True, blank=True, on_delete=models.SET_NULL,
                                 verbose_name="操作人")
    created_time = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        db_table = "ly_wallet_entry"
        verbose_name = verbose_name_plural = "钱包流水"
        ordering = ["-created_time", "-id"]

    def __str__(self):
        return f"{self.user} {self.amount:+} ({self.get_operation_display()})"


class UserCourse(models.Model):
    """A course a user owns; one row per user and course."""

    user = models.ForeignKey(User, related_name="user_courses", on_delete=models.CASCADE, verbose_name="用户")
    course = models.ForeignKey("courses.Course", related_name="course_users", on_delete=models.PROTECT,
                               verbose_name="课程")
    order_number = models.CharField("订单号", max_length=64, blank=True, default="", db_index=True)
    created_time = models.DateTimeField("购买时间", auto_now_add=True)

    class Meta:
        db_table = "ly_user_course"
        verbose_name = verbose_name_plural = "用户课程"
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="unique_user_course")]
        ordering = ["-created_time", "-id"]

    def __str__(self):
        return f"{self.user} · {self.course}"
