from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from insights.export_views import my_statements

from . import views

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(template_name="accounts/logged_out.html"), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("", views.account, name="account"),
    path("privacy/", views.privacy, name="privacy"),
    # The learner's own statements (insights owns the export): /accounts/statements.ndjson or .csv
    re_path(r"^statements\.(?P<fmt>ndjson|csv)$", my_statements, name="my-statements"),
]
