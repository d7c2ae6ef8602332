"""Thin Celery tasks over the payment services. Services never import this module: they queue by task name
(core.queue.enqueue); apps.PaymentsConfig.ready() imports it so the names are known in every process."""
import logging

from celery import shared_task

from . import reconcile, refunds

logger = logging.getLogger("luffycityapi.payments")


@shared_task(name="payments.refund_execute", ignore_result=True)
def refund_execute_task(refund_id: int) -> None:
    refunds.refund_execute(refund_id)


@shared_task(name="payments.retry_pending_refunds", ignore_result=True)
def retry_pending_refunds() -> int:
    """Refunds whose gateway call failed or was not confirmed yet are asked again."""
    ids = refunds.pending_refund_ids()
    for refund_id in ids:
        try:
            refunds.refund_execute(refund_id)
        except Exception:  # noqa: BLE001 - one refund's failure must not stop the others; logged, retried
            logger.exception("refund %s failed; retried on the next run", refund_id)
    return len(ids)


@shared_task(name="payments.reconcile_unpaid", ignore_result=True)
def reconcile_unpaid() -> int:
    """Every minute: unpaid orders with a link older than the grace period are asked about (lost notifies)."""
    report = reconcile.reconcile_unpaid()
    if report.errors:
        logger.warning("reconciliation could not ask about %d order(s): %s", len(report.errors), report.errors[:10])
    return report.repaired


@shared_task(name="payments.reconcile_recent", ignore_result=True)
def reconcile_recent() -> int:
    """Daily: every payment of the last day is checked against its provider; mismatches become report rows."""
    report = reconcile.reconcile_recent()
    if report.errors:
        logger.warning("daily reconciliation could not ask about %d order(s)", len(report.errors))
    return report.mismatches
