from django.contrib import admin

from .models import Activity, Course, CourseCategory, CourseChapter, CourseDiscount, CourseLesson, Teacher


class CourseDiscountInline(admin.TabularInline):
    model = CourseDiscount
    extra = 0
    autocomplete_fields = ["activity"]


class CourseChapterInline(admin.TabularInline):
    model = CourseChapter
    extra = 0
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "category", "teacher", "level", "price", "credit", "students", "is_show",
                    "is_deleted", "orders", "updated_time"]
    list_filter = ["is_show", "is_deleted", "category", "level"]
    list_editable = ["is_show", "orders"]
    search_fields = ["name", "brief"]
    list_select_related = ["category", "teacher"]
    autocomplete_fields = ["teacher"]
    inlines = [CourseDiscountInline, CourseChapterInline]


@admin.register(CourseCategory)
class CourseCategoryAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "orders", "is_show"]
    search_fields = ["name"]


class CourseLessonInline(admin.TabularInline):
    model = CourseLesson
    extra = 0


@admin.register(CourseChapter)
class CourseChapterAdmin(admin.ModelAdmin):
    list_display = ["id", "course", "orders", "name"]
    search_fields = ["name", "course__name"]
    list_select_related = ["course"]
    inlines = [CourseLessonInline]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "start_time", "end_time"]
    list_filter = ["start_time", "end_time"]
    search_fields = ["name"]


@admin.register(CourseDiscount)
class CourseDiscountAdmin(admin.ModelAdmin):
    list_display = ["id", "course", "activity", "kind", "value"]
    list_filter = ["kind", "activity"]
    search_fields = ["course__name", "activity__name"]
    list_select_related = ["course", "activity"]


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "title"]
    search_fields = ["name", "title"]
