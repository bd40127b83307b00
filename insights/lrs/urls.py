"""LRS routes, included by insights/urls.py under /xapi/ (names prefixed `lrs-` in the `insights` namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("statements", views.statements, name="lrs-statements"),
    path("activities", views.activities, name="lrs-activities"),
    path("activities/state", views.state, name="lrs-state"),
    path("activities/profile", views.activity_profile, name="lrs-activity-profile"),
    path("agents", views.agents, name="lrs-agents"),
    path("agents/profile", views.agent_profile, name="lrs-agent-profile"),
    path("about", views.about, name="lrs-about"),
]
