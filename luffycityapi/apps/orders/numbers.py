"""Order numbers: time + user id + a Redis INCR, as the seed does, unique across processes and machines that
share Redis. The time to the second keeps numbers unique even if Redis ever lost the counter; the database's
unique index is the final backstop."""
from django.utils import timezone

from django_redis import get_redis_connection


def next_order_number(user_id: int) -> str:
    sequence = get_redis_connection("default").incr("order_number")
    return f"{timezone.localtime():%Y%m%d%H%M%S}{user_id % 10**8:08d}{sequence % 10**6:06d}"
