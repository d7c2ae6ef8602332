"""Payments in admin: the event log, refunds, the quarantine and reconciliation; and the order's page extended
with its refunds, payment issues, payment timeline and the refund form (the orders app's OrderAdmin knows nothing
of payments: payments depends on orders, never the reverse)."""
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from luffycityapi.apps.learning.policy import line_policies
from luffycityapi.apps.orders.admin import OrderAdmin
from luffycityapi.apps.orders.models import Order
from luffycityapi.core.errors import ShopError

from . import refunds, selectors
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
    list_display = ["created_time", "provider", "kind", "direction", "order_number", "provider_trade_no", "verified",
                    "verdict", "outcome"]
    list_filter = ["provider", "kind", "direction", "verified", "verdict", "created_time"]
    search_fields = ["order_number", "provider_trade_no"]
    # No date_hierarchy: it converts time zones in SQL, which fails on a MariaDB without time-zone tables
    # (the page answered 500 there); the created_time list filter works everywhere.


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["out_request_no", "order", "provider", "amount", "credit", "reason", "status", "failure",
                    "operator", "attempts", "created_time", "updated_time"]
    list_filter = ["status", "reason", "order__pay_type", "created_time"]
    search_fields = ["out_request_no", "order__order_number", "order__trade_no", "order__user__mobile"]
    list_select_related = ["order", "operator"]

    @admin.display(description="支付平台", ordering="order__pay_type")
    def provider(self, refund):
        """The way the order was paid, which is where its money goes back (支付宝 / 微信支付)."""
        return refund.order.get_pay_type_display()


# The intermediate page of an issue action: one note, then the action runs for each selected issue.
RESOLVE_FORM = "admin/payments/paymentissue/resolve_form.html"


@admin.register(PaymentIssue)
class PaymentIssueAdmin(ReadOnlyAdmin):
    list_display = ["created_time", "kind", "order", "order_status", "provider", "provider_trade_no", "amount",
                    "status", "refund_state", "resolved_by", "resolved_time", "note"]
    list_filter = ["kind", "status", "provider", "created_time"]
    search_fields = ["provider_trade_no", "order__order_number", "order__user__mobile"]
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
    list_display = ["day", "kind", "order_number", "our_status", "our_amount", "provider", "provider_status",
                    "provider_amount", "provider_trade_no", "resolution", "detail", "updated_time"]
    list_filter = ["day", "kind", "resolution"]
    search_fields = ["order_number", "provider_trade_no"]


# --- the order's page: its refunds, payment issues, payment timeline and the refund form ------------------------

class RefundInline(admin.TabularInline):
    """The order's refunds with their state and the gateway's answer (refunds go through the refund form)."""

    model = Refund
    extra = 0
    can_delete = False
    fields = readonly_fields = ["out_request_no", "reason", "course_ids", "amount", "credit", "status", "failure",
                                "gateway_answer", "operator", "policy_override", "attempts", "created_time", "updated_time"]
    verbose_name_plural = "退款记录"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PaymentIssueInline(RefundInline):
    model = PaymentIssue
    fields = readonly_fields = ["kind", "provider_trade_no", "amount", "status", "refund", "resolved_by",
                                "resolved_time", "note", "created_time"]
    verbose_name_plural = "支付异常"


class PaymentOrderAdmin(OrderAdmin):
    """The orders app's OrderAdmin with what payments knows about an order."""

    change_form_template = "admin/orders/order/change_form.html"
    inlines = [*OrderAdmin.inlines, RefundInline, PaymentIssueInline]
    readonly_fields = [*OrderAdmin.readonly_fields, "payment_timeline"]

    @admin.display(description="支付事件时间线")
    def payment_timeline(self, order):
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (timezone.localtime(event.created_time).strftime("%Y-%m-%d %H:%M:%S"), event.get_kind_display(),
             event.get_direction_display(), event.provider_trade_no or "-", event.verdict or "-", event.outcome)
            for event in selectors.order_payment_events(order.order_number)))
        if not rows:
            return "（无支付事件）"
        return format_html('<table id="payment-timeline"><thead><tr><th>时间</th><th>类型</th><th>方向</th>'
                           '<th>交易号</th><th>校验</th><th>结果</th></tr></thead><tbody>{}</tbody></table>', rows)

    def get_urls(self):
        return [path("<path:object_id>/refund/", self.admin_site.admin_view(self.refund_view),
                     name="orders_order_refund"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {**(extra_context or {}), "can_refund": can_refund(request)}
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def refund_view(self, request, object_id):
        """Refund the whole order or chosen courses (finance only). The form carries a fresh out_request_no, so
        the same form submitted twice is one refund. The gateway is called here, outside any transaction."""
        if not can_refund(request):
            raise PermissionDenied
        # The admin's own lookup: an id that is no number ("abc", " ") is None here, a 404, where a plain
        # get(pk=...) raised ValueError (a 500).
        order = self.get_object(request, unquote(object_id))
        if order is None:
            raise Http404("no such order")
        change_url = reverse("admin:orders_order_change", args=[order.pk])
        if request.method == "POST":
            try:
                refund = refunds.refund_courses(
                    order_id=order.id, course_ids=request.POST.getlist("course_ids"),
                    out_request_no=request.POST.get("out_request_no", ""), operator_id=request.user.id,
                    remark=request.POST.get("remark", ""), policy_override=request.POST.get("policy_override") == "on")
            except (ShopError, ValueError) as exc:
                self.message_user(request, f"退款未执行：{getattr(exc, 'message', exc)}", messages.ERROR)
                return redirect(request.path)
            level = {Refund.Status.SUCCEEDED: messages.SUCCESS, Refund.Status.FAILED: messages.ERROR}.get(
                refund.status, messages.WARNING)
            self.message_user(request, f"退款 {refund.out_request_no}：{refund.get_status_display()}，"
                                       f"金额 {refund.amount} 元，积分 {refund.credit}"
                                       + (f"；原因：{refund.failure}" if refund.failure else ""), level)
            return redirect(change_url)
        taken = refunds.refunded_course_ids(order.id)
        policies = line_policies(order)  # each line's progress and refund window (learning.policy)
        lines = [{"share": share, "refunded": share.course_id in taken, "policy": policies.get(share.course_id)}
                 for share in refunds.line_shares(order)]
        return TemplateResponse(request, "admin/orders/order/refund_form.html", {
            **self.admin_site.each_context(request), "title": f"退款：订单 {order.order_number}",
            "opts": self.model._meta, "original": order, "order": order, "lines": lines,
            "out_request_no": refunds.new_request_no(), "change_url": change_url,
            "refundable": order.order_status == Order.Status.PAID,
            "window_days": settings.REFUND_WINDOW_DAYS, "max_progress": settings.REFUND_MAX_PROGRESS,
            "outside_policy": any(line["policy"] and not line["policy"].refundable and not line["refunded"]
                                  for line in lines)})


# orders' admin module was imported first (INSTALLED_APPS order): replace its registration with the extended one.
admin.site.unregister(Order)
admin.site.register(Order, PaymentOrderAdmin)
