"""One Redis client per process and URL; the URL is read from settings at call time."""
from functools import lru_cache

import redis
from django.conf import settings


@lru_cache(maxsize=8)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=2, health_check_interval=30)


def get_redis() -> redis.Redis:
    """The shop's Redis (cart, order-number sequence, locks)."""
    return _client(settings.REDIS_URL)
