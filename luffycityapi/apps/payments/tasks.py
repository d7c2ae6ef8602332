"""Thin Celery tasks over the payment service."""
import logging

from celery import shared_task

from . import services

logger = logging.getLogger("luffycityapi.payments")


@shared_task(name="payments.refund_execute", ignore_result=True)
def refund_execute_task(refund_id: int) -> None:
    services.refund_execute(refund_id)


@shared_task(name="payments.retry_pending_refunds", ignore_result=True)
def retry_pending_refunds() -> int:
    """Refunds whose gateway call failed or was not confirmed yet are asked again."""
    ids = services.pending_refund_ids()
    for refund_id in ids:
        try:
            services.refund_execute(refund_id)
        except Exception:  # noqa: BLE001 - one refund's failure must not stop the others; logged, retried
            logger.exception("refund %s failed; retried on the next run", refund_id)
    return len(ids)


@shared_task(name="payments.reconcile_unpaid", ignore_result=True)
def reconcile_unpaid() -> int:
    """Every minute: unpaid orders with a link older than the grace period are asked about (lost notifies)."""
    from .reconcile import reconcile_unpaid as run

    report = run()
    if report.errors:
        logger.warning("reconciliation could not ask about %d order(s): %s", len(report.errors), report.errors[:10])
    return report.repaired


@shared_task(name="payments.reconcile_recent", ignore_result=True)
def reconcile_recent() -> int:
    """Daily: every payment of the last day is checked against Alipay; mismatches become report rows."""
    from .reconcile import reconcile_recent as run

    report = run()
    if report.errors:
        logger.warning("daily reconciliation could not ask about %d order(s)", len(report.errors))
    return report.mismatches
