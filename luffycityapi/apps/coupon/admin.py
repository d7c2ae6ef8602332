import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils import timezone

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

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class CouponForm(form):
            def clean_total(self):
                total = self.cleaned_data["total"]
                if self.instance.pk:
                    issued = services.coupon_issued(Coupon.objects.get(pk=self.instance.pk))
                    if total < issued:
                        raise forms.ValidationError(f"发放总量不能少于已发放的 {issued} 张")
                return total

            def clean(self):
                cleaned = super().clean()
                # A course-list coupon with no courses applies to nothing: refuse it here, where the list is
                # known (Coupon.clean() runs before the many-to-many values are saved).
                if cleaned.get("scope") == Coupon.Scope.COURSES and not cleaned.get("courses"):
                    self.add_error("courses", "请选择适用课程")
                return cleaned

        return CouponForm

    def save_model(self, request, obj, form, change):
        services.coupon_save(obj)  # the stock left follows the total

    @admin.action(description="发放给用户（填写手机号）", permissions=["change"])
    def grant_to_users(self, request, queryset):
        """First an intermediate page asking for the mobiles, then one grant per coupon and user."""
        if "apply" not in request.POST:
            return TemplateResponse(request, "admin/coupon/coupon/grant_form.html", {
                **self.admin_site.each_context(request), "title": "发放优惠券", "opts": self.model._meta,
                "coupons": queryset, "action_checkbox_name": ACTION_CHECKBOX_NAME, "mobiles": ""})
        mobiles = [m for m in re.split(r"[\s,，;；]+", request.POST.get("mobiles", "")) if m]
        result = services.coupon_grant_to_mobiles(coupon_ids=list(queryset.values_list("id", flat=True)),
                                                  mobiles=mobiles)
        if result.unknown_mobiles:
            self.message_user(request, "没有这些手机号的用户：" + "、".join(result.unknown_mobiles), messages.WARNING)
        for problem in result.refusals:
            self.message_user(request, problem, messages.WARNING)
        self.message_user(request, f"已发放 {result.granted} 张优惠券", messages.SUCCESS)
        return None


class CouponLogStatusFilter(admin.SimpleListFilter):
    """使用状态 as students see it: 已过期 is derived from the coupon's end (CouponLogQuerySet.with_status), not stored."""

    title = "使用状态"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return CouponLog.Status.choices

    def queryset(self, request, queryset):
        if self.value() not in {str(value) for value in CouponLog.Status.values}:
            return queryset
        return queryset.filter(status_now=int(self.value()))


@admin.register(CouponLog)
class CouponLogAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "coupon", "status_display", "order", "use_time", "created_time"]
    list_filter = [CouponLogStatusFilter, "coupon"]
    search_fields = ["user__mobile", "coupon__name", "order__order_number"]
    list_select_related = ["user", "coupon", "order"]
    fields = ["user", "coupon", "status_display", "order", "use_time"]
    readonly_fields = ["user", "coupon", "status_display", "order", "use_time"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_status(timezone.now())

    @admin.display(description="使用状态", ordering="status_now")
    def status_display(self, obj) -> str:
        return CouponLog.Status(obj.status_now).label

    def has_add_permission(self, request):
        return False
