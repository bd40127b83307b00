from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("activities/<slug:kind>/<str:key>", views.activity_definition, name="activity"),
    path("verbs/<slug:key>", views.verb_iri, name="verb"),
    path("activity-types/<slug:key>", views.activity_type_iri, name="activity-type"),
    path("extensions/<slug:key>", views.extension_iri, name="extension"),
    path("profile/v1.0", views.profile, name="profile"),
]
