"""The coupon app's output serializers: each response's one definition, which renders it and documents it."""
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from luffycityapi.core.fields import MoneyStringField

from .models import Coupon
from .selectors import scope_label


class CouponSerializer(serializers.Serializer):
    """One of the user's coupons (a selectors.UsableCoupon or UnusableCoupon) with the seed's field names."""

    user_coupon_id = serializers.IntegerField(source="log.id", help_text="the user's coupon: checkout's user_coupon_id")
    name = serializers.CharField(source="log.coupon.name")
    discount = serializers.ChoiceField(source="log.coupon.discount", choices=Coupon.Kind.choices,
                                       help_text="1 an amount off, 2 a rate")
    discount_display = serializers.CharField(source="log.coupon.get_discount_display")
    sale = serializers.CharField(source="log.coupon.sale", help_text='"-100.00" (amount off) or "*0.88" (rate)')
    condition = MoneyStringField(source="log.coupon.condition", read_only=True,
                                 help_text="the least total it applies to")
    enable_course = serializers.SerializerMethodField()
    start_time = serializers.DateTimeField(source="log.coupon.start_time")
    end_time = serializers.DateTimeField(source="log.coupon.end_time")

    @extend_schema_field({"oneOf": [{"type": "string", "description": '"__all__" or "category:<id>"'},
                                    {"type": "array", "items": {"type": "integer"}, "description": "course ids"}]})
    def get_enable_course(self, choice):
        return scope_label(choice.log.coupon)


class UsableCouponSerializer(CouponSerializer):
    """A coupon that applies to the selected cart, with what it takes off."""

    deduction = MoneyStringField(read_only=True, help_text="what it takes off the selected cart")


class UnusableCouponSerializer(CouponSerializer):
    """A coupon that does not apply to the selected cart (shown greyed), with why."""

    usable = serializers.SerializerMethodField(help_text="always false")
    reason_code = serializers.CharField(help_text="coupon_reserved, coupon_not_started or pricing's refusal code")
    reason = serializers.CharField(help_text="why, for the student")

    def get_usable(self, unusable) -> bool:
        return False


class EnableCouponsSerializer(serializers.Serializer):
    coupon_list = UsableCouponSerializer(many=True, help_text="best first")
    unusable = UnusableCouponSerializer(many=True, help_text="the user's other coupons, each with why (greyed)")
    credit_to_money = serializers.IntegerField(help_text="credits per yuan")
    has_credit = serializers.IntegerField(help_text="the user's credits")
