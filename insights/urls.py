from django.urls import path

from . import views
from .lrs.urls import urlpatterns as lrs_urlpatterns

app_name = "insights"

urlpatterns = [
    # The embedded LRS first: `activities/state` and `activities/profile` must not reach the IRI route below.
    *lrs_urlpatterns,
    path("activities/<slug:kind>/<str:key>", views.activity_definition, name="activity"),
    path("verbs/<slug:key>", views.verb_iri, name="verb"),
    path("activity-types/<slug:key>", views.activity_type_iri, name="activity-type"),
    path("extensions/<slug:key>", views.extension_iri, name="extension"),
    path("profile/v1.0", views.profile, name="profile"),
]
