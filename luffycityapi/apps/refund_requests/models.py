from django.conf import settings
from django.db import models


class RefundRequest(models.Model):
    """A student's request to refund one course line of a paid order. At most one is open per line (checked under
    the order's lock); approval creates the payments Refund (out_request_no RQ<id>, so approving twice is one
    refund)."""

    class Status(models.IntegerChoices):
        OPEN = 0, "待审核"
        APPROVED = 1, "已批准"
        REJECTED = 2, "已拒绝"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="refund_requests", on_delete=models.CASCADE,
                             verbose_name="学员")
    order = models.ForeignKey("orders.Order", related_name="refund_requests", on_delete=models.PROTECT,
                              verbose_name="订单")
    course = models.ForeignKey("courses.Course", related_name="+", on_delete=models.PROTECT, verbose_name="课程")
    reason = models.CharField("退款原因", max_length=255)
    status = models.SmallIntegerField("状态", choices=Status.choices, default=Status.OPEN, db_index=True)
    refund = models.ForeignKey("payments.Refund", null=True, blank=True, related_name="+", on_delete=models.PROTECT,
                               verbose_name="退款记录")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+",
                                   on_delete=models.SET_NULL, verbose_name="审核人")
    decided_time = models.DateTimeField("审核时间", null=True, blank=True)
    note = models.CharField("审核备注", max_length=255, blank=True, default="")
    created_time = models.DateTimeField("申请时间", auto_now_add=True)

    class Meta:
        db_table = "ly_refund_request"
        verbose_name = verbose_name_plural = "退款申请"
        ordering = ["-created_time", "-id"]
        indexes = [models.Index(fields=["order", "course", "status"], name="refund_request_line")]

    def __str__(self):
        return f"{self.order_id} · {self.course_id} · {self.get_status_display()}"
