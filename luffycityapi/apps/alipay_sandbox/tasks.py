"""Celery side of notify delivery: a beat job every 10 s delivers whatever is due, so a notify whose process died
(or whose in-process thread was never started, e.g. in a Celery-only deployment) still goes out on schedule."""
from celery import current_app, shared_task

from . import notify

BEAT_SECONDS = 10.0


@shared_task(name="alipay_sandbox.deliver_due_notifications", ignore_result=True)
def deliver_due_notifications() -> int:
    """Deliver every due sandbox notify attempt; returns how many were made."""
    return notify.deliver_due()


# Registered here rather than in settings so the sandbox stays self-contained (and absent in production).
current_app.add_periodic_task(BEAT_SECONDS, deliver_due_notifications.s(), name="alipay-sandbox-deliver-notifications")
