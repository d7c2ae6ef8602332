"""Anything that changes what the catalogue shows starts a new catalogue cache generation (selectors.py).

Twice: at once, so later reads in the same transaction (and tests) see the change, and again after commit,
because a reader that loaded the old rows before the commit may have cached them under the new generation.
Bulk `update()`/`bulk_create()` send no signals: code that uses them on these models must call
selectors.catalogue_changed() itself."""
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from . import selectors
from .models import Activity, Course, CourseCategory, CourseChapter, CourseDiscount, CourseLesson, Teacher

CATALOGUE_MODELS = (Course, CourseCategory, CourseChapter, CourseLesson, Activity, CourseDiscount, Teacher)


def catalogue_row_changed(sender, **kwargs):
    selectors.catalogue_changed()
    transaction.on_commit(selectors.catalogue_changed)


for _model in CATALOGUE_MODELS:
    post_save.connect(catalogue_row_changed, sender=_model, dispatch_uid=f"catalogue_saved_{_model.__name__}")
    post_delete.connect(catalogue_row_changed, sender=_model, dispatch_uid=f"catalogue_deleted_{_model.__name__}")
