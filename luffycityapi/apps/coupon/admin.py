from django.contrib import admin, messages
from django.db.models import Q

from luffycityapi.apps.users.models import User
from luffycityapi.core.errors import ShopError

from . import services
from .models import Coupon, CouponLog


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "discount", "amount", "rate", "condition", "scope", "start_time", "end_time",
                    "remaining", "total", "per_user_limit", "is_show"]
    list_filter = ["discount", "scope", "is_show", "start_time", "end_time"]
    search_fields = ["name"]
    filter_horizontal = ["courses"]
    readonly_fields = ["remaining"]
    actions = ["grant_to_users"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.remaining = obj.total
        super().save_model(request, obj, form, change)

    @admin.action(description="发放给用户（在搜索框输入手机号，逗号分隔；留空则发给演示账号）")
    def grant_to_users(self, request, queryset):
        mobiles = [m.strip() for m in request.GET.get("q", "").split(",") if m.strip()] or ["13800000000"]
        users = list(User.objects.filter(Q(mobile__in=mobiles) | Q(username__in=mobiles)))
        granted = 0
        for coupon in queryset:
            for user in users:
                try:
                    services.coupon_grant(coupon_id=coupon.id, user_id=user.id)
                    granted += 1
                except ShopError as exc:
                    self.message_user(request, f"{coupon} → {user}: {exc.message}", messages.WARNING)
        self.message_user(request, f"已发放 {granted} 张优惠券", messages.SUCCESS)


@admin.register(CouponLog)
class CouponLogAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "coupon", "use_status", "order", "use_time", "created_time"]
    list_filter = ["use_status", "coupon"]
    search_fields = ["user__mobile", "coupon__name", "order__order_number"]
    list_select_related = ["user", "coupon", "order"]
    readonly_fields = ["user", "coupon", "order", "use_status", "use_time"]

    def has_add_permission(self, request):
        return False
