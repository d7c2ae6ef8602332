from decimal import Decimal

from django.db import models


class Order(models.Model):
    """A student's order. Its status changes only through orders.services, under a row lock."""

    class Status(models.IntegerChoices):
        UNPAID = 0, "未支付"
        PAID = 1, "已支付"
        CANCELLED = 2, "已取消"
        TIMEOUT = 3, "超时取消"
        REFUNDED = 4, "已退款"

    class PayType(models.IntegerChoices):
        ALIPAY = 0, "支付宝"
        WECHAT = 1, "微信支付"
        WALLET = 2, "余额支付"

    class Kind(models.IntegerChoices):
        COURSES = 0, "购买课程"
        TOPUP = 1, "钱包充值"  # no lines: fulfilment credits the wallet with real_price

    # db_default too: code from before this field (a rolling deploy) inserts orders without it
    kind = models.SmallIntegerField("订单类型", choices=Kind.choices, default=Kind.COURSES, db_default=Kind.COURSES)
    name = models.CharField("订单标题", max_length=255, default="购买课程")
    user = models.ForeignKey("users.User", related_name="orders", on_delete=models.PROTECT, verbose_name="用户")
    order_number = models.CharField("订单号", max_length=64, unique=True)
    order_status = models.SmallIntegerField("订单状态", choices=Status.choices, default=Status.UNPAID, db_index=True)
    pay_type = models.SmallIntegerField("支付方式", choices=PayType.choices, default=PayType.ALIPAY)
    total_price = models.DecimalField("总价", max_digits=10, decimal_places=2, default=Decimal("0.00"))
    discount_price = models.DecimalField("优惠金额", max_digits=10, decimal_places=2, default=Decimal("0.00"))
    real_price = models.DecimalField("实付金额", max_digits=10, decimal_places=2, default=Decimal("0.00"))
    credit = models.IntegerField("抵扣积分", default=0)
    expire_time = models.DateTimeField("支付截止时间", db_index=True)
    pay_time = models.DateTimeField("支付时间", null=True, blank=True)
    trade_no = models.CharField("支付宝交易号", max_length=64, blank=True, default="", db_index=True)
    order_desc = models.TextField("订单描述", blank=True, default="")
    created_time = models.DateTimeField("下单时间", auto_now_add=True, db_index=True)
    updated_time = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        db_table = "ly_order"
        verbose_name = verbose_name_plural = "订单"
        ordering = ["-created_time", "-id"]
        indexes = [models.Index(fields=["user", "order_status", "created_time"], name="order_user_status")]

    def __str__(self):
        return self.order_number


class OrderDetail(models.Model):
    """One course of an order, with the prices it was sold at."""

    order = models.ForeignKey(Order, related_name="order_courses", on_delete=models.CASCADE, verbose_name="订单")
    course = models.ForeignKey("courses.Course", related_name="course_orders", on_delete=models.PROTECT,
                               verbose_name="课程")
    name = models.CharField("课程名称", max_length=255)
    price = models.DecimalField("原价", max_digits=10, decimal_places=2)
    real_price = models.DecimalField("售价", max_digits=10, decimal_places=2)
    discount_name = models.CharField("优惠活动", max_length=120, blank=True, default="")

    class Meta:
        db_table = "ly_order_detail"
        verbose_name = verbose_name_plural = "订单详情"
        constraints = [models.UniqueConstraint(fields=["order", "course"], name="one_line_per_course")]

    def __str__(self):
        return f"{self.order_id} · {self.name}"
