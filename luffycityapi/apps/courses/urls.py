from django.urls import path

from . import views

urlpatterns = [
    path("", views.CourseListView.as_view(), name="course-list"),
    path("categories/", views.CategoryListView.as_view(), name="course-categories"),
    path("<int:pk>/", views.CourseDetailView.as_view(), name="course-detail"),
]
