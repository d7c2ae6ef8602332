"""The payment endpoints' output serializers: each response's one definition, which renders it and documents it."""
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from luffycityapi.core.fields import MoneyField, MoneyStringField


class PaymentLinkSerializer(serializers.Serializer):
    """The cashier link for an unpaid order (outbound.payment_link's answer); `link` is null when the order needed
    no payment (0.00) and is paid already."""

    pay_type = serializers.IntegerField()
    get_pay_type_display = serializers.CharField()
    link = serializers.CharField(allow_null=True, help_text="the full gateway URL to send the browser to")
    order_status = serializers.IntegerField()


class PaymentStatusSerializer(serializers.Serializer):
    """An order's payment status (an Order), for the SPA's poll."""

    order_number = serializers.CharField()
    order_status = serializers.IntegerField()
    get_order_status_display = serializers.CharField()
    pay_time = serializers.DateTimeField(allow_null=True)
    real_price = MoneyField()


class WalletPaymentSerializer(PaymentStatusSerializer):  # renders an outbound.WalletPayment
    """A wallet payment's answer (an Order): its status, how it was paid, and the balance left."""

    pay_type = serializers.IntegerField()
    get_pay_type_display = serializers.CharField(read_only=True)
    money = MoneyStringField(read_only=True, help_text="the wallet's balance after the payment")


class PaidCourseSerializer(serializers.Serializer):
    """A course the payment bought (an OrderDetail)."""

    id = serializers.IntegerField(source="course_id")
    name = serializers.CharField()
    cover = serializers.CharField(source="course.cover")
    real_price = MoneyField()


class PaymentResultSerializer(serializers.Serializer):
    """The return relay's answer (an Order): the seed's {pay_time, real_price, course_list}."""

    order_number = serializers.CharField()
    # Shop time with its offset like every API datetime (core.renderers); a paid order's, so never null.
    pay_time = serializers.DateTimeField()
    real_price = MoneyField()
    course_list = serializers.SerializerMethodField()

    @extend_schema_field(PaidCourseSerializer(many=True))
    def get_course_list(self, order):
        return PaidCourseSerializer(order.order_courses.select_related("course"), many=True).data


class LocalSecondsField(serializers.CharField):
    """A datetime as the timeline shows it: shop time with its offset, to the second ("2026-12-04T16:00:05+08:00")."""

    def to_representation(self, value):
        return timezone.localtime(value).isoformat(timespec="seconds")


class OrderTimelineEventSerializer(serializers.Serializer):  # a selectors.TimelineEvent

    code = serializers.CharField(help_text="what happened: created, link_issued, paid, cancelled, timeout, "
                                           "late_payment, refund_pending, refunded")
    label = serializers.CharField()
    time = LocalSecondsField(help_text="local ISO time, to the second")
    amount = MoneyStringField(allow_null=True)
    detail = serializers.CharField(allow_blank=True)


class OrderTimelineSerializer(serializers.Serializer):
    """The order's payment timeline (payments.selectors.order_timeline), oldest first."""

    order_number = serializers.CharField()
    order_status = serializers.IntegerField()
    get_order_status_display = serializers.CharField()
    events = OrderTimelineEventSerializer(many=True)

