from django.utils import timezone
from rest_framework import serializers

from .models import Course, CourseChapter, CourseLesson
from .pricing import active_discount


class CourseSerializer(serializers.ModelSerializer):
    price = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=True)
    discount = serializers.SerializerMethodField()
    category = serializers.CharField(source="category.name", default="", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Course
        fields = ["id", "name", "cover", "brief", "price", "discount", "credit", "category", "level",
                  "level_display", "students"]

    def get_discount(self, obj) -> dict:
        now = self.context.get("now") or timezone.now()
        discount = active_discount(obj, now)
        return discount.as_api(now) if discount else {}


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
        fields = CourseSerializer.Meta.fields + ["chapters"]
