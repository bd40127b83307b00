"""Mounted at /notes/ (learning/urls.py): "My notes" (DESIGN.md §3) and every note action."""

from django.urls import path

from . import views

app_name = "notes"

urlpatterns = [
    path("", views.my_notes, name="mine"),
    path("export.md", views.my_notes_export, {"fmt": "md"}, name="export_md"),
    path("export.json", views.my_notes_export, {"fmt": "json"}, name="export_json"),
    path("lessons/<int:lesson_id>/new/", views.note_create, name="create"),
    path("<uuid:note_id>/edit/", views.note_edit, name="edit"),
    path("<uuid:note_id>/delete/", views.note_delete, name="delete"),
    path("<uuid:note_id>/share/", views.note_share, name="share"),
    path("<uuid:note_id>/vote/", views.note_vote, name="vote"),
    path("<uuid:note_id>/discuss/", views.note_discuss, name="discuss"),
]
