from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from luffycityapi.apps.cart.serializers import CartLineSerializer
from luffycityapi.apps.coupon.serializers import UsableCouponSerializer
from luffycityapi.core.money import money_str
from luffycityapi.core.schema import ErrorSerializer

from .models import Order, OrderDetail


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


class CheckoutSummarySerializer(serializers.Serializer):
    """GET /api/orders/checkout/ (orders.checkout.CheckoutSummary): the checkout page in one answer. The cart as
    GET /api/cart/order/ lists it, the coupons and credits as GET /api/coupon/enable/ names them, and the quote
    for no coupon and no credits as POST /api/orders/quote/ answers it (or its refusal in `quote_error`)."""

    cart = CartLineSerializer(many=True)
    coupon_list = UsableCouponSerializer(many=True, help_text="best first")
    credit_to_money = serializers.IntegerField(help_text="credits per yuan")
    has_credit = serializers.IntegerField(help_text="the user's credits")
    quote = QuoteSerializer(allow_null=True, help_text="null when the cart is empty or the checkout is refused")
    quote_error = ErrorSerializer(allow_null=True, help_text="why the checkout is refused, else null")


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


class OrderLineSerializer(serializers.ModelSerializer):
    """One course of an order (an OrderDetail) as it was priced when the order was placed."""

    id = serializers.IntegerField(source="course_id", help_text="the course's id")
    cover = serializers.CharField(source="course.cover")
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    real_price = serializers.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        model = OrderDetail
        fields = ["id", "name", "cover", "price", "real_price", "discount_name"]


class OrderSerializer(_OrderFieldsSerializer):
    get_order_status_display = serializers.CharField()
    get_pay_type_display = serializers.CharField()
    discount_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    courses = OrderLineSerializer(source="order_courses", many=True)

    class Meta(_OrderFieldsSerializer.Meta):
        fields = _OrderFieldsSerializer.Meta.fields + [
            "name", "get_order_status_display", "pay_type", "get_pay_type_display", "discount_price", "credit",
            "pay_time", "created_time", "expire_time", "trade_no", "kind", "courses"]
