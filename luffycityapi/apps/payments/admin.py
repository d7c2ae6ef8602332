"""Payments in admin: the event log, refunds, the quarantine and reconciliation; and the order's page extended
with its refunds, payment issues, payment timeline and the refund form (the orders app's OrderAdmin knows nothing
of payments: payments depends on orders, never the reverse)."""
import json
from decimal import Decimal

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

from . import labels, refunds, selectors
from .models import PaymentEvent, PaymentIssue, ReconciliationMismatch, Refund

# The index shows the last 30 days' revenue (templates/admin/luffy_index.html, payments_admin.revenue_chart).
admin.site.index_template = "admin/luffy_index.html"
admin.site.site_header = admin.site.site_title = "路飞学城 管理后台"

REFUND_PERMISSION = "payments.can_refund"


def can_refund(request) -> bool:
    """Only finance (the payments.can_refund permission) may move money; support only looks."""
    return request.user.is_active and request.user.has_perm(REFUND_PERMISSION)


def short_time(value) -> str:
    """A compact local time for narrow lists (the change page shows it in full)."""
    return timezone.localtime(value).strftime("%m-%d %H:%M:%S") if value else "-"


def collapsible_json(value, summary: str = "展开"):
    """A gateway's raw answer (or a message's parameters), folded away until asked for."""
    if value in (None, "", {}, []):
        return "-"
    return format_html('<details class="raw-json"><summary>{}</summary><pre style="white-space:pre-wrap;'
                       'max-width:640px;margin:4px 0">{}</pre></details>',
                       summary, json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def refund_course_names(refund) -> str:
    """The refunded courses by name (the order's lines; prefetch order__order_courses for lists)."""
    names = {line.course_id: line.name for line in refund.order.order_courses.all()}
    wanted = [int(c) for c in refund.course_ids or []]
    if not wanted:  # a late-payment or quarantine refund: the whole payment
        return "整笔款项"
    return "、".join(names.get(c, f"课程 {c}") for c in wanted)


def operator_name(refund) -> str:
    return refund.operator.username if refund.operator_id else "系统"


class NarrowList:
    """A change list that fits a 1366 px screen beside its filters: without the app navigation column (the
    breadcrumbs lead back) and with long numbers wrapping (static/payments/admin-lists.css)."""

    class Media:
        css = {"all": ["payments/admin-lists.css"]}

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "is_nav_sidebar_enabled": False})


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymentEvent)
class PaymentEventAdmin(NarrowList, ReadOnlyAdmin):
    # Narrow enough for a 1366 px screen with the filter column: short times, labelled codes.
    list_display = ["when", "provider", "kind", "direction", "order_number", "provider_trade_no", "verified",
                    "verdict_label", "outcome_label"]
    list_filter = ["provider", "kind", "direction", "verified", "verdict", "created_time"]
    search_fields = ["order_number", "provider_trade_no", "outcome"]
    fields = ["created_time", "provider", "kind", "direction", "order_number", "provider_trade_no", "verified",
              "verdict_label", "outcome_label", "params_view", "response_view"]
    readonly_fields = fields

    @admin.display(description="时间", ordering="created_time")
    def when(self, event):
        return short_time(event.created_time)

    @admin.display(description="校验结论", ordering="verdict")
    def verdict_label(self, event):
        return labels.labelled(event.verdict)

    @admin.display(description="处理结果", ordering="outcome")
    def outcome_label(self, event):
        return labels.labelled(event.outcome)

    @admin.display(description="原始参数")
    def params_view(self, event):
        return collapsible_json(event.params)

    @admin.display(description="网关应答")
    def response_view(self, event):
        return collapsible_json(event.response)
    # No date_hierarchy: it converts time zones in SQL, which fails on a MariaDB without time-zone tables
    # (the page answered 500 there); the created_time list filter works everywhere.


@admin.register(Refund)
class RefundAdmin(NarrowList, ReadOnlyAdmin):
    list_display = ["when", "order", "provider", "courses", "amount", "credit", "status", "reason",
                    "operator_username", "policy_override", "failure"]
    list_filter = ["status", "reason", "order__pay_type", "policy_override", "created_time"]
    search_fields = ["out_request_no", "order__order_number", "order__trade_no", "order__user__mobile"]
    list_select_related = ["order", "operator"]
    fields = ["out_request_no", "order", "provider", "courses", "amount", "credit", "reason", "remark", "status",
              "failure", "operator_username", "policy_override", "attempts", "created_time", "updated_time",
              "gateway_view"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("order__order_courses")

    @admin.display(description="时间", ordering="created_time")
    def when(self, refund):
        return short_time(refund.created_time)

    @admin.display(description="退款课程")
    def courses(self, refund):
        return refund_course_names(refund)

    @admin.display(description="操作人", ordering="operator__username")
    def operator_username(self, refund):
        return operator_name(refund)

    @admin.display(description="网关应答")
    def gateway_view(self, refund):
        return collapsible_json(refund.gateway_answer)

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
    fields = readonly_fields = ["out_request_no", "reason", "courses", "amount", "credit", "status", "failure",
                                "gateway_view", "operator_username", "policy_override", "created_time"]
    verbose_name_plural = "退款记录"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "operator").prefetch_related(
            "order__order_courses")

    @admin.display(description="退款课程")
    def courses(self, refund):
        return refund_course_names(refund)

    @admin.display(description="操作人")
    def operator_username(self, refund):
        return operator_name(refund)

    @admin.display(description="网关应答")
    def gateway_view(self, refund):
        return collapsible_json(refund.gateway_answer)


class PaymentIssueInline(RefundInline):
    model = PaymentIssue

    def get_queryset(self, request):
        return admin.TabularInline.get_queryset(self, request)

    fields = readonly_fields = ["kind", "provider_trade_no", "amount", "status", "refund", "resolved_by",
                                "resolved_time", "note", "created_time"]
    verbose_name_plural = "支付异常"


class PaymentOrderAdmin(NarrowList, OrderAdmin):
    """The orders app's OrderAdmin with what payments knows about an order."""

    change_form_template = "admin/orders/order/change_form.html"
    inlines = [*OrderAdmin.inlines, RefundInline, PaymentIssueInline]
    readonly_fields = [*OrderAdmin.readonly_fields, "payment_timeline"]

    @admin.display(description="支付事件时间线")
    def payment_timeline(self, order):
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (timezone.localtime(event.created_time).strftime("%Y-%m-%d %H:%M:%S"), event.get_kind_display(),
             event.get_direction_display(), event.provider_trade_no or "-", labels.labelled(event.verdict),
             labels.labelled(event.outcome))
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
        if request.method == "POST" and request.POST.get("confirmed") != "1":
            return self._refund_confirmation(request, order, change_url)
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


    def _refund_confirmation(self, request, order, change_url):
        """The refund form's second step: the chosen courses with the money and credits that will go back, and
        every field of the form carried on (so fields added to the form reach the refund unchanged)."""
        try:
            chosen = {int(c) for c in request.POST.getlist("course_ids")}
        except ValueError:
            chosen = set()
        taken = refunds.refunded_course_ids(order.id)
        shares = [share for share in refunds.line_shares(order) if share.course_id in chosen - taken]
        if not shares:
            self.message_user(request, "请至少勾选一门可退款的课程", messages.ERROR)
            return redirect(request.path)
        carried = [(name, value) for name, values in request.POST.lists() if name not in ("csrfmiddlewaretoken",
                                                                                          "confirmed")
                   for value in values]
        return TemplateResponse(request, "admin/orders/order/refund_confirm.html", {
            **self.admin_site.each_context(request), "title": f"确认退款：订单 {order.order_number}",
            "opts": self.model._meta, "original": order, "order": order, "shares": shares, "carried": carried,
            "total_money": sum((share.money for share in shares), Decimal("0.00")),
            "total_credit": sum(share.credit for share in shares), "change_url": change_url,
            "remark": request.POST.get("remark", "")})


# orders' admin module was imported first (INSTALLED_APPS order): replace its registration with the extended one.
admin.site.unregister(Order)
admin.site.register(Order, PaymentOrderAdmin)
