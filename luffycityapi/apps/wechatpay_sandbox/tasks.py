"""Celery side of the sandbox: a beat job every 10 s settles due refunds and delivers every due notify attempt, so a
notify whose process died still goes out."""
from celery import current_app, shared_task

BEAT_SECONDS = 10.0


@shared_task(name="wechatpay_sandbox.run_due_work", ignore_result=True)
def run_due_work() -> dict:
    """Settle due refunds and deliver every due notify attempt."""
    from . import gateway

    return gateway.run_due_work()


current_app.add_periodic_task(BEAT_SECONDS, run_due_work.s(), name="wechatpay-sandbox-run-due-work")
