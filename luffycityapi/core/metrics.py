"""The shop's own Prometheus metrics, next to django-prometheus's HTTP and database ones (all served by /metrics).

Each is counted by a one-line call where the event happens (payments.services, orders.services). With several
processes (gunicorn workers, Celery workers) set PROMETHEUS_MULTIPROC_DIR to an empty directory shared by every
process of a node, before they start: prometheus_client then keeps each process's values in files there and
/metrics adds them up (README "Operations")."""
from django.conf import settings
from prometheus_client import Counter, Gauge, Histogram

NOTIFIES = Counter("luffy_alipay_notifies", "Alipay notifies received, by verdict (ok, bad_signature, ...)",
                   ["verdict"])
TRADE_OUTCOMES = Counter("luffy_trade_outcomes", "Paid trades applied: fulfilled, duplicate, late_payment, "
                         "amount_mismatch", ["outcome"])
FULFILMENTS = Counter("luffy_fulfilments", "Orders newly paid (the courses granted)")
REFUNDS = Counter("luffy_refunds_settled", "Refunds settled, by outcome (succeeded, failed)", ["outcome"])
GATEWAY_SECONDS = Histogram("luffy_gateway_call_seconds", "Outbound payment gateway calls, by kind", ["kind"],
                            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10))
GATEWAY_ERRORS = Counter("luffy_gateway_call_errors", "Outbound gateway calls that failed, by kind and code",
                         ["kind", "code"])
EXPIRY_LAG = Histogram("luffy_expiry_lag_seconds", "How long after its deadline an unpaid order was timed out",
                       buckets=(0.5, 1, 5, 15, 60, 120, 300, 900))
QUEUE_DEPTH = Gauge("luffy_celery_queue_depth", "Messages waiting in the Celery queue (read at scrape time)",
                    ["queue"], multiprocess_mode="mostrecent")


def read_queue_depth() -> None:
    """Set QUEUE_DEPTH from the broker: kombu's Redis transport keeps a queue as a list named after it."""
    from django_redis import get_redis_connection

    conn = get_redis_connection("default")  # the broker is REDIS_URL's database too
    queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    QUEUE_DEPTH.labels(queue).set(conn.llen(queue))
