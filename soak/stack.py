"""The soak's stack, on harness/stack.py: gunicorn (settings.prod, gthread workers) with ALIPAY_SANDBOX on, so
the Alipay gateway is the local sandbox inside the same gunicorn, and one Celery worker with beat (order expiry
countdowns, the sweeper, refund retries, the sandbox's due work); VAR_DIR var/soak holds its own keys, static
files, beat schedule and logs."""
from harness.stack import ROOT, Stack, celery_worker_with_beat, configure_environment, gunicorn

VAR = ROOT / "var" / "soak"


def soak_settings(timeout: int) -> dict:
    """The sandbox on, a 2 s gateway timeout and orders that expire in `timeout` s (the cluster soak's too)."""
    return {"ALIPAY_SANDBOX": "true", "ALIPAY_TIMEOUT_SECONDS": "2", "ORDER_TIMEOUT_SECONDS": str(timeout),
            "SANDBOX_NOTIFY_TIME_SCALE": "0.01", "JWT_ACCESS_MINUTES": "60"}


def soak_environment(port: int, database_url: str, redis_url: str, timeout: int) -> dict:
    """The production settings with soak_settings(timeout)."""
    return configure_environment("soak", port, database_url, redis_url, VAR_DIR=str(VAR), **soak_settings(timeout))


def start(stack: Stack, port: int, workers: int, threads: int) -> None:
    """gunicorn and the Celery worker, ready when /api/health/ answers and every web worker is up."""
    stack.start("gunicorn", gunicorn(port, workers, "--worker-class", "gthread", "--threads", str(threads),
                                     "--timeout", "60", "--graceful-timeout", "10"))
    stack.start("celery", celery_worker_with_beat("soak", VAR / "celerybeat-schedule"))
    stack.wait_ready(port, ready=lambda: len(web_workers(stack)) == workers)


def web_workers(stack: Stack) -> list[int]:
    """The live gunicorn worker processes."""
    return stack.children("gunicorn")
