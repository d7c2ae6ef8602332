"""The cart lives in Redis as the seed has it: hash `cart_<user_id>` of {course_id: "1" selected | "0"}.
This module is the only code that knows the key layout. Raw hash commands on django-redis's client (not the cache
API, which would pickle values and prefix keys), so the layout stays the documented one."""
from django_redis import get_redis_connection


def _key(user_id: int) -> str:
    return f"cart_{user_id}"


def items(user_id: int) -> dict[int, bool]:
    """{course_id: selected} for every course in the cart."""
    return {int(k): v == b"1" for k, v in get_redis_connection("default").hgetall(_key(user_id)).items()}


def add(user_id: int, course_id: int) -> int:
    """Put a course in the cart, selected; returns how many courses the cart holds."""
    pipe = get_redis_connection("default").pipeline()
    pipe.hset(_key(user_id), str(course_id), "1")
    pipe.hlen(_key(user_id))
    return pipe.execute()[1]


def contains(user_id: int, course_id: int) -> bool:
    return bool(get_redis_connection("default").hexists(_key(user_id), str(course_id)))


def set_selected(user_id: int, course_id: int, selected: bool) -> None:
    get_redis_connection("default").hset(_key(user_id), str(course_id), "1" if selected else "0")


def set_all_selected(user_id: int, selected: bool) -> None:
    conn = get_redis_connection("default")
    fields = conn.hkeys(_key(user_id))
    if fields:
        conn.hset(_key(user_id), mapping={f: "1" if selected else "0" for f in fields})


def remove(user_id: int, course_ids) -> None:
    course_ids = [str(c) for c in course_ids]
    if course_ids:
        get_redis_connection("default").hdel(_key(user_id), *course_ids)


def count(user_id: int) -> int:
    return get_redis_connection("default").hlen(_key(user_id))


def selected_ids(user_id: int) -> list[int]:
    return sorted(cid for cid, selected in items(user_id).items() if selected)
