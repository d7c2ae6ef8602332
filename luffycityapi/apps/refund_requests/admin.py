"""Finance approves or rejects students' refund requests. Each row shows the line's progress and refund window
(learning.policy); approving outside the policy takes the explicit "超出政策仍批准" action, recorded on the refund
with the operator."""
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from luffycityapi.apps.learning.policy import line_policies
from luffycityapi.apps.payments.admin import can_refund
from luffycityapi.apps.payments.models import Refund
from luffycityapi.core.errors import ShopError

from . import services
from .models import RefundRequest


@admin.register(RefundRequest)
class RefundRequestAdmin(admin.ModelAdmin):
    # Few, short columns: the list fits 1366 px with the admin's sidebar (the student is on the order's page).
    list_display = ["created_time", "order", "course", "reason", "status", "policy_summary", "refund_state"]
    # No filter sidebar (the list would not fit 1366 px beside the admin's menu): open requests come first.
    ordering = ["status", "-created_time", "-id"]
    search_fields = ["order__order_number", "user__mobile", "course__name"]
    list_select_related = ["user", "order", "course", "refund", "decided_by"]
    fields = readonly_fields = ["user", "order", "course", "reason", "status", "progress", "window", "policy",
                                "refund_state", "decided_by", "decided_time", "note", "created_time"]
    actions = ["approve", "approve_override", "reject"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_refund_permission(self, request):
        return can_refund(request)

    def _line(self, obj):
        cache = getattr(obj, "_policy", None)
        if cache is None:
            cache = obj._policy = line_policies(obj.order, at=obj.created_time).get(obj.course_id)
        return cache

    @admin.display(description="学习进度")
    def progress(self, obj):
        line = self._line(obj)
        return f"{line.progress.percent}%（上限 {line.max_progress}%）" if line else "-"  # noqa: RUF001

    @admin.display(description="退款期限")
    def window(self, obj):
        line = self._line(obj)
        if not line or not line.deadline:
            return "-"
        return timezone.localtime(line.deadline).strftime("%Y-%m-%d %H:%M")

    @admin.display(description="政策（申请时）")
    def policy(self, obj):
        line = self._line(obj)
        return ("政策内" if line.refundable else line.message) if line else "-"

    @admin.display(description="进度 / 期限 / 政策")
    def policy_summary(self, obj):
        line = self._line(obj)
        if not line:
            return "-"
        deadline = timezone.localtime(line.deadline).strftime("%m-%d %H:%M") if line.deadline else "-"
        return format_html("{}<br>{} 前<br>{}", self.progress(obj), deadline, self.policy(obj))

    @admin.display(description="退款")
    def refund_state(self, obj):
        if not obj.refund_id:
            return "-"
        return f"{obj.refund.out_request_no} {obj.refund.get_status_display()} {obj.refund.amount} 元"

    def _decide(self, request, queryset, verb, call):
        for req in queryset.order_by("id"):
            try:
                outcome = call(req)
            except ShopError as exc:
                self.message_user(request, f"申请 {req.id}：未能{verb}：{exc.message}", messages.ERROR)
                continue
            if isinstance(outcome, Refund):
                level = {Refund.Status.SUCCEEDED: messages.SUCCESS, Refund.Status.FAILED: messages.ERROR}.get(
                    outcome.status, messages.WARNING)
                self.message_user(request, f"申请 {req.id}：已{verb}，退款 {outcome.out_request_no} "
                                           f"{outcome.get_status_display()}，金额 {outcome.amount} 元", level)
            else:
                self.message_user(request, f"申请 {req.id}：已{verb}", messages.SUCCESS)

    @admin.action(description="批准退款（原路退回）", permissions=["refund"])
    def approve(self, request, queryset):
        self._decide(request, queryset, "批准", lambda req: services.refund_request_approve(
            request_id=req.id, operator_id=request.user.id))

    @admin.action(description="超出政策仍批准（记录操作人）", permissions=["refund"])
    def approve_override(self, request, queryset):
        self._decide(request, queryset, "批准（超出政策）", lambda req: services.refund_request_approve(
            request_id=req.id, operator_id=request.user.id, override=True))

    @admin.action(description="拒绝退款", permissions=["refund"])
    def reject(self, request, queryset):
        self._decide(request, queryset, "拒绝", lambda req: services.refund_request_reject(
            request_id=req.id, operator_id=request.user.id))
