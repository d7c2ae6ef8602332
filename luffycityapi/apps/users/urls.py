from django.urls import path

from . import views

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="register"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("token/refresh/", views.RefreshView.as_view(), name="token-refresh"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("me/", views.MeView.as_view(), name="me"),
    path("courses/", views.MyCoursesView.as_view(), name="my-courses"),
    path("credits/", views.MyCreditsView.as_view(), name="my-credits"),
    path("wallet/", views.MyWalletView.as_view(), name="my-wallet"),
]
