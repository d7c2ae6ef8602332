"""Idempotent demo data: courses (some discounted, some with a credit allowance), coupons of both kinds and a
demo student 13800000000 / luffy-demo-2026 with 1000 credits and coupons."""
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from luffycityapi.apps.coupon.models import Coupon, CouponLog
from luffycityapi.apps.coupon.services import coupon_grant
from luffycityapi.apps.courses.models import Activity, Course, CourseCategory, CourseChapter, CourseDiscount, CourseLesson
from luffycityapi.apps.users.models import Credit, User
from luffycityapi.apps.users.services import credit_change

DEMO_MOBILE = "13800000000"
DEMO_PASSWORD = "luffy-demo-2026"
DEMO_CREDITS = 1000
# The lessons play the tiny videos shipped in apps/learning/sample_videos (6 s each, VP8/WebM): their real length.
SAMPLE_SECONDS = 6
# The admin's mobile: 100… is not one anyone can register (users.serializers.MOBILE_RE), so it never collides with
# a student's. The seed looks the admin up by the same mobile it creates it with.
ADMIN_USERNAME = "admin"
ADMIN_MOBILE = "10000000001"
ADMIN_PASSWORD = "luffy-admin-2026"

COURSES = [
    # name, category, price, credit allowance, discount (kind, value) or None, brief
    ("Python 全栈开发入门", "Python", "399.00", 200, None, "从零开始，掌握 Python 语法、函数与面向对象。"),
    ("Django 企业级项目实战", "Python", "1579.00", 500, ("PERCENT", "0.88"), "用 Django + DRF 搭建一个真实的在线商城。"),
    ("Vue 3 前端工程化", "前端", "699.00", 100, ("FIXED", "499.00"), "组合式 API、Pinia、Vite 与组件化实践。"),
    ("MySQL 性能优化", "数据库", "299.00", 0, None, "索引、事务、锁与慢查询分析。"),
    ("Redis 从入门到精通", "数据库", "199.00", 50, None, "数据结构、持久化、分布式锁与缓存设计。"),
    ("Linux 运维基础", "运维", "99.00", 0, ("FREE", "0"), "命令行、权限、进程与服务管理。"),
    ("算法与数据结构", "Python", "499.00", 300, None, "面试必备：排序、搜索、动态规划。"),
    ("Celery 分布式任务", "Python", "159.00", 30, None, "异步任务、定时任务与可靠投递。"),
]


class Command(BaseCommand):
    help = "Create the demo courses, coupons and student (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options):
        now = timezone.now()
        activity, _ = Activity.objects.get_or_create(
            name="双十二限时优惠", defaults={"start_time": now - timedelta(days=1), "end_time": now + timedelta(days=30)})
        if activity.end_time < now + timedelta(days=1):  # keep the demo discount running on an old database
            activity.end_time = now + timedelta(days=30)
            activity.save(update_fields=["end_time"])
        for position, (name, category, price, credit, discount, brief) in enumerate(COURSES, start=1):
            cat, _ = CourseCategory.objects.get_or_create(name=category)
            course, created = Course.objects.get_or_create(
                name=name, defaults={"category": cat, "price": Decimal(price), "credit": credit, "brief": brief,
                                     "orders": position, "students": 100 * position})
            if created:
                for chapter_no in (1, 2):
                    chapter = CourseChapter.objects.create(course=course, orders=chapter_no,
                                                           name=f"第{chapter_no}章 {name.split()[0]} 核心知识")
                    for lesson_no in (1, 2, 3):
                        CourseLesson.objects.create(chapter=chapter, orders=lesson_no, name=f"{chapter_no}.{lesson_no} 课时",
                                                    duration=SAMPLE_SECONDS, free_trail=lesson_no == 1,
                                                    video=f"sample-{lesson_no}.webm")
            # Lessons seeded before there were videos (or by an older seed) play the shipped samples too.
            for lesson in CourseLesson.objects.filter(chapter__course=course, video=""):
                lesson.video, lesson.duration = f"sample-{(lesson.orders - 1) % 3 + 1}.webm", SAMPLE_SECONDS
                lesson.save(update_fields=["video", "duration"])
            if discount:
                kind, value = discount
                CourseDiscount.objects.get_or_create(
                    course=course, activity=activity,
                    defaults={"kind": CourseDiscount.Kind[kind], "value": Decimal(value)})

        student = User.objects.filter(mobile=DEMO_MOBILE).first()
        if student is None:
            student = User.objects.create_user(username=DEMO_MOBILE, mobile=DEMO_MOBILE, password=DEMO_PASSWORD,
                                               name="路飞同学")
        if not Credit.objects.filter(user=student, remark="演示账户赠送积分").exists():
            credit_change(user_id=student.id, number=DEMO_CREDITS, operation=Credit.Operation.GIFT,
                          remark="演示账户赠送积分")
        if not User.objects.filter(Q(username=ADMIN_USERNAME) | Q(mobile=ADMIN_MOBILE)).exists():
            # An existing admin (same username or mobile) is kept as it is: staff may have changed its password.
            User.objects.create_superuser(username=ADMIN_USERNAME, mobile=ADMIN_MOBILE, password=ADMIN_PASSWORD)
        self._coupons(student, now)
        self.stdout.write(self.style.SUCCESS(
            f"demo data ready: {Course.objects.count()} courses; student {DEMO_MOBILE} / {DEMO_PASSWORD}; "
            f"admin {ADMIN_USERNAME} / {ADMIN_PASSWORD}"))

    def _coupons(self, student, now):
        """Coupons of both kinds; the demo student holds one of each (granted again once used up)."""
        python = CourseCategory.objects.get(name="Python")
        for name, kind, amount, rate, condition, category in COUPONS:
            coupon, _ = Coupon.objects.get_or_create(name=name, defaults={
                "discount": kind, "amount": Decimal(amount), "rate": Decimal(rate), "condition": Decimal(condition),
                "scope": Coupon.Scope.CATEGORY if category else Coupon.Scope.ALL,
                "category": python if category else None, "start_time": now - timedelta(days=1),
                "end_time": now + timedelta(days=90), "total": 10000, "remaining": 10000, "per_user_limit": 1000})
            if coupon.end_time < now + timedelta(days=1):
                coupon.end_time = now + timedelta(days=90)
                coupon.save(update_fields=["end_time"])
            if not CouponLog.objects.filter(coupon=coupon, user=student, use_status=CouponLog.Status.UNUSED).exists():
                coupon_grant(coupon_id=coupon.id, user_id=student.id)


COUPONS = [
    # name, kind, amount, rate, minimum spend, Python category only
    ("满100减20", Coupon.Kind.AMOUNT, "20.00", "1.00", "100.00", False),
    ("新人立减50元", Coupon.Kind.AMOUNT, "50.00", "1.00", "300.00", False),
    ("全场八八折", Coupon.Kind.PERCENT, "0.00", "0.88", "0.00", False),
    ("Python 课程九折", Coupon.Kind.PERCENT, "0.00", "0.90", "0.00", True),
]
