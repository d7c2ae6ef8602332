from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from luffycityapi.core.fields import MoneyField

from .models import Course, CourseCategory, CourseChapter, CourseLesson, Teacher
from .pricing import active_discount


class DiscountSerializer(serializers.Serializer):
    """The discount open now (courses.pricing.Discount.as_api): the seed's {type, price, expire}, plus its absolute
    end; an empty object when none is open, so no field is required."""

    type = serializers.CharField(required=False, help_text="the activity's name")
    price = serializers.CharField(required=False, help_text="the discounted price")
    expire = serializers.IntegerField(required=False, help_text="seconds until the discount ends")
    expire_at = serializers.DateTimeField(required=False)


class TeacherSerializer(serializers.ModelSerializer):
    class Meta:
        model = Teacher
        fields = ["id", "name", "title", "avatar", "brief"]


def _teacher(teacher) -> dict | None:
    if teacher is None:
        return None
    return {"id": teacher.id, "name": teacher.name, "title": teacher.title, "avatar": teacher.avatar,
            "brief": teacher.brief}


class CourseSerializer(serializers.ModelSerializer):
    price = MoneyField()
    discount = serializers.SerializerMethodField()
    category = serializers.CharField(source="category.name", default="", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    teacher = TeacherSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Course
        fields = ["id", "name", "cover", "brief", "price", "discount", "credit", "category", "level",
                  "level_display", "students", "category_id", "teacher"]

    @extend_schema_field(DiscountSerializer)
    def get_discount(self, obj) -> dict:
        now = self.context.get("now") or timezone.now()
        discount = active_discount(obj, now)
        return discount.as_api(now) if discount else {}

    def to_representation(self, obj):
        """The same dict DRF's field walk produces (same order, same formatting), built directly: on the cart
        pages DRF's per-request field construction and generic walk cost more than the queries."""
        category = obj.category
        return {"id": obj.id, "name": obj.name, "cover": obj.cover, "brief": obj.brief,
                "price": _PRICE.to_representation(obj.price), "discount": self.get_discount(obj),
                "credit": obj.credit, "category": category.name if category is not None else "",
                "level": obj.level, "level_display": obj.get_level_display(), "students": obj.students,
                "category_id": obj.category_id, "teacher": _teacher(obj.teacher)}


_PRICE = MoneyField()


class LessonSerializer(serializers.ModelSerializer):
    class Meta:
        model = CourseLesson
        fields = ["id", "orders", "name", "duration", "free_trail"]


class ChapterSerializer(serializers.ModelSerializer):
    lessons = LessonSerializer(many=True)

    class Meta:
        model = CourseChapter
        fields = ["id", "orders", "name", "summary", "lessons"]


class CourseDetailSerializer(CourseSerializer):
    chapters = ChapterSerializer(many=True)

    class Meta(CourseSerializer.Meta):
        fields = CourseSerializer.Meta.fields + ["description", "chapters"]

    def to_representation(self, obj):
        return {**super().to_representation(obj), "description": obj.description,
                "chapters": ChapterSerializer(obj.chapters.all(), many=True, context=self.context).data}


def course_row(course) -> dict:
    """One course as the list shows it (the cached catalogue's row builder)."""
    return CourseSerializer(course).data


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = CourseCategory
        fields = ["id", "name"]


def category_rows(categories) -> list[dict]:
    """The categories as the course list's filter shows them (the cached catalogue's builder)."""
    return [dict(row) for row in CategorySerializer(categories, many=True).data]
