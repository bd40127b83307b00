"""Mounted at /people/ (learning/urls.py), before Wagtail's catch-all."""

from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("follow/", views.follow, name="follow"),
    # `path`: legacy or imported usernames may hold characters Django's validator would refuse today.
    path("<path:username>/", views.profile, name="profile"),
]
