"""Thin Celery tasks of users: they call services."""
from celery import shared_task
from django.conf import settings

from . import services


@shared_task(name="users.flush_expired_tokens", ignore_result=True)
def flush_expired_tokens() -> int:
    """Keep the token blacklist the size of the live sessions (beat, daily)."""
    return services.tokens_flush_expired()


@shared_task(name="users.prune_login_records", ignore_result=True)
def prune_login_records() -> int:
    """Keep django-axes' records to LOGIN_RECORDS_KEEP_DAYS (beat, daily)."""
    return services.login_records_prune(keep_days=settings.LOGIN_RECORDS_KEEP_DAYS)
