import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

from luffycityapi.core.errors import ShopError

from .lockout import login_locked_error
from luffycityapi.core.fields import MoneyField, MoneyStringField

from .models import Credit, User, UserCourse, WalletEntry

# ASCII only: in Python, \d also matches full-width and Arabic-Indic digits, which are no phone number.
MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")


class RegisterSerializer(serializers.Serializer):
    mobile = serializers.CharField(max_length=15)
    password = serializers.CharField(max_length=128, write_only=True)
    password2 = serializers.CharField(max_length=128, write_only=True)

    def validate_mobile(self, value):
        if not MOBILE_RE.fullmatch(value):
            raise serializers.ValidationError("手机号格式不正确")
        return value

    def validate(self, attrs):
        if attrs["password"] != attrs["password2"]:
            raise ShopError("两次输入的密码不一致", code="password_mismatch")
        try:
            password_validation.validate_password(attrs["password"])
        except DjangoValidationError as exc:
            raise ShopError("；".join(exc.messages), code="password_weak") from exc
        return attrs


class LoginSerializer(TokenObtainPairSerializer):
    """username may be the username or the mobile number (see UsernameOrMobileBackend)."""

    def validate(self, attrs):
        # simplejwt answers a wrong password with the same AuthenticationFailed as a bad token; the client must be
        # able to tell "wrong credentials" (show a message) from "token expired" (refresh and retry).
        # django-axes refuses a locked-out account before its password is checked and marks the request: that is
        # a 429 saying for how long, not a wrong password.
        try:
            return super().validate(attrs)
        except exceptions.AuthenticationFailed as exc:
            request = self.context["request"]
            if getattr(request, "axes_locked_out", False):
                raise login_locked_error(request) from exc
            raise ShopError("用户名或密码错误", code="invalid_credentials", status=401) from exc


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=2048)


class RegisterResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mobile = serializers.CharField()
    access = serializers.CharField()
    refresh = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    money = MoneyField()

    class Meta:
        model = User
        fields = ["id", "mobile", "name", "credit", "money", "username"]


class TokenPairSerializer(serializers.Serializer):
    """A login's (and, tokens rotating, a refresh's) answer."""

    access = serializers.CharField(help_text="the access JWT: Authorization: Bearer <access>")
    refresh = serializers.CharField(help_text="the refresh token (single use: each refresh hands out a new one)")


class OwnedCourseSerializer(serializers.Serializer):
    """The course a student owns, as their course list shows it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    cover = serializers.CharField()
    brief = serializers.CharField()


class UserCourseSerializer(serializers.ModelSerializer):
    course = OwnedCourseSerializer()

    class Meta:
        model = UserCourse
        fields = ["id", "course", "order_number", "created_time"]


class CreditSerializer(serializers.ModelSerializer):
    operation_display = serializers.CharField(source="get_operation_display")

    class Meta:
        model = Credit
        fields = ["id", "operation", "operation_display", "number", "remark", "order_number", "created_time"]


class WalletEntrySerializer(serializers.ModelSerializer):
    operation_display = serializers.CharField(source="get_operation_display")
    amount = MoneyStringField(read_only=True)  # signed: "-12.30" for a payment

    class Meta:
        model = WalletEntry
        fields = ["id", "operation", "operation_display", "amount", "reason", "order_number", "created_time"]


class TopupPayTypeSerializer(serializers.Serializer):
    """A way to pay a wallet top-up (money from outside the shop: 支付宝, 微信支付)."""

    pay_type = serializers.IntegerField()
    name = serializers.CharField()


class WalletSerializer(serializers.Serializer):
    """The wallet: its balance as a "%.2f" string, its ledger (newest first) and the ways a top-up may be paid
    (`POST /api/orders/topup/`'s pay_type)."""

    money = MoneyStringField()
    entries = WalletEntrySerializer(many=True)
    topup_pay_types = TopupPayTypeSerializer(many=True)
