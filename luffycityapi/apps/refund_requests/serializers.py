from rest_framework import serializers

from .models import RefundRequest


class RefundRequestInSerializer(serializers.Serializer):
    order_number = serializers.CharField(max_length=64)
    course_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = serializers.CharField(max_length=255, allow_blank=True)  # blank: the service says refund_reason_required


class RefundRequestSerializer(serializers.ModelSerializer):
    """One refund request as the student sees it."""

    order_number = serializers.CharField(source="order.order_number")
    course_name = serializers.CharField(source="course.name")
    status_display = serializers.CharField(source="get_status_display")
    refund_status = serializers.SerializerMethodField()
    refund_amount = serializers.SerializerMethodField()

    class Meta:
        model = RefundRequest
        fields = ["id", "order_number", "course_id", "course_name", "reason", "status", "status_display", "note",
                  "refund_status", "refund_amount", "created_time", "decided_time"]
        # Not "RefundRequest": core.schema.drop_storage_ranges reads a component ending in "Request" as a request
        # body, and this answer's ranges would then follow the database it was generated on.
        ref_name = "RefundRequestRecord"

    def get_refund_status(self, obj) -> str:
        return obj.refund.get_status_display() if obj.refund_id else ""

    def get_refund_amount(self, obj) -> str | None:
        return f"{obj.refund.amount:.2f}" if obj.refund_id else None
