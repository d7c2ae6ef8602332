"""Order numbers: time + user id + a Redis INCR, as the seed does, unique across processes and machines that
share Redis. The time to the second keeps numbers unique even if Redis ever lost the counter; the database's
unique index is the final backstop."""
from django.utils import timezone

from django_redis import get_redis_connection


SEQUENCE_KEY = "order_number"


def next_order_number(user_id: int) -> str:
    return order_number(user_id, get_redis_connection("default").incr(SEQUENCE_KEY))


def order_number(user_id: int, sequence: int) -> str:
    """The number for the user's order that took `sequence` from SEQUENCE_KEY."""
    return f"{timezone.localtime():%Y%m%d%H%M%S}{user_id % 10**8:08d}{sequence % 10**6:06d}"
