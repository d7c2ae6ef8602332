from django.contrib import admin

from .models import PaymentEvent, PaymentIssue, Refund


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
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
    date_hierarchy = "created_time"


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["out_request_no", "order", "amount", "reason", "status", "failure", "attempts", "created_time"]
    list_filter = ["status", "reason", "created_time"]
    search_fields = ["out_request_no", "order__order_number", "order__trade_no"]
    list_select_related = ["order"]


@admin.register(PaymentIssue)
class PaymentIssueAdmin(ReadOnlyAdmin):
    list_display = ["created_time", "kind", "order", "trade_no", "amount", "status", "note"]
    list_filter = ["kind", "status"]
    search_fields = ["trade_no", "order__order_number"]
    list_select_related = ["order"]
