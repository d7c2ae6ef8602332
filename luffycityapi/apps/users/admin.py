from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Credit, User, UserCourse


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["id", "username", "mobile", "name", "credit", "money", "is_staff", "date_joined"]
    list_filter = ["is_staff", "is_active", "date_joined"]
    search_fields = ["username", "mobile", "name"]
    # The balance is the ledger's sum: staff change it by adding ledger entries, never by editing it here.
    readonly_fields = ["credit", "money", "last_login", "date_joined"]
    fieldsets = BaseUserAdmin.fieldsets + (("路飞学城", {"fields": ("mobile", "name", "credit", "money", "avatar")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("路飞学城", {"fields": ("mobile",)}),)


class CreditEntryForm(forms.ModelForm):
    """Refuse, as a form error, an entry credit_change would refuse: nothing, or more than the balance."""

    class Meta:
        model = Credit
        fields = ["user", "operation", "number", "remark", "order_number"]

    def clean(self):
        cleaned = super().clean()
        user, number = cleaned.get("user"), cleaned.get("number")
        if number == 0:
            self.add_error("number", "积分数量不能为 0")
        elif user is not None and number is not None and user.credit + number < 0:
            self.add_error("number", f"积分不足：该用户当前只有 {user.credit} 积分")
        return cleaned


@admin.register(Credit)
class CreditAdmin(admin.ModelAdmin):
    form = CreditEntryForm
    list_display = ["id", "user", "operation", "number", "remark", "order_number", "created_time"]
    list_filter = ["operation", "created_time"]
    search_fields = ["user__mobile", "user__username", "order_number", "remark"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

    def has_change_permission(self, request, obj=None):
        return False  # a ledger is append-only

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from .services import credit_change

        entry = credit_change(user_id=obj.user_id, number=obj.number, operation=obj.operation,
                              remark=obj.remark or f"管理员 {request.user} 调整", order_number=obj.order_number)
        obj.pk = entry.pk


@admin.register(UserCourse)
class UserCourseAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "course", "order_number", "created_time"]
    search_fields = ["user__mobile", "course__name", "order_number"]
    list_select_related = ["user", "course"]
    raw_id_fields = ["user", "course"]


# django-axes' login records, without their date drill-down: date_hierarchy converts time zones in SQL, which
# MariaDB answers with NULL (a 500) unless its time zone tables are loaded, and nothing else here needs them.
for _model, _admin_class in ((AccessAttempt, axes_admin.AccessAttemptAdmin), (AccessLog, axes_admin.AccessLogAdmin),
                             (AccessFailureLog, axes_admin.AccessFailureLogAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, type(_admin_class.__name__, (_admin_class,), {"date_hierarchy": None}))
