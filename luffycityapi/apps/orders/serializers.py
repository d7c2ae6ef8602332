from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from luffycityapi.apps.cart.serializers import CartLineSerializer
from luffycityapi.apps.coupon.serializers import UnusableCouponSerializer, UsableCouponSerializer
from luffycityapi.core.fields import MoneyField, MoneyStringField
from luffycityapi.core.money import ZERO, money_str
from luffycityapi.core.schema import ErrorSerializer

from . import selectors
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
    balance = MoneyStringField(allow_null=True)
    available = serializers.BooleanField()


class QuoteSerializer(serializers.Serializer):
    """A services.CheckoutQuote: the prices, the chosen pay_type, and the pay methods the server offers."""

    total_price = MoneyStringField(source="quote.total_price")
    discount_price = MoneyStringField(source="quote.discount_price")
    real_price = MoneyStringField(source="quote.real_price")
    max_use_credit = serializers.IntegerField(source="quote.max_use_credit")
    credit = serializers.IntegerField(source="quote.credit")
    pay_type = serializers.IntegerField()
    pay_types = PayMethodSerializer(source="pay_methods", many=True)

    def to_representation(self, checkout):
        """The same dict DRF's field walk produces, built directly: the quote is asked on every change at checkout,
        and DRF's per-request construction of these fields and the nested list's cost ~0.1 ms of a quote's ~2.5
        (tests/perf proves them equal)."""
        quote = checkout.quote
        return {"total_price": money_str(quote.total_price), "discount_price": money_str(quote.discount_price),
                "real_price": money_str(quote.real_price), "max_use_credit": int(quote.max_use_credit),
                "credit": int(quote.credit), "pay_type": int(checkout.pay_type),
                "pay_types": [{"pay_type": int(method.pay_type), "name": str(method.name),
                               "balance": None if method.balance is None else money_str(method.balance),
                               "available": bool(method.available)} for method in checkout.pay_methods]}


class TopupSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    pay_type = serializers.IntegerField(default=0, min_value=0, max_value=32767)


class CheckoutSummarySerializer(serializers.Serializer):
    """GET /api/orders/checkout/ (orders.checkout.CheckoutSummary): the checkout page in one answer. The cart as
    GET /api/cart/order/ lists it, the coupons and credits as GET /api/coupon/enable/ names them, and the quote
    for the best coupon (`user_coupon_id`) and no credits as POST /api/orders/quote/ answers it (or its refusal in `quote_error`)."""

    cart = CartLineSerializer(many=True)
    coupon_list = UsableCouponSerializer(many=True, help_text="best first")
    unusable = UnusableCouponSerializer(many=True, help_text="the user's other coupons, each with why (greyed)")
    user_coupon_id = serializers.IntegerField(help_text="the coupon the quote is for: the best one, or -1")
    credit_to_money = serializers.IntegerField(help_text="credits per yuan")
    has_credit = serializers.IntegerField(help_text="the user's credits")
    quote = QuoteSerializer(allow_null=True, help_text="null when the cart is empty or the checkout is refused")
    quote_error = ErrorSerializer(allow_null=True, help_text="why the checkout is refused, else null")


class _OrderFieldsSerializer(serializers.ModelSerializer):
    order_timeout = serializers.SerializerMethodField()
    total_price = MoneyField()
    real_price = MoneyField()

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


def _refund_info(order) -> selectors.RefundInfo:
    info = getattr(order, "refund_info", None)
    if info is None:  # a single order (detail, cancel): read its refunds now
        info = selectors.with_refunds([order])[0].refund_info
    return info


class OrderRefundSerializer(serializers.Serializer):
    """One refund of the order as the student sees it: courses taken back (kind "admin"), or a payment that
    arrived after the order had closed, going back the way it came (kind "late_payment" / "quarantine")."""

    kind = serializers.CharField()
    status = serializers.ChoiceField(choices=list(selectors.REFUND_LABELS))
    status_display = serializers.CharField()
    amount = MoneyStringField()
    credit = serializers.IntegerField()
    course_ids = serializers.ListField(child=serializers.IntegerField())
    time = serializers.DateTimeField()


class OrderLineRefundSerializer(serializers.Serializer):
    """A course's share of a refund as the order card shows it."""

    status = serializers.ChoiceField(choices=list(selectors.REFUND_LABELS))
    status_display = serializers.CharField()
    amount = MoneyStringField()
    credit = serializers.IntegerField()
    time = serializers.DateTimeField()


class OrderLineSerializer(serializers.ModelSerializer):
    """One course of an order (an OrderDetail) as it was priced when the order was placed."""

    id = serializers.IntegerField(source="course_id", help_text="the course's id")
    cover = serializers.CharField(source="course.cover")
    price = MoneyField()
    real_price = MoneyField()
    refund = serializers.SerializerMethodField()

    class Meta:
        model = OrderDetail
        fields = ["id", "name", "cover", "price", "real_price", "discount_name", "refund"]

    @extend_schema_field(OrderLineRefundSerializer(allow_null=True))
    def get_refund(self, line) -> dict | None:
        """Null, or this course's share of a refund (status, amount, credits returned)."""
        entry = _refund_info(line.order).lines.get(line.course_id)
        return OrderLineRefundSerializer(entry).data if entry else None


class OrderSerializer(_OrderFieldsSerializer):
    get_order_status_display = serializers.CharField()
    get_pay_type_display = serializers.CharField()
    discount_price = MoneyField()
    courses = OrderLineSerializer(source="order_courses", many=True)
    refund_state = serializers.SerializerMethodField()
    state_display = serializers.SerializerMethodField()
    refunded_price = serializers.SerializerMethodField()
    refunded_credit = serializers.SerializerMethodField()
    refunds = serializers.SerializerMethodField()

    class Meta(_OrderFieldsSerializer.Meta):
        fields = _OrderFieldsSerializer.Meta.fields + [
            "name", "get_order_status_display", "pay_type", "get_pay_type_display", "discount_price", "credit",
            "pay_time", "created_time", "expire_time", "trade_no", "kind", "courses",
            "refund_state", "state_display", "refunded_price", "refunded_credit", "refunds"]

    def get_refund_state(self, order) -> str:
        """none; refunding (a refund waits for the provider); partial (some courses refunded, the order stays
        paid: 部分退款); full (the order is refunded); returned (a payment after close was given back)."""
        if order.order_status == Order.Status.REFUNDED:
            return "full"
        info = _refund_info(order)
        if any(entry.status == "refunded" for entry in info.lines.values()):
            return "partial"
        if any(entry.status == "refunding" for entry in info.refunds):
            return "refunding"
        if info.refunds:
            return "returned"
        return "none"

    def get_state_display(self, order) -> str:
        """The status label the order card shows: 部分退款 for a partly refunded order."""
        state = self.get_refund_state(order)
        if state == "partial":
            return "部分退款"
        if state == "refunding":
            return f"{order.get_order_status_display()} · 退款中"
        if state == "returned":
            return f"{order.get_order_status_display()} · 款项已退回"
        return order.get_order_status_display()

    def get_refunded_price(self, order) -> str:
        """Money refunded so far (refunds that succeeded)."""
        return money_str(sum((entry.amount for entry in _refund_info(order).refunds
                              if entry.status == "refunded"), ZERO))

    def get_refunded_credit(self, order) -> int:
        return sum(entry.credit for entry in _refund_info(order).refunds if entry.status == "refunded")

    @extend_schema_field(OrderRefundSerializer(many=True))
    def get_refunds(self, order) -> list[dict]:
        return OrderRefundSerializer(_refund_info(order).refunds, many=True).data
