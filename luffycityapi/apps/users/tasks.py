"""Thin Celery tasks of users: they call services."""
from celery import shared_task

from . import services


@shared_task(name="users.flush_expired_tokens", ignore_result=True)
def flush_expired_tokens() -> int:
    """Keep the token blacklist the size of the live sessions (beat, daily)."""
    return services.tokens_flush_expired()
