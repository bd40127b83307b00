"""Mounted at /stream/ (learning/urls.py), before Wagtail's catch-all."""

from django.urls import path

from . import views

app_name = "home"

urlpatterns = [path("", views.stream, name="stream")]
