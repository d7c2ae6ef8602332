from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Credit, User, UserCourse, WalletEntry
from .services import credit_change, wallet_change


class WalletEntryInline(admin.TabularInline):
    """The wallet's latest entries on the user's page (read-only: adjust through 钱包流水 → 增加)."""

    model = WalletEntry
    fk_name = "user"
    fields = ["created_time", "operation", "amount", "reason", "order_number", "operator"]
    readonly_fields = fields
    ordering = ["-created_time", "-id"]
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = "钱包流水（最新）"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [WalletEntryInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new user has no wallet entries
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


class LedgerAdmin(admin.ModelAdmin):
    """A ledger is append-only: entries are added (through its service), never changed or deleted."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Credit)
class CreditAdmin(LedgerAdmin):
    form = CreditEntryForm
    list_display = ["id", "user", "operation", "number", "remark", "order_number", "created_time"]
    list_filter = ["operation", "created_time"]
    search_fields = ["user__mobile", "user__username", "order_number", "remark"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

    def save_model(self, request, obj, form, change):
        entry = credit_change(user_id=obj.user_id, number=obj.number, operation=obj.operation,
                              remark=obj.remark or f"管理员 {request.user} 调整", order_number=obj.order_number)
        obj.pk = entry.pk


class WalletEntryForm(forms.ModelForm):
    """Staff adjust a wallet only by adding an entry with a reason (User.money is read-only); an entry that would
    leave the balance negative is a form error."""

    class Meta:
        model = WalletEntry
        fields = ["user", "amount", "reason", "order_number"]

    def clean(self):
        cleaned = super().clean()
        user, amount = cleaned.get("user"), cleaned.get("amount")
        if amount == 0:
            self.add_error("amount", "金额不能为 0")
        elif user is not None and amount is not None and user.money + amount < 0:
            self.add_error("amount", f"余额不足：该用户当前余额 {user.money:.2f} 元")
        if not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "请填写调整原因")
        return cleaned


@admin.register(WalletEntry)
class WalletEntryAdmin(LedgerAdmin):
    form = WalletEntryForm
    list_display = ["id", "user", "operation", "amount", "reason", "order_number", "operator", "created_time"]
    list_filter = ["operation", "created_time"]
    search_fields = ["user__mobile", "user__username", "order_number", "reason"]
    list_select_related = ["user", "operator"]
    raw_id_fields = ["user"]

    def save_model(self, request, obj, form, change):
        # A balance spent between the form's check and this lock raises WalletInsufficient: nothing is written.
        entry, _ = wallet_change(user_id=obj.user_id, amount=obj.amount, operation=WalletEntry.Operation.ADJUST,
                                 reason=obj.reason, order_number=obj.order_number, operator_id=request.user.id)
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
