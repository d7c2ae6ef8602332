"""Reads on users, always scoped to one user."""
from .models import Credit, UserCourse


def owned_course_ids(user_id: int, course_ids=None) -> set[int]:
    """The ids (of those given, or all) of courses the user owns."""
    qs = UserCourse.objects.filter(user_id=user_id)
    if course_ids is not None:
        qs = qs.filter(course_id__in=list(course_ids))
    return set(qs.values_list("course_id", flat=True))


def user_course_list(user_id: int):
    return UserCourse.objects.filter(user_id=user_id).select_related("course")


def credit_ledger(user_id: int):
    return Credit.objects.filter(user_id=user_id)
