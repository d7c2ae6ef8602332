"""What the harnesses seed: `make bench`'s shop (bench_shop) and `make soak`'s (soak_shop, gift). Written straight
to the database before the stack starts, except gift(), which goes through the services as an operator would.
Models are imported inside the functions: this module is imported before django.setup()."""
from datetime import timedelta
from decimal import Decimal


def discount_window(name: str, days: int, discounts: list) -> None:
    """A discount activity open since yesterday and for `days` more days, with (course, kind, value) rows."""
    from django.utils import timezone

    from luffycityapi.apps.courses.models import Activity, CourseDiscount

    now = timezone.now()
    activity = Activity.objects.create(name=name, start_time=now - timedelta(days=1),
                                       end_time=now + timedelta(days=days))
    CourseDiscount.objects.bulk_create([CourseDiscount(course=course, activity=activity, kind=kind, value=value)
                                        for course, kind, value in discounts])


class Pools:
    """Who and what each path uses (ids, order numbers, tokens)."""


def bench_shop(n_create: int, n_notify_users: int, password: str, n_bound_create: int = 0,
               n_batched_bound: int = 0) -> Pools:
    """`make bench`'s shop: 60 courses in 4 categories (every 4th discounted), 240 chapters and their lessons,
    users in pools by what they are measured on, their paid and unpaid orders and their carts; one bulk insert a
    table, so 11,000 users take seconds. The create bounds (bench/bounds.py) get fresh students with the same carts
    as order create's, one order each, so they check and write what a create does: with a few students reused, each
    would hold more unpaid orders to check with every request (a bound measured that way went from 1.3 to 2.0 ms
    of MariaDB's CPU per request)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from django_redis import get_redis_connection
    from rest_framework_simplejwt.tokens import AccessToken

    from luffycityapi.apps.cart import store as cart_store
    from luffycityapi.apps.courses.models import Course, CourseCategory, CourseChapter, CourseLesson
    from luffycityapi.apps.orders.models import Order, OrderDetail
    from luffycityapi.apps.users.models import User, UserCourse

    now = timezone.now()
    categories = CourseCategory.objects.bulk_create([CourseCategory(name=f"分类 {i}", orders=i) for i in range(4)])
    courses = Course.objects.bulk_create([
        Course(name=f"压测课程 {i}", category=categories[i % 4], brief="用于压测的课程。" * 5,
               price=Decimal(f"{99 + i * 10}.00"), credit=50 * (i % 3), orders=i, level=i % 3)
        for i in range(60)])
    courses = list(Course.objects.order_by("id"))
    values = (Decimal("49.00"), Decimal("0.80"), Decimal("0.00"))  # by kind: fixed price, percent, free
    discount_window("压测限时活动", 7, [(c, (1, 2, 3)[i % 3], values[i % 3]) for i, c in enumerate(courses) if i % 4 == 0])
    CourseChapter.objects.bulk_create([CourseChapter(course=c, orders=n, name=f"第 {n} 章")
                                       for c in courses for n in range(1, 4)])
    CourseLesson.objects.bulk_create([CourseLesson(chapter=ch, orders=n, name=f"第 {n} 节", duration=600)
                                      for ch in CourseChapter.objects.all() for n in range(1, 5)])

    # one real hash by the first of the settings' PASSWORD_HASHERS, shared by every bench user
    password = make_password(password)

    def users(prefix: int, n: int) -> list[User]:
        User.objects.bulk_create([User(username=str(prefix + i), mobile=str(prefix + i), password=password)
                                  for i in range(n)], batch_size=1000)
        return list(User.objects.filter(mobile__gte=str(prefix), mobile__lt=str(prefix + n)).order_by("mobile"))

    pools = Pools()
    pools.base = users(13600000000, 200)      # floor, cart list, pay link, polling, duplicate notifies
    pools.cart = users(13610000000, 200)      # cart add
    pools.create = users(13620000000, n_create)   # quote (read-only) and order create (one order each)
    pools.notify = users(13630000000, n_notify_users)  # 20 unpaid orders each for distinct notifies
    pools.bound_notify = users(13650000000, n_notify_users)  # as many for the notify's bound (bench/bounds.py)
    pools.journey = users(13640000000, 2000)  # one fresh user per journey
    pools.bound_create = users(13660000000, n_bound_create)  # one order each by the create bound
    pools.batched_bound = users(13670000000, n_batched_bound)  # one order each by the batched create bound
    pools.courses = courses

    def token(user) -> str:
        return str(AccessToken.for_user(user))

    for name in ("base", "cart", "create", "bound_create", "batched_bound"):
        setattr(pools, f"{name}_tokens", [token(u) for u in getattr(pools, name)])

    expire = now + timedelta(hours=2)
    orders, details, grants = [], [], []
    pools.paid, pools.unpaid_link, pools.unpaid_notify, pools.unpaid_bound = [], [], [], []

    def order(user, number, course, status, **extra):
        o = Order(user=user, order_number=number, order_status=status, total_price=course.price,
                  real_price=course.price, expire_time=expire, name=f"购买课程：{course.name}", **extra)
        orders.append(o)
        details.append((number, course))
        return o

    for i, user in enumerate(pools.base):
        order(user, f"BP{i:06d}", courses[0], Order.Status.PAID, pay_time=now, trade_no=f"2026BP{i:010d}")
        grants.append(UserCourse(user=user, course=courses[0], order_number=f"BP{i:06d}"))
        pools.paid.append((pools.base_tokens[i], f"BP{i:06d}", courses[0].price))
        for j in (1, 2):
            order(user, f"BL{i:06d}{j}", courses[j], Order.Status.UNPAID)
            pools.unpaid_link.append((pools.base_tokens[i], f"BL{i:06d}{j}"))
    for prefix, owners, pool in (("BN", pools.notify, pools.unpaid_notify), ("BB", pools.bound_notify,
                                                                             pools.unpaid_bound)):
        for i, user in enumerate(owners):
            for j in range(20):
                number = f"{prefix}{i:06d}{j:02d}"
                order(user, number, courses[10 + j], Order.Status.UNPAID)
                pool.append((number, courses[10 + j].price))
    Order.objects.bulk_create(orders, batch_size=2000)
    ids = dict(Order.objects.filter(order_number__startswith="B").values_list("order_number", "id"))
    OrderDetail.objects.bulk_create([
        OrderDetail(order_id=ids[number], course=course, name=course.name, price=course.price,
                    real_price=course.price) for number, course in details], batch_size=2000)
    UserCourse.objects.bulk_create(grants)

    # carts: base users hold four courses; create users two selected ones (distinct from any order they have)
    redis = get_redis_connection("default")
    pipe = redis.pipeline(transaction=False)
    for user in pools.base:
        pipe.hset(f"cart_{user.id}", mapping={str(c.id): "1" for c in courses[3:7]})
    for pool in (pools.create, pools.bound_create, pools.batched_bound):
        for i, user in enumerate(pool):
            pipe.hset(f"cart_{user.id}", mapping={str(c.id): "1" for c in create_courses(courses, i)})
    pipe.execute()
    assert cart_store.count(pools.base[0].id) == 4
    return pools


def create_courses(courses, i: int) -> tuple:
    """The two courses in the cart of a create pool's i-th student (and in a create bound's i-th request)."""
    return courses[7 + i % 40], courses[8 + i % 40]


def soak_shop() -> tuple[list[int], list[int]]:
    """`make soak`'s shop: twelve courses (one with a discount window; the last two bought with the wallet), two
    coupon kinds; returns their ids."""
    from django.utils import timezone

    from luffycityapi.apps.coupon.models import Coupon
    from luffycityapi.apps.courses.models import Course, CourseDiscount

    now = timezone.now()
    courses = [Course.objects.create(name=f"耐久课程 {i}", price=Decimal(f"{60 + 15 * i}.00"), credit=100, orders=i)
               for i in range(12)]
    discount_window("耐久限时折扣", 1, [(courses[9], CourseDiscount.Kind.PERCENT, Decimal("0.80"))])
    coupons = [Coupon.objects.create(name="满100减20", discount=Coupon.Kind.AMOUNT, amount=Decimal("20.00"),
                                     condition=Decimal("100.00"), start_time=now - timedelta(days=1),
                                     end_time=now + timedelta(days=1), total=1000, remaining=1000),
               Coupon.objects.create(name="满100减15", discount=Coupon.Kind.AMOUNT, amount=Decimal("15.00"),
                                     condition=Decimal("100.00"), start_time=now - timedelta(days=1),
                                     end_time=now + timedelta(days=1), total=1000, remaining=1000)]
    return [c.id for c in courses], [c.id for c in coupons]


def gift(user_id: int, coupon_ids: list[int], credit: int) -> list[int]:
    """What the operator hands a student: credits and coupons (through the services, under their locks)."""
    from django.db import connections

    from luffycityapi.apps.coupon.services import coupon_grant
    from luffycityapi.apps.users.models import Credit
    from luffycityapi.apps.users.services import credit_change

    try:
        if credit:
            credit_change(user_id=user_id, number=credit, operation=Credit.Operation.GIFT, remark="耐久测试赠送")
        return [coupon_grant(coupon_id=c, user_id=user_id).id for c in coupon_ids]
    finally:
        connections.close_all()
