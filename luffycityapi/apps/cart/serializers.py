"""The cart's input and output serializers: each response's one definition, which renders it and documents it."""
from rest_framework import serializers

from luffycityapi.apps.courses.serializers import CourseSerializer


class CourseIdSerializer(serializers.Serializer):
    course_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class SelectSerializer(CourseIdSerializer):
    selected = serializers.BooleanField()


class SelectAllSerializer(serializers.Serializer):
    selected = serializers.BooleanField()


class CartLineSerializer(CourseSerializer):
    """A cart line (cart.selectors.CartLine): the course as the catalogue lists it, and whether it is ticked."""

    selected = serializers.BooleanField()

    class Meta(CourseSerializer.Meta):
        fields = CourseSerializer.Meta.fields + ["selected"]

    def to_representation(self, line):
        return {**line.course, "selected": line.selected}  # the row is already rendered (catalogue cache)


class CartSerializer(serializers.Serializer):
    cart = CartLineSerializer(many=True)


class CartAddedSerializer(serializers.Serializer):
    errmsg = serializers.CharField()
    cart_total = serializers.IntegerField(help_text="how many courses the cart holds now")


class CartChangedSerializer(serializers.Serializer):
    errmsg = serializers.CharField()
