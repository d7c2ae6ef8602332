"""`make bench`'s growth table (issue #19): how the time of one request grows with the work it is given.

- quote and order create with 1, 10 and 50 courses in the order: at most linear in the order's lines;
- the course list with 10, 1,000 and 10,000 courses in the shop: flat;
- a notify, a poll and the student's order list with 10 thousand and `orders` (default 1 million) orders in the
  database: flat.

Its own shop, after the main run: the bench database is made afresh, and gunicorn (2 sync workers, as in the main
run) serves it while the tables grow; courses and orders are added by bulk insert (orders and their lines by
INSERT … SELECT over MariaDB's sequence engine: a million of each in tens of seconds). Each cell is the median of
SAMPLES requests sent one at a time, each right after a floor request, and is read as the ratio of the two medians
(this host's speed drifts by 2× within a run, the tables grow over minutes): "flat within 1.5×" compares those
ratios, and so does the line rule."""
import json
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from harness import stack
from harness.alipay import notify_body, notify_params

RESULTS = Path(__file__).resolve().parent.parent / "bench-results"
SAMPLES = 40
WARM = 3
FLAT_LIMIT = 1.5
# "at most linear in the lines": the cost of each line added from 10 to 50 may be FLAT_LIMIT times that of each
# line added from 1 to 10; when lines are nearly free, each may still cost LINE_ALLOWANCE of a one-line request.
LINE_ALLOWANCE = 0.01
LINES = (1, 10, 50)
COURSES = (10, 1_000, 10_000)
FILLER_USERS = 1000
PASSWORD = "growth-pass-2026"
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


# --- judging (pure) ---------------------------------------------------------------------------------------------

def judge_flat(name: str, points: list[tuple[int, float]]) -> list[str]:
    """points: (size, cost) with cost in floor requests; a miss when the largest size costs more than FLAT_LIMIT
    times the smallest."""
    ordered = sorted(points)
    small, large = ordered[0], ordered[-1]
    if small[1] > 0 and large[1] / small[1] > FLAT_LIMIT:
        return [f"{name}: {large[1] / small[1]:.2f}× the time at {large[0]:,} as at {small[0]:,} "
                f"(limit {FLAT_LIMIT}×)"]
    return []


def judge_linear(name: str, points: list[tuple[int, float]]) -> list[str]:
    """points: (lines, cost) at three sizes; a miss when the lines added last cost more each than FLAT_LIMIT times
    the lines added first (or LINE_ALLOWANCE of the smallest request, when those were nearly free): superlinear."""
    (n1, t1), (n2, t2), (n3, t3) = sorted(points)
    first = (t2 - t1) / (n2 - n1)
    last = (t3 - t2) / (n3 - n2)
    allowed = FLAT_LIMIT * max(first, LINE_ALLOWANCE * t1)
    if last > allowed:
        return [f"{name}: each line from {n2} to {n3} costs {last:.3f}, more than {allowed:.3f} "
                f"({FLAT_LIMIT}× each line from {n1} to {n2}): superlinear"]
    return []


def evaluate(rows: list[dict]) -> list[str]:
    """The growth table's misses: each row judged by its rule on its floor-relative costs."""
    missed = []
    for row in rows:
        points = [(p["size"], p["cost"]) for p in row["points"]]
        row["verdicts"] = (judge_flat if row["rule"] == "flat" else judge_linear)(f"growth {row['name']}", points)
        missed += row["verdicts"]
    return missed


def table(rows: list[dict]) -> str:
    lines = ["| request | grows with | size: median ms (× floor) | rule | ok |", "|---|---|---|---|:-:|"]
    for row in rows:
        cells = "; ".join(f"{p['size']:,}: {p['p50_ms']:.1f} ms ({p['cost']:.2f})" for p in row["points"])
        rule = "≤ 1.5× largest/smallest" if row["rule"] == "flat" else "at most linear in lines"
        lines.append(f"| {row['name']} | {row['axis']} | {cells} | {rule} | {'✗' if row.get('verdicts') else '✓'} |")
    return "\n".join(lines)


# --- measuring --------------------------------------------------------------------------------------------------

def _median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


class Meter:
    """Times requests one at a time against the running stack, each one right after a floor request: this host's
    speed drifts within seconds, and a path and its floor timed in turns share the drift."""

    def __init__(self, port: int, floor_token: str, course_id: int):
        self.port, self.floor_token, self.course_id = port, floor_token, course_id

    def _time(self, method, path, body, headers, expect: int) -> float:
        t = time.perf_counter()
        status, content = stack.http_call(self.port, method, path, body, headers, timeout=30)
        elapsed = (time.perf_counter() - t) * 1000
        if status != expect:
            raise SystemExit(f"bench growth: {method} {path} answered {status}: {content[:300]!r}")
        return elapsed

    def cell(self, size: int, requests, expect: int) -> dict:
        """Median time of `requests` (the first WARM unmeasured), and that in floor requests timed beside them."""
        floor = ("GET", f"/api/bench/floor/?course_id={self.course_id}", None,
                 {"Authorization": f"Bearer {self.floor_token}"})
        ms, floor_ms = [], []
        for i, (method, path, body, headers) in enumerate(requests):
            f = self._time(*floor, 200)
            t = self._time(method, path, body, headers, expect)
            if i >= WARM:
                ms.append(t)
                floor_ms.append(f)
        p50, floor_p50 = _median(ms), _median(floor_ms)
        return {"size": size, "p50_ms": round(p50, 2), "p90_ms": round(sorted(ms)[int(len(ms) * 0.9)], 2),
                "floor_ms": round(floor_p50, 2), "cost": round(p50 / floor_p50, 3)}


# --- seeding ----------------------------------------------------------------------------------------------------

def _users(prefix: int, n: int, password: str):
    from luffycityapi.apps.users.models import User

    User.objects.bulk_create([User(username=str(prefix + i), mobile=str(prefix + i), password=password)
                              for i in range(n)], batch_size=2000)
    return list(User.objects.filter(mobile__gte=str(prefix), mobile__lt=str(prefix + n)).order_by("id"))


def _courses(category, start: int, n: int):
    from luffycityapi.apps.courses.models import Course
    from luffycityapi.apps.courses.selectors import catalogue_changed

    Course.objects.bulk_create([Course(name=f"增长课程 {i}", category=category, brief="用于增长测试的课程。",
                                       price=Decimal(f"{99 + i % 50}.00"), orders=i, level=i % 3)
                                for i in range(start, start + n)], batch_size=2000)
    catalogue_changed()  # bulk_create sends no signal: start a new catalogue generation as an edit would


def fill_orders(target: int, filler_ids: tuple[int, int], course_id: int) -> float:
    """Bulk-insert filler orders (one line each, spread over the filler users, older than any measured order)
    until ly_order holds `target` rows; seconds taken. INSERT … SELECT over MariaDB's seq_1_to_N table."""
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM ly_order")
        have, last_id = cur.fetchone()
        if target <= have:
            return 0.0
        first_user, n_users = filler_ids
        cur.execute("SELECT COALESCE(MAX(CAST(SUBSTRING(order_number, 2) AS UNSIGNED)), 0) FROM ly_order "
                    "WHERE order_number LIKE 'F%'")
        start = cur.fetchone()[0] + 1
        end = start + target - have - 1
        cur.execute(
            "INSERT INTO ly_order (name, user_id, order_number, order_status, pay_type, total_price, discount_price,"
            " real_price, credit, expire_time, pay_time, trade_no, order_desc, created_time, updated_time) "
            f"SELECT '购买课程：填充', {first_user} + seq % {n_users}, CONCAT('F', LPAD(seq, 10, '0')), seq % 3, 0, "
            "99.00, 0.00, 99.00, 0, NOW() - INTERVAL 1 DAY, NULL, '', '', "
            "NOW() - INTERVAL 2 DAY - INTERVAL seq SECOND, NOW() - INTERVAL 2 DAY "
            f"FROM seq_{start}_to_{end}")
        cur.execute("INSERT INTO ly_order_detail (order_id, course_id, name, price, real_price, discount_name) "
                    f"SELECT id, {course_id}, '填充', 99.00, 99.00, '' FROM ly_order WHERE id > {last_id}")
    return time.monotonic() - started


def run(env: dict, database_url: str, *, orders: int = 1_000_000) -> list[dict]:
    """The growth table's rows (see the module's docstring); the stack is started and stopped here."""
    print(f"bench growth: fresh database; orders up to {orders:,}", flush=True)
    stack.prepare(database_url, suffix="_bench")  # sets Django up (again): the imports below need it
    from django.contrib.auth.hashers import make_password
    from django.db import connections
    from django.utils import timezone
    from django_redis import get_redis_connection
    from rest_framework_simplejwt.tokens import AccessToken

    from luffycityapi.apps.courses.models import Course, CourseCategory
    from luffycityapi.apps.orders.models import Order, OrderDetail

    password = make_password(PASSWORD)
    category = CourseCategory.objects.create(name="增长", orders=0)
    _courses(category, 0, COURSES[0])
    courses = list(Course.objects.order_by("id"))
    floor_user, = _users(13700000000, 1, password)
    redis = get_redis_connection("default")
    connections.close_all()

    port = stack.free_port()
    env = {**env, "SITE_URL": f"http://127.0.0.1:{port}"}
    server = stack.Stack(env, RESULTS)
    rows = []
    try:
        server.start("gunicorn-growth", stack.gunicorn(port, 2, "--worker-class", "sync", "--timeout", "60",
                                                       "--log-level", "warning"))
        server.wait_ready(port, timeout=60)
        meter = Meter(port, str(AccessToken.for_user(floor_user)), courses[0].id)
        n = SAMPLES + WARM

        # the course list at 10, 1,000 and 10,000 courses
        listing = {"name": "GET /api/courses/ (page 1)", "axis": "courses in the shop", "rule": "flat", "points": []}
        for size in COURSES:
            have = Course.objects.count()
            if size > have:
                _courses(category, have, size - have)
            listing["points"].append(meter.cell(size, [("GET", "/api/courses/?page=1", None, {})] * n, 200))
        rows.append(listing)
        connections.close_all()

        # quote and create with 1, 10 and 50 courses: a user per request, its cart holding that many courses
        ids = list(Course.objects.order_by("id").values_list("id", flat=True)[:max(LINES)])
        quote = {"name": "POST /api/orders/quote/", "axis": "courses in the order", "rule": "linear", "points": []}
        create = {"name": "POST /api/orders/", "axis": "courses in the order", "rule": "linear", "points": []}
        checkout = json.dumps({"pay_type": 0, "user_coupon_id": -1, "credit": 0})
        for k, lines in enumerate(LINES):
            users = _users(13710000000 + k * 100000, n, password)
            pipe = redis.pipeline(transaction=False)
            for user in users:
                pipe.hset(f"cart_{user.id}", mapping={str(c): "1" for c in ids[:lines]})
            pipe.execute()
            calls = [("POST", "/api/orders/quote/", checkout,
                      {"Authorization": f"Bearer {AccessToken.for_user(u)}", "Content-Type": JSON_TYPE})
                     for u in users]
            quote["points"].append(meter.cell(lines, calls, 200))
            create["points"].append(meter.cell(lines, [("POST", "/api/orders/", *c[2:]) for c in calls], 201))
        rows += [quote, create]
        connections.close_all()

        # notify, poll and the order list at 10 thousand and `orders` orders
        students = _users(13720000000, n, password)
        filler = _users(13730000000, FILLER_USERS, password)
        if filler[-1].id - filler[0].id != FILLER_USERS - 1:
            raise SystemExit("bench growth: the filler users' ids are not contiguous")
        now, course = timezone.now(), courses[0]
        expire = now + timedelta(hours=2)
        seeded = []
        for i, user in enumerate(students):
            for j in range(20):  # a student with 20 orders: 10 paid, 10 unpaid
                paid = j % 2 == 0
                seeded.append(Order(user=user, order_number=f"S{i:05d}{j:02d}", real_price=course.price,
                                    total_price=course.price, expire_time=expire, name="购买课程",
                                    order_status=Order.Status.PAID if paid else Order.Status.UNPAID,
                                    pay_time=now if paid else None, trade_no=f"2026S{i:05d}{j:02d}" if paid else ""))
        notify_numbers = [f"G{i:07d}" for i in range(2 * n)]
        seeded += [Order(user=students[0], order_number=no, real_price=course.price, total_price=course.price,
                         expire_time=expire, name="购买课程") for no in notify_numbers]
        Order.objects.bulk_create(seeded, batch_size=2000)
        OrderDetail.objects.bulk_create([OrderDetail(order=o, course=course, name=course.name, price=course.price,
                                                     real_price=course.price)
                                         for o in Order.objects.filter(order_number__regex=r"^[SG]")],
                                        batch_size=2000)
        tokens = [str(AccessToken.for_user(u)) for u in students]
        rows_by_name = {
            "notify": {"name": "notify (first, distinct orders)", "axis": "orders in the database", "rule": "flat",
                       "points": []},
            "poll": {"name": "GET /api/payments/alipay/query/<no>/ (paid)", "axis": "orders in the database",
                     "rule": "flat", "points": []},
            "list": {"name": "GET /api/orders/ (a student with 20)", "axis": "orders in the database",
                     "rule": "flat", "points": []},
        }
        for k, size in enumerate(sorted({10_000, orders})):
            took = fill_orders(size, (filler[0].id, FILLER_USERS), course.id)
            print(f"bench growth: {size:,} orders ({took:.0f} s to insert the filler)", flush=True)
            connections.close_all()
            numbers = notify_numbers[k * n:(k + 1) * n]
            rows_by_name["notify"]["points"].append(meter.cell(size, [
                ("POST", "/api/payments/alipay/notify",
                 notify_body(notify_params(no, course.price, trade_no=f"2026G{no[1:]}{k}")),
                 {"Content-Type": FORM_TYPE}) for no in numbers], 200))
            rows_by_name["poll"]["points"].append(meter.cell(size, [
                ("GET", f"/api/payments/alipay/query/S{i:05d}00/", None, {"Authorization": f"Bearer {t}"})
                for i, t in enumerate(tokens)], 200))
            rows_by_name["list"]["points"].append(meter.cell(size, [
                ("GET", "/api/orders/", None, {"Authorization": f"Bearer {t}"}) for t in tokens], 200))
        rows += list(rows_by_name.values())
    finally:
        server.stop()
        connections.close_all()
    return rows
