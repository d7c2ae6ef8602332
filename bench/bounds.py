"""Bounds for the bench: an order create and a first notify doing the same work as the real paths - the same
SQL statements in the same transactions, the same Redis round trips and, for the notify, the real RSA2 check - sent
raw, with nothing around them: no ORM model, serializer, service layer, event helper, metric or Celery publish (one
Redis write stands in for the expiry task). What they cannot be is correct in every case: they check nothing a
real path refuses on, so they are measured only, never called by anything but the bench.

They answer one question: is a path that misses its target held back by the work it has to do on this machine
(the database's statements and durable commits, the signature) or by the code around that work? A bound served at
the rate the path is judged at says the second. A third, run only when asked for by name (`--only
create_batched_bound`), sends the create bound's statements in two round trips instead of seven: how much of that
work is round trips. Mounted with the floor, only when settings.BENCH_ENDPOINTS is on.
MariaDB only (FOR UPDATE, INSERT IGNORE); tests/perf/test_bench_bounds.py checks on MariaDB that each does its
path's work."""
import json
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django_redis import get_redis_connection
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from luffycityapi.apps.orders.numbers import SEQUENCE_KEY, next_order_number, order_number
from luffycityapi.apps.payments.providers import alipay

# The Redis list a create bound pushes its order's id to, where the real create publishes its expiry task.
EXPIRY_KEY = "bench_bound_expiry"

# The statements POST /api/orders/ sends on MariaDB (authentication's read of the user is the floor's too).
PRICES = ("SELECT c.`id`, c.`name`, c.`price`, c.`credit`, c.`category_id`, d.`kind`, d.`value`, a.`name`, "
          "a.`start_time`, a.`end_time` "
          "FROM `ly_course` c LEFT OUTER JOIN `ly_course_discount` d ON c.`id` = d.`course_id` "
          "LEFT OUTER JOIN `ly_activity` a ON d.`activity_id` = a.`id` "
          "WHERE c.`is_deleted` = 0 AND c.`is_show` = 1 AND c.`id` IN (%s, %s) ORDER BY c.`orders`, 1, d.`id`")
LOCK_USER = "SELECT `id`, `credit` FROM `ly_users` WHERE `id` = %s FOR UPDATE"
BLOCKERS = ("SELECT 0, `course_id`, NULL, NULL, NULL FROM `ly_user_course` WHERE `user_id` = %s AND `course_id` IN "
            "(%s, %s) UNION ALL SELECT 1, o.`id`, o.`order_number`, o.`expire_time` <= %s, o.`created_time` "
            "FROM `ly_order` o JOIN `ly_order_detail` d ON d.`order_id` = o.`id` WHERE o.`user_id` = %s "
            "AND o.`order_status` = 0 AND d.`course_id` IN (%s, %s)")
INSERT_ORDER = ("INSERT INTO `ly_order` (`kind`, `name`, `user_id`, `order_number`, `order_status`, `pay_type`, "
                "`total_price`, `discount_price`, `real_price`, `credit`, `expire_time`, `pay_time`, `trade_no`, "
                "`order_desc`, `created_time`, `updated_time`) "
                "VALUES (0, %s, %s, %s, 0, 0, %s, 0, %s, 0, %s, NULL, '', '', %s, %s)")
INSERT_LINES = ("INSERT INTO `ly_order_detail` (`order_id`, `course_id`, `name`, `price`, `real_price`, "
                "`discount_name`) VALUES (%s, %s, %s, %s, %s, ''), (%s, %s, %s, %s, %s, '')")

# The statements a first notify of an unpaid order sends on MariaDB.
FIND_ORDER = "SELECT * FROM `ly_order` WHERE `order_number` = %s LIMIT 1"  # the whole row, as the notify reads it
INSERT_EVENT = ("INSERT INTO `ly_payment_event` (`kind`, `direction`, `provider`, `order_number`, "
                "`provider_trade_no`, `params`, `verified`, `verdict`, `outcome`, `response`, `created_time`) "
                "VALUES ('notify', 'in', 'alipay', %s, %s, %s, 1, 'ok', 'pending', NULL, %s)")
LOCK_ORDER_AND_USER = ("SELECT o.*, u.* FROM `ly_order` o INNER JOIN `ly_users` u ON u.`id` = o.`user_id` "
                       "WHERE o.`id` = %s FOR UPDATE")
MARK_PAID = ("UPDATE `ly_order` SET `order_status` = 1, `pay_time` = %s, `trade_no` = %s, `updated_time` = %s "
             "WHERE `id` = %s")
CONSUME_COUPON = ("UPDATE `ly_coupon_log` SET `use_status` = 1, `use_time` = %s "
                  "WHERE `order_id` = %s AND `use_status` = 0")
GRANT = ("INSERT IGNORE INTO `ly_user_course` (`user_id`, `course_id`, `order_number`, `created_time`) "
         "SELECT %s, `course_id`, %s, %s FROM `ly_order_detail` WHERE `order_id` = %s ORDER BY 2")
FINISH_EVENT = "UPDATE `ly_payment_event` SET `outcome` = 'fulfilled' WHERE `id` = %s"


class CreateBoundView(APIView):
    """An order for the two courses in ?courses=a,b, for the authenticated student, as POST /api/orders/ writes it."""

    def post(self, request):
        user_id = request.user.id
        first, second = (int(c) for c in request.query_params["courses"].split(","))
        redis = get_redis_connection("default")
        redis.hgetall(f"cart_{user_id}")
        with connection.cursor() as cursor:
            cursor.execute(PRICES, [first, second])
            lines = [(row[0], row[1], row[2]) for row in cursor.fetchall()]
        now = timezone.now()
        number = next_order_number(user_id)
        total = sum(price for _, _, price in lines)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(LOCK_USER, [user_id])
            cursor.fetchall()
            cursor.execute(BLOCKERS, [user_id, first, second, now, user_id, first, second])
            cursor.fetchall()
            cursor.execute(INSERT_ORDER, ["购买课程：" + "、".join(name for _, name, _ in lines), user_id, number, total,
                                          total, now + timedelta(seconds=settings.ORDER_TIMEOUT_SECONDS), now, now])
            order_id = cursor.lastrowid
            cursor.execute(INSERT_LINES, [value for course_id, name, price in lines
                                          for value in (order_id, course_id, name, price, price)])
        after = redis.pipeline(transaction=False)
        after.hdel(f"cart_{user_id}", first, second)
        after.lpush(EXPIRY_KEY, order_id)  # where the real create publishes its expiry task
        after.execute()
        return Response({"id": order_id, "order_number": number, "total_price": f"{total:.2f}"},
                        status=status.HTTP_201_CREATED)


@method_decorator(csrf_exempt, name="dispatch")
class NotifyBoundView(View):
    """A verified first notify of an unpaid order: recorded and committed, then the order paid, its coupon consumed,
    its courses granted and the record's outcome written in one transaction, as the real notify does."""

    def post(self, request):
        params = request.POST.dict()
        if not alipay.verify(params):
            return HttpResponse("fail")
        number, trade_no = params["out_trade_no"], params["trade_no"]
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(FIND_ORDER, [number])
            order = dict(zip((column[0] for column in cursor.description), cursor.fetchone()))
            order_id, user_id = order["id"], order["user_id"]
            cursor.execute(INSERT_EVENT, [number, trade_no, json.dumps(params, ensure_ascii=False), now])
            event_id = cursor.lastrowid
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(LOCK_ORDER_AND_USER, [order_id])
            cursor.fetchall()
            cursor.execute(MARK_PAID, [now, trade_no, now, order_id])
            cursor.execute(CONSUME_COUPON, [now, order_id])
            cursor.execute(GRANT, [user_id, number, now, order_id])
            cursor.execute(FINISH_EVENT, [event_id])
        get_redis_connection("default").hlen(f"cart_{user_id}")  # the real one's look at the cart after the commit
        return HttpResponse("success")


class CreateBatchedBoundView(APIView):
    """The create bound's work with its round trips folded: its statements in two MariaDB multi-statement batches
    (MySQLdb enables them; BEGIN, the lock, the checks and the prices in one, the inserts and COMMIT in the other)
    and its Redis commands in two pipelines. Measured beside the create bound, it says how much of a create's cost
    is waiting for answers rather than the work itself."""

    def post(self, request):
        if connection.in_atomic_block:  # its own BEGIN would commit the enclosing transaction
            raise RuntimeError("the batched create bound sends its own BEGIN and COMMIT: not inside a transaction")
        user_id = request.user.id
        first, second = (int(c) for c in request.query_params["courses"].split(","))
        redis = get_redis_connection("default")
        before = redis.pipeline(transaction=False)
        before.hgetall(f"cart_{user_id}")
        before.incr(SEQUENCE_KEY)
        number = order_number(user_id, before.execute()[1])
        now = timezone.now()
        with connection.cursor() as wrapped:
            cursor = wrapped.cursor  # MySQLdb's own: each statement's result is taken in turn with nextset()
            try:
                cursor.execute(f"BEGIN; {LOCK_USER}; {BLOCKERS}; {PRICES}",
                               [user_id, user_id, first, second, now, user_id, first, second, first, second])
                for _ in range(3):  # BEGIN, the lock, the checks
                    cursor.fetchall()
                    cursor.nextset()
                lines = [(row[0], row[1], row[2]) for row in cursor.fetchall()]
                total = sum(price for _, _, price in lines)
                cursor.execute(f"{INSERT_ORDER}; SET @order_id = LAST_INSERT_ID(); "
                               f"{INSERT_LINES.replace('(%s, %s, %s', '(@order_id, %s, %s')}; COMMIT",
                               ["购买课程：" + "、".join(name for _, name, _ in lines), user_id, number, total, total,
                                now + timedelta(seconds=settings.ORDER_TIMEOUT_SECONDS), now, now]
                               + [value for course_id, name, price in lines for value in (course_id, name, price, price)])
                order_id = cursor.lastrowid  # the first statement's: the order's
                while cursor.nextset():
                    pass
            except Exception:
                connection.close()  # the server rolls back the open transaction of a session that ends
                raise
        after = redis.pipeline(transaction=False)
        after.hdel(f"cart_{user_id}", first, second)
        after.lpush(EXPIRY_KEY, order_id)
        after.execute()
        return Response({"id": order_id, "order_number": number, "total_price": f"{total:.2f}"},
                        status=status.HTTP_201_CREATED)
