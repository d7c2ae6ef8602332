"""Idempotent demo data: teachers with avatars, courses with covers, descriptions, levels, chapters and lessons
(content.py; some discounted, some with a credit allowance), coupons of both kinds and a demo student
13800000000 / luffy-demo-2026 with 1000 credits and coupons."""
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from luffycityapi.apps.coupon.models import Coupon, CouponLog
from luffycityapi.apps.coupon.services import coupon_grant
from luffycityapi.apps.courses.models import (Activity, Course, CourseCategory, CourseChapter, CourseDiscount,
                                              CourseLesson, Teacher)
from luffycityapi.apps.demo.content import COURSES, DESCRIPTIONS, TEACHERS, avatar_path, cover_path
from luffycityapi.apps.users.models import Credit, User
from luffycityapi.apps.users.services import credit_change

DEMO_MOBILE = "13800000000"
DEMO_PASSWORD = "luffy-demo-2026"
DEMO_CREDITS = 1000
# The admin's mobile: 100… is not one anyone can register (users.serializers.MOBILE_RE), so it never collides with
# a student's. The seed looks the admin up by the same mobile it creates it with.
ADMIN_USERNAME = "admin"
ADMIN_MOBILE = "10000000001"
ADMIN_PASSWORD = "luffy-admin-2026"


def static(path: str) -> str:
    """The URL of a demo picture: the unhashed name, which collectstatic also writes, so the stored URL outlives a
    redeploy and the seed runs before collectstatic has."""
    return f"{settings.STATIC_URL}{path}"


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
        teachers = {key: self._teacher(name, title, avatar_path(key), brief)
                    for key, name, title, _colour, brief in TEACHERS}
        for position, row in enumerate(COURSES, start=1):
            key, name, category, teacher, level, price, credit, discount, students, _colours, brief, chapters = row
            cat, _ = CourseCategory.objects.get_or_create(name=category)
            course, _ = Course.objects.get_or_create(
                name=name, defaults={"category": cat, "price": Decimal(price), "credit": credit, "orders": position,
                                     "students": students})
            # What the shop shows is brought up to date on an old database too; prices, credits and the
            # operators' order are left as staff may have changed them.
            self._update(course, cover=static(cover_path(key)), brief=brief, description=DESCRIPTIONS[key],
                         level=level, teacher=teachers[teacher])
            self._syllabus(course, chapters)
            # Every lesson plays one of the shipped samples (learning/sample_videos); its listed length is the
            # demo syllabus's, not the sample's few seconds.
            for lesson in CourseLesson.objects.filter(chapter__course=course, video=""):
                lesson.video = f"sample-{(lesson.orders - 1) % 3 + 1}.webm"
                lesson.save(update_fields=["video"])
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

    @staticmethod
    def _update(row, **fields):
        """Set the fields that differ, saving (and so signalling a catalogue change) only when one does."""
        changed = [name for name, value in fields.items() if getattr(row, name) != value]
        for name in changed:
            setattr(row, name, fields[name])
        if changed:
            row.save(update_fields=changed)
        return row

    def _teacher(self, name, title, avatar, brief):
        teacher, _ = Teacher.objects.get_or_create(name=name, defaults={"title": title})
        return self._update(teacher, title=title, avatar=static(avatar), brief=brief)

    def _syllabus(self, course, chapters):
        """The course's chapters and lessons by position: missing ones are created, existing ones renamed in place
        (their ids stay: progress and orders may point at them). Durations are whole seconds."""
        for chapter_no, (chapter_name, lessons) in enumerate(chapters, start=1):
            chapter = course.chapters.filter(orders=chapter_no).first()
            if chapter is None:
                chapter = CourseChapter.objects.create(course=course, orders=chapter_no, name=chapter_name)
            self._update(chapter, name=chapter_name)
            for lesson_no, (lesson_name, seconds) in enumerate(lessons, start=1):
                lesson = chapter.lessons.filter(orders=lesson_no).first()
                if lesson is None:
                    lesson = CourseLesson.objects.create(chapter=chapter, orders=lesson_no, name=lesson_name,
                                                         duration=seconds, free_trail=lesson_no == 1)
                if lesson.name != lesson_name or lesson.duration != seconds:
                    lesson.name, lesson.duration = lesson_name, seconds
                    lesson.save(update_fields=["name", "duration"])

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
