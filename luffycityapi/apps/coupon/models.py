from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Coupon(models.Model):
    """A kind of coupon: a fixed amount off ("减免") or a percentage of the dearest eligible course ("折扣")."""

    class Kind(models.IntegerChoices):
        AMOUNT = 1, "减免"
        PERCENT = 2, "折扣"

    class Scope(models.IntegerChoices):
        ALL = 0, "全部课程"
        CATEGORY = 1, "指定分类"
        COURSES = 2, "指定课程"

    name = models.CharField("名称", max_length=100)
    discount = models.SmallIntegerField("优惠方式", choices=Kind.choices, default=Kind.AMOUNT)
    amount = models.DecimalField("减免金额", max_digits=10, decimal_places=2, default=Decimal("0.00"),
                                 validators=[MinValueValidator(Decimal("0.00"))])
    rate = models.DecimalField("折扣率", max_digits=4, decimal_places=2, default=Decimal("1.00"),
                               validators=[MinValueValidator(Decimal("0.00")), MaxValueValidator(Decimal("1.00"))],
                               help_text="折扣券：支付比例，如 0.88 表示八八折")
    condition = models.DecimalField("满多少可用", max_digits=10, decimal_places=2, default=Decimal("0.00"))
    scope = models.SmallIntegerField("适用范围", choices=Scope.choices, default=Scope.ALL)
    category = models.ForeignKey("courses.CourseCategory", null=True, blank=True, on_delete=models.PROTECT,
                                 verbose_name="适用分类")
    courses = models.ManyToManyField("courses.Course", blank=True, verbose_name="适用课程")
    start_time = models.DateTimeField("生效时间")
    end_time = models.DateTimeField("失效时间")
    total = models.PositiveIntegerField("发放总量", default=100)
    remaining = models.PositiveIntegerField("剩余数量", default=100)
    per_user_limit = models.PositiveIntegerField("每人限领", default=1)
    is_show = models.BooleanField("启用", default=True)
    created_time = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        db_table = "ly_coupon"
        verbose_name = verbose_name_plural = "优惠券"
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=models.Q(remaining__lte=models.F("total")),
                                              name="coupon_remaining_within_total")]

    def __str__(self):
        return self.name

    def clean(self):
        """Refuse terms staff cannot mean (the admin calls this; a course list is checked by the admin's form,
        since many-to-many values are saved after the row)."""
        errors = {}
        if self.scope == self.Scope.CATEGORY and self.category_id is None:
            # Without a category, "this category" would read as "no category": every uncategorised course.
            errors["category"] = "请选择适用分类"
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = "失效时间必须晚于生效时间"
        if errors:
            raise ValidationError(errors)

    @property
    def sale(self) -> str:
        """The seed's notation: "-100.00" for an amount off, "*0.88" for a rate."""
        return f"-{self.amount}" if self.discount == self.Kind.AMOUNT else f"*{self.rate}"


class CouponLogQuerySet(models.QuerySet):
    def with_status(self, now):
        """Annotate `status_now`, the status a student and an operator see: EXPIRED for an unused coupon no order
        holds once its coupon kind has ended, else what use_status says."""
        return self.annotate(status_now=models.Case(
            models.When(use_status=CouponLog.Status.UNUSED, order__isnull=True, coupon__end_time__lte=now,
                        then=models.Value(CouponLog.Status.EXPIRED)),
            default=models.F("use_status"), output_field=models.SmallIntegerField()))


class CouponLog(models.Model):
    """A coupon granted to a user. `order` is the order it is reserved by (use_status 0) or used in (1).

    "已过期" (2) is derived, not stored: an unused coupon that no order holds is expired once its coupon kind's
    end_time has passed (CouponLogQuerySet.with_status). The end is a property of the kind, which
    staff may extend (and seed_demo does on an old database); a stored flag would need a sweeper to set it, lag
    behind it, and be undone on every extension. use_status holds only what happened to this coupon: unused or
    used. The checkout refuses a coupon past its end either way (services.check_usable)."""

    class Status(models.IntegerChoices):
        UNUSED = 0, "未使用"
        USED = 1, "已使用"
        EXPIRED = 2, "已过期"

    user = models.ForeignKey("users.User", related_name="coupons", on_delete=models.CASCADE, verbose_name="用户")
    coupon = models.ForeignKey(Coupon, related_name="logs", on_delete=models.PROTECT, verbose_name="优惠券")
    order = models.ForeignKey("orders.Order", related_name="coupon_logs", null=True, blank=True,
                              on_delete=models.SET_NULL, verbose_name="订单")
    use_status = models.SmallIntegerField("使用状态", choices=Status.choices, default=Status.UNUSED, db_index=True)
    use_time = models.DateTimeField("使用时间", null=True, blank=True)
    created_time = models.DateTimeField("领取时间", auto_now_add=True)

    objects = CouponLogQuerySet.as_manager()

    class Meta:
        db_table = "ly_coupon_log"
        verbose_name = verbose_name_plural = "用户优惠券"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.user} · {self.coupon}"
