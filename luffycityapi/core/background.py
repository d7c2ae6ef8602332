"""Background threads a process runs beside its requests (the sandboxes' notify delivery)."""
import threading


def stop_thread(thread: threading.Thread | None, stopping: threading.Event, wakeup: threading.Event,
                timeout: float = 10.0) -> None:
    """Ask a delivery loop to end (its `stopping` event, checked each round; `wakeup` cuts its sleep short) and
    wait for it up to `timeout` (a POST in flight finishes first). The tests call it after each test, before its
    database goes away: a thread left delivering met the next test's blocked database and died with a traceback."""
    if thread is None or not thread.is_alive():
        return
    stopping.set()
    wakeup.set()
    try:
        thread.join(timeout)
    finally:
        stopping.clear()
