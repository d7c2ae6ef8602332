from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from luffycityapi.core.money import money_str

from .models import Order


class CheckoutChoiceSerializer(serializers.Serializer):
    pay_type = serializers.IntegerField(default=0, min_value=0, max_value=32767)
    user_coupon_id = serializers.IntegerField(default=-1, min_value=-1, max_value=2**62)
    credit = serializers.IntegerField(default=0, min_value=0, max_value=10**9)


class PayMethodSerializer(serializers.Serializer):
    """A way to pay checkout offers: `balance` ("%.2f") for one that spends a balance held by the shop, else null;
    `available` false when that balance cannot pay the quote (余额不足)."""

    pay_type = serializers.IntegerField()
    name = serializers.CharField()
    balance = serializers.CharField(allow_null=True)
    available = serializers.BooleanField()

    def to_representation(self, method):
        return {"pay_type": method.pay_type, "name": method.name,
                "balance": None if method.balance is None else money_str(method.balance),
                "available": method.available}


class QuoteSerializer(serializers.Serializer):
    """A services.CheckoutQuote: the prices, the chosen pay_type, and the pay methods the server offers."""

    total_price = serializers.CharField()
    discount_price = serializers.CharField()
    real_price = serializers.CharField()
    max_use_credit = serializers.IntegerField()
    credit = serializers.IntegerField()
    pay_type = serializers.IntegerField()
    pay_types = PayMethodSerializer(many=True)

    def to_representation(self, checkout):
        quote = checkout.quote
        return {"total_price": money_str(quote.total_price), "discount_price": money_str(quote.discount_price),
                "real_price": money_str(quote.real_price), "max_use_credit": quote.max_use_credit,
                "credit": quote.credit, "pay_type": checkout.pay_type,
                "pay_types": PayMethodSerializer(checkout.pay_methods, many=True).data}


class TopupSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    pay_type = serializers.IntegerField(default=0, min_value=0, max_value=32767)


class _OrderFieldsSerializer(serializers.ModelSerializer):
    order_timeout = serializers.SerializerMethodField()
    total_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    real_price = serializers.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        model = Order
        fields = ["id", "order_number", "order_timeout", "total_price", "real_price", "order_status"]

    def get_order_timeout(self, order) -> int:
        """Seconds left to pay; 0 once the order is no longer unpaid."""
        if order.order_status != Order.Status.UNPAID:
            return 0
        return max(0, int((order.expire_time - timezone.now()).total_seconds()))


class OrderCreatedSerializer(_OrderFieldsSerializer):
    def to_representation(self, order):
        """The same dict DRF's field walk produces, built directly: order create is hot, and DRF's per-request
        field construction costs more than this whole answer (tests/perf proves them equal)."""
        return {"id": order.id, "order_number": order.order_number, "order_timeout": self.get_order_timeout(order),
                "total_price": money_str(order.total_price), "real_price": money_str(order.real_price),
                "order_status": order.order_status}


class OrderSerializer(_OrderFieldsSerializer):
    get_order_status_display = serializers.CharField()
    get_pay_type_display = serializers.CharField()
    discount_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    courses = serializers.SerializerMethodField()

    class Meta(_OrderFieldsSerializer.Meta):
        fields = _OrderFieldsSerializer.Meta.fields + [
            "name", "get_order_status_display", "pay_type", "get_pay_type_display", "discount_price", "credit",
            "pay_time", "created_time", "expire_time", "trade_no", "kind", "courses"]

    def get_courses(self, order) -> list[dict]:
        return [{"id": line.course_id, "name": line.name, "cover": line.course.cover,
                 "price": money_str(line.price), "real_price": money_str(line.real_price),
                 "discount_name": line.discount_name} for line in order.order_courses.all()]
