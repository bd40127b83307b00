from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("courses/<int:course_id>/enrol/", views.enrol, name="enrol"),
    path("courses/<int:course_id>/unenrol/", views.unenrol, name="unenrol"),
    path("lessons/<int:lesson_id>/complete/", views.complete, name="complete"),
    path("lessons/<int:lesson_id>/answer/", views.answer, name="answer"),
]
