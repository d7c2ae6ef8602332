"""The order admin. The payments app extends it (payments/admin.py: refunds, payment issues and the payment
timeline on the order's page), so orders knows nothing of payments."""
from django.contrib import admin, messages

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


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["order_number", "user", "order_status", "real_price", "total_price", "credit", "pay_type",
                    "created_time", "pay_time"]
    list_filter = ["order_status", "pay_type", "created_time", "pay_time"]
    search_fields = ["order_number", "user__mobile", "trade_no"]
    # No date_hierarchy: it converts time zones in SQL, which fails on a MariaDB without time-zone tables
    # ("invalid datetime value"); the created_time list filter works everywhere.
    list_select_related = ["user"]
    inlines = [OrderDetailInline]
    actions = ["cancel_unpaid"]
    # Money and state change only through services (actions), never by editing fields.
    readonly_fields = ["order_number", "user", "order_status", "pay_type", *MONEY_FIELDS, "expire_time",
                       "pay_time", "trade_no", "created_time", "updated_time"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        """A paid (or refunded) order is a record of money taken: nothing on it is edited by hand, not even its
        title or description (refunds go through the refund form)."""
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.order_status in (Order.Status.PAID, Order.Status.REFUNDED):
            return [*fields, *(f.name for f in self.model._meta.concrete_fields
                               if f.editable and f.name not in fields and not f.primary_key)]
        return fields

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
