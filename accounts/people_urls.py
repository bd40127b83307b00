"""Mounted at /people/ (learning/urls.py), before Wagtail's catch-all."""

from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("follow/", views.follow, name="follow"),
    path("<str:username>/", views.profile, name="profile"),
]
