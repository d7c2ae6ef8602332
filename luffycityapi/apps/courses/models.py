from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models


class CourseCategory(models.Model):
    name = models.CharField("名称", max_length=100, unique=True)
    orders = models.IntegerField("排序", default=0)
    is_show = models.BooleanField("显示", default=True)

    class Meta:
        db_table = "ly_course_category"
        verbose_name = verbose_name_plural = "课程分类"
        ordering = ["orders", "id"]

    def __str__(self):
        return self.name


class Teacher(models.Model):
    """Who teaches a course: shown on the course page with their avatar (a URL, like Course.cover)."""

    name = models.CharField("姓名", max_length=50)
    title = models.CharField("头衔", max_length=100, blank=True, default="")
    avatar = models.CharField("头像地址", max_length=255, blank=True, default="")
    brief = models.TextField("简介", blank=True, default="")

    class Meta:
        db_table = "ly_teacher"
        verbose_name = verbose_name_plural = "讲师"
        ordering = ["id"]

    def __str__(self):
        return self.name


class Course(models.Model):
    """A course for sale. `credit` is the most credits a buyer may spend on it."""

    name = models.CharField("课程名称", max_length=255)
    category = models.ForeignKey(CourseCategory, related_name="courses", on_delete=models.SET_NULL,
                                 null=True, blank=True, verbose_name="分类")
    cover = models.CharField("封面地址", max_length=255, blank=True, default="")
    brief = models.TextField("简介", blank=True, default="")
    description = models.TextField("详细介绍", blank=True, default="")
    teacher = models.ForeignKey(Teacher, related_name="courses", on_delete=models.SET_NULL, null=True, blank=True,
                                verbose_name="讲师")
    level = models.SmallIntegerField("难度", choices=[(0, "入门"), (1, "进阶"), (2, "大师")], default=0)
    price = models.DecimalField("价格", max_digits=10, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0.00"))])
    credit = models.PositiveIntegerField("最多可用积分", default=0)
    students = models.PositiveIntegerField("学习人数", default=0)
    is_show = models.BooleanField("上架", default=True)
    is_deleted = models.BooleanField("已删除", default=False)
    orders = models.IntegerField("排序", default=0)
    created_time = models.DateTimeField("创建时间", auto_now_add=True)
    updated_time = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        db_table = "ly_course"
        verbose_name = verbose_name_plural = "课程"
        ordering = ["orders", "id"]
        indexes = [models.Index(fields=["is_show", "is_deleted", "orders"], name="course_listing")]

    def __str__(self):
        return self.name


class CourseChapter(models.Model):
    course = models.ForeignKey(Course, related_name="chapters", on_delete=models.CASCADE, verbose_name="课程")
    orders = models.PositiveSmallIntegerField("第几章", default=1)
    name = models.CharField("章节名", max_length=255)
    summary = models.TextField("概要", blank=True, default="")

    class Meta:
        db_table = "ly_course_chapter"
        verbose_name = verbose_name_plural = "章节"
        ordering = ["orders", "id"]

    def __str__(self):
        return f"{self.course} 第{self.orders}章 {self.name}"


class CourseLesson(models.Model):
    chapter = models.ForeignKey(CourseChapter, related_name="lessons", on_delete=models.CASCADE, verbose_name="章节")
    orders = models.PositiveSmallIntegerField("序号", default=1)
    name = models.CharField("课时名", max_length=255)
    duration = models.PositiveIntegerField("时长（秒）", default=0)
    free_trail = models.BooleanField("可试看", default=False)
    # A file under LESSON_MEDIA_ROOT (learning.media); served only through signed, expiring URLs.
    video = models.CharField("视频文件", max_length=255, blank=True, default="")

    class Meta:
        db_table = "ly_course_lesson"
        verbose_name = verbose_name_plural = "课时"
        ordering = ["orders", "id"]

    def __str__(self):
        return self.name


class Activity(models.Model):
    """A time window in which some courses sell at a discount."""

    name = models.CharField("活动名称", max_length=150)
    start_time = models.DateTimeField("开始时间")
    end_time = models.DateTimeField("结束时间")
    remark = models.CharField("备注", max_length=255, blank=True, default="")

    class Meta:
        db_table = "ly_activity"
        verbose_name = verbose_name_plural = "优惠活动"
        ordering = ["-start_time"]
        constraints = [models.CheckConstraint(condition=models.Q(end_time__gt=models.F("start_time")),
                                              name="activity_window_ordered")]

    def __str__(self):
        return self.name


class CourseDiscount(models.Model):
    """A course's price during an activity: a fixed price, a percentage of the price, or free."""

    class Kind(models.IntegerChoices):
        FIXED = 1, "限时特价"
        PERCENT = 2, "限时折扣"
        FREE = 3, "限时免费"

    course = models.ForeignKey(Course, related_name="discounts", on_delete=models.CASCADE, verbose_name="课程")
    activity = models.ForeignKey(Activity, related_name="discounts", on_delete=models.CASCADE, verbose_name="活动")
    kind = models.SmallIntegerField("优惠方式", choices=Kind.choices)
    value = models.DecimalField("特价或折扣率", max_digits=10, decimal_places=2, default=Decimal("0.00"),
                                help_text="限时特价填价格（元）；限时折扣填折扣率，如 0.88；免费不填")

    class Meta:
        db_table = "ly_course_discount"
        verbose_name = verbose_name_plural = "课程优惠"
        constraints = [models.UniqueConstraint(fields=["course", "activity"], name="one_discount_per_activity")]

    def clean(self):
        # pricing caps a discounted price to [0, list price], so a mistyped value would not overcharge, it would
        # silently sell at the list price (e.g. a rate of 88 for 88 %): refuse it where staff type it.
        if self.value is None:
            return
        if self.kind == self.Kind.PERCENT and not (Decimal("0") < self.value < Decimal("1")):
            raise ValidationError({"value": "折扣率须大于 0 且小于 1，例如 0.88 表示八八折"})
        if self.kind == self.Kind.FIXED and self.value < 0:
            raise ValidationError({"value": "特价不能为负数"})

    def __str__(self):
        return f"{self.course} · {self.get_kind_display()}"
