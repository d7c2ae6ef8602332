from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.html import format_html

from luffycityapi.core.errors import ShopError

from . import refunds
from .models import PaymentEvent, PaymentIssue, ReconciliationMismatch, Refund

# The index shows the last 30 days' revenue (templates/admin/luffy_index.html, payments_admin.revenue_chart).
admin.site.index_template = "admin/luffy_index.html"
admin.site.site_header = admin.site.site_title = "路飞学城 管理后台"

REFUND_PERMISSION = "payments.can_refund"


def can_refund(request) -> bool:
    """Only finance (the payments.can_refund permission) may move money; support only looks."""
    return request.user.is_active and request.user.has_perm(REFUND_PERMISSION)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdmin):
    list_display = ["created_time", "kind", "direction", "order_number", "trade_no", "verified", "verdict", "outcome"]
    list_filter = ["kind", "direction", "verified", "verdict", "created_time"]
    search_fields = ["order_number", "trade_no"]
    # No date_hierarchy: it converts time zones in SQL, which fails on a MariaDB without time-zone tables
    # (the page answered 500 there); the created_time list filter works everywhere.


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["out_request_no", "order", "amount", "credit", "reason", "status", "failure", "operator",
                    "attempts", "created_time", "updated_time"]
    list_filter = ["status", "reason", "created_time"]
    search_fields = ["out_request_no", "order__order_number", "order__trade_no", "order__user__mobile"]
    list_select_related = ["order", "operator"]


# The intermediate page of an issue action: one note, then the action runs for each selected issue.
RESOLVE_FORM = "admin/payments/paymentissue/resolve_form.html"


@admin.register(PaymentIssue)
class PaymentIssueAdmin(ReadOnlyAdmin):
    list_display = ["created_time", "kind", "order", "order_status", "trade_no", "amount", "status", "refund_state",
                    "resolved_by", "resolved_time", "note"]
    list_filter = ["kind", "status", "created_time"]
    search_fields = ["trade_no", "order__order_number", "order__user__mobile"]
    list_select_related = ["order", "refund", "resolved_by"]
    actions = ["refund_issues", "grant_issues", "dismiss_issues"]

    def has_refund_permission(self, request):
        return can_refund(request)

    @admin.display(description="订单状态")
    def order_status(self, issue):
        return issue.order.get_order_status_display()

    @admin.display(description="退款")
    def refund_state(self, issue):
        if issue.refund is None:
            return "-"
        return format_html("{} {}<br>{}", issue.refund.out_request_no, issue.refund.get_status_display(),
                           issue.refund.failure)

    def _resolve(self, request, queryset, action, title, run):
        """Ask for a note first, then run the service for each issue; every refusal is shown."""
        if "apply" not in request.POST:
            return TemplateResponse(request, RESOLVE_FORM, {
                **self.admin_site.each_context(request), "title": title, "opts": self.model._meta,
                "issues": queryset.select_related("order"), "action": action,
                "action_checkbox_name": ACTION_CHECKBOX_NAME})
        note = request.POST.get("note", "").strip()
        for issue in queryset:
            try:
                outcome = run(issue_id=issue.id, operator_id=request.user.id, note=note)
            except ShopError as exc:
                self.message_user(request, f"{issue.order.order_number}: {exc.message}", messages.ERROR)
                continue
            if isinstance(outcome, Refund):
                level = messages.ERROR if outcome.status == Refund.Status.FAILED else messages.SUCCESS
                self.message_user(request, f"{issue.order.order_number}: 退款{outcome.get_status_display()} "
                                           f"{outcome.failure}", level)
            else:
                self.message_user(request, f"{issue.order.order_number}: {outcome.get_status_display()}",
                                  messages.SUCCESS)
        return None

    @admin.action(description="退款（原路退回该笔款项）", permissions=["refund"])
    def refund_issues(self, request, queryset):
        return self._resolve(request, queryset, "refund_issues", "退款", refunds.issue_refund)

    @admin.action(description="补发课程（按已支付处理）", permissions=["refund"])
    def grant_issues(self, request, queryset):
        return self._resolve(request, queryset, "grant_issues", "补发课程", refunds.issue_grant)

    @admin.action(description="忽略（不退款也不补发）", permissions=["refund"])
    def dismiss_issues(self, request, queryset):
        return self._resolve(request, queryset, "dismiss_issues", "忽略", refunds.issue_dismiss)


@admin.register(ReconciliationMismatch)
class ReconciliationMismatchAdmin(ReadOnlyAdmin):
    list_display = ["day", "kind", "order_number", "our_status", "our_amount", "alipay_status", "alipay_amount",
                    "trade_no", "resolution", "detail", "updated_time"]
    list_filter = ["day", "kind", "resolution"]
    search_fields = ["order_number", "trade_no"]
