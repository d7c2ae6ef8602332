from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from luffycityapi.apps.payments import refunds as payment_refunds
from luffycityapi.apps.payments import selectors as payment_selectors
from luffycityapi.apps.payments.admin import can_refund
from luffycityapi.apps.payments.models import PaymentIssue, Refund
from luffycityapi.core.errors import ShopError

from . import services
from .models import Order, OrderDetail

MONEY_FIELDS = ["total_price", "discount_price", "real_price", "credit"]


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on the order page that change only through services, never by editing here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OrderDetailInline(ReadOnlyInline):
    model = OrderDetail
    readonly_fields = ["course", "name", "price", "real_price", "discount_name"]


class RefundInline(ReadOnlyInline):
    """The order's refunds with their state and the gateway's answer (refunds go through the refund form)."""

    model = Refund
    fields = readonly_fields = ["out_request_no", "reason", "course_ids", "amount", "credit", "status", "failure",
                                "gateway_answer", "operator", "attempts", "created_time", "updated_time"]
    verbose_name_plural = "退款记录"

    def has_change_permission(self, request, obj=None):
        return False


class PaymentIssueInline(RefundInline):
    model = PaymentIssue
    fields = readonly_fields = ["kind", "trade_no", "amount", "status", "refund", "resolved_by", "resolved_time",
                                "note", "created_time"]
    verbose_name_plural = "支付异常"


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["order_number", "user", "order_status", "real_price", "total_price", "credit", "pay_type",
                    "created_time", "pay_time"]
    list_filter = ["order_status", "pay_type", "created_time", "pay_time"]
    search_fields = ["order_number", "user__mobile", "trade_no"]
    change_form_template = "admin/orders/order/change_form.html"
    # No date_hierarchy: it converts time zones in SQL, which fails on a MariaDB without time-zone tables
    # ("invalid datetime value"); the created_time list filter works everywhere.
    list_select_related = ["user"]
    inlines = [OrderDetailInline, RefundInline, PaymentIssueInline]
    actions = ["cancel_unpaid"]
    # Money and state change only through services (actions), never by editing fields.
    readonly_fields = ["order_number", "user", "order_status", "pay_type", *MONEY_FIELDS, "expire_time",
                       "pay_time", "trade_no", "created_time", "updated_time", "payment_timeline"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="取消所选的未支付订单（退还优惠券和积分）", permissions=["change"])
    def cancel_unpaid(self, request, queryset):
        done = 0
        for order in queryset.filter(order_status=Order.Status.UNPAID):
            try:
                result = services.close_handler()(order.id, Order.Status.CANCELLED)
            except ShopError as exc:
                self.message_user(request, f"{order.order_number}: {exc.message}", messages.ERROR)
                continue
            done += result.order_status == Order.Status.CANCELLED
        self.message_user(request, f"已取消 {done} 个订单", messages.SUCCESS)

    @admin.display(description="支付事件时间线")
    def payment_timeline(self, order):
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (timezone.localtime(event.created_time).strftime("%Y-%m-%d %H:%M:%S"), event.get_kind_display(),
             event.get_direction_display(), event.trade_no or "-", event.verdict or "-", event.outcome)
            for event in payment_selectors.order_payment_events(order.order_number)))
        if not rows:
            return "（无支付事件）"
        return format_html('<table id="payment-timeline"><thead><tr><th>时间</th><th>类型</th><th>方向</th>'
                           '<th>支付宝交易号</th><th>校验</th><th>结果</th></tr></thead><tbody>{}</tbody></table>', rows)

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
                refund = payment_refunds.refund_courses(
                    order_id=order.id, course_ids=request.POST.getlist("course_ids"),
                    out_request_no=request.POST.get("out_request_no", ""), operator_id=request.user.id,
                    remark=request.POST.get("remark", ""))
            except (ShopError, ValueError) as exc:
                self.message_user(request, f"退款未执行：{getattr(exc, 'message', exc)}", messages.ERROR)
                return redirect(request.path)
            level = {Refund.Status.SUCCEEDED: messages.SUCCESS, Refund.Status.FAILED: messages.ERROR}.get(
                refund.status, messages.WARNING)
            self.message_user(request, f"退款 {refund.out_request_no}：{refund.get_status_display()}，"
                                       f"金额 {refund.amount} 元，积分 {refund.credit}"
                                       + (f"；原因：{refund.failure}" if refund.failure else ""), level)
            return redirect(change_url)
        taken = payment_refunds.refunded_course_ids(order.id)
        lines = [{"share": share, "refunded": share.course_id in taken}
                 for share in payment_refunds.line_shares(order)]
        return TemplateResponse(request, "admin/orders/order/refund_form.html", {
            **self.admin_site.each_context(request), "title": f"退款：订单 {order.order_number}",
            "opts": self.model._meta, "original": order, "order": order, "lines": lines,
            "out_request_no": payment_refunds.new_request_no(), "change_url": change_url,
            "refundable": order.order_status == Order.Status.PAID})
