"""Celery side of the sandbox: a beat job every 10 s closes overdue orders and delivers whatever notify attempt is
due, so a notify whose process died (or a process that never started its delivery thread) still goes out."""
from celery import current_app, shared_task

from . import services

BEAT_SECONDS = 10.0


@shared_task(name="alipay_sandbox.run_due_work", ignore_result=True)
def run_due_work() -> dict:
    """Close overdue sandbox orders and deliver every due notify attempt."""
    return services.run_due_work()


# Registered here rather than in settings so that the sandbox stays self-contained (and absent in production).
current_app.add_periodic_task(BEAT_SECONDS, run_due_work.s(), name="alipay-sandbox-run-due-work")
