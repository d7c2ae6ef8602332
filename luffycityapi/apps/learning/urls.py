from django.urls import path

from . import views

urlpatterns = [
    path("lessons/<int:lesson_id>/media/", views.LessonMediaView.as_view(), name="learn-media"),
    path("progress/", views.ProgressView.as_view(), name="learn-progress"),
    path("courses/", views.MyStudyView.as_view(), name="learn-courses"),
]
