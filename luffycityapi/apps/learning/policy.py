"""The refund policy tied to progress: a course line is refundable within REFUND_WINDOW_DAYS of payment and while
less than REFUND_MAX_PROGRESS percent of it is watched. Payments (the admin's refund form and the refund service)
and the students' refund requests read it from here; refunding outside it needs an operator's recorded override."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from luffycityapi.apps.orders.models import Order

from .selectors import CourseProgress, courses_progress

OK = ""
NOT_PAID = "refund_order_not_paid"
WINDOW_PASSED = "refund_window_passed"
TOO_MUCH_WATCHED = "refund_progress_exceeded"
MESSAGES = {NOT_PAID: "订单未支付或已退款", WINDOW_PASSED: "已超过退款期限",
            TOO_MUCH_WATCHED: "学习进度已超过可退款上限"}


@dataclass(frozen=True)
class LinePolicy:
    course_id: int
    paid_at: datetime | None
    deadline: datetime | None
    progress: CourseProgress
    max_progress: int
    code: str  # "" when refundable, else why not

    @property
    def refundable(self) -> bool:
        return self.code == OK

    @property
    def message(self) -> str:
        return MESSAGES.get(self.code, "可退款")


def line_policies(order: Order, *, at: datetime | None = None) -> dict[int, LinePolicy]:
    """Each line of the order against the policy at `at` (default now): the window counts from the payment
    (pay_time, or the order's creation if that was never stamped), progress is the buyer's on that course."""
    at = at or timezone.now()
    window, max_progress = settings.REFUND_WINDOW_DAYS, settings.REFUND_MAX_PROGRESS
    course_ids = list(order.order_courses.values_list("course_id", flat=True))
    progress = courses_progress(order.user_id, course_ids)
    paid_at = (order.pay_time or order.created_time) if order.order_status in (Order.Status.PAID, Order.Status.REFUNDED) else None
    deadline = paid_at + timedelta(days=window) if paid_at else None
    result = {}
    for course_id in course_ids:
        if order.order_status != Order.Status.PAID or deadline is None:
            code = NOT_PAID
        elif at > deadline:
            code = WINDOW_PASSED
        elif progress[course_id].at_least(max_progress):
            code = TOO_MUCH_WATCHED
        else:
            code = OK
        result[course_id] = LinePolicy(course_id, paid_at, deadline, progress[course_id], max_progress, code)
    return result
