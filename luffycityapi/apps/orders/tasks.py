"""Thin Celery tasks: they take ids and call services, which re-check state under the lock."""
import logging

from celery import shared_task

from . import selectors, services

logger = logging.getLogger("luffycityapi.orders")


@shared_task(name="orders.expire", ignore_result=True)
def order_expire_task(order_id: int) -> None:
    services.order_expire(order_id)


@shared_task(name="orders.sweep_expired", ignore_result=True)
def sweep_expired_orders() -> int:
    """The safety net behind every countdown task: expire whatever is overdue."""
    overdue = selectors.overdue_unpaid_order_ids()
    for order_id in overdue:
        try:
            services.order_expire(order_id)
        except Exception:  # noqa: BLE001 - one order's failure (e.g. the gateway down) must not stop the rest
            logger.exception("expiring order id %s failed; the next sweep retries it", order_id)
    return len(overdue)
