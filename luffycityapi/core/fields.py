"""Serializer fields shared by the apps' output serializers."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .money import money_str


class MoneyField(serializers.DecimalField):
    """A Decimal amount rendered as the API's money string ("1579.00", core.money.money_str: half-up to the cent)
    and published as a decimal string (format: decimal, ten digits, two places)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return money_str(value)


@extend_schema_field(OpenApiTypes.STR)
class MoneyStringField(MoneyField):
    """The same money string, published as a plain `string` (no decimal format): the amounts the schema has always
    published that way (wallet, coupons, quotes, refunds) keep their published type."""
