"""Thin views: parse, check permission, call one service, redirect with a message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import services
from .models import CoursePage, LessonPage


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def serve_lesson(lesson: LessonPage, request: HttpRequest, serve, *args, **kwargs) -> HttpResponse:
    """Record the view for enrolled learners; everyone else gets the page with a sign-in or enrol prompt.

    Previews never come through here (Wagtail calls serve_preview; see LessonPage.get_preview_context).
    """
    response = serve(request, *args, **kwargs)
    if isinstance(response, TemplateResponse) and response.context_data is not None:
        context = response.context_data
        if context.get("can_read"):
            services.lesson_view(
                user=request.user,
                lesson=lesson,
                course=context["course"],
                enrolment=context["enrolment"],
                progress=context.get("lesson_progress"),
                progress_known=bool(context.get("lesson_progress_known")),
            )
    return response


@login_required
@require_POST
def enrol(request: HttpRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(CoursePage.objects.live().public(), pk=course_id)
    services.enrolment_create(user=request.user, course=course)
    messages.success(request, f"You're enrolled in {course.title}.")
    return _back(request, course.url)


@login_required
@require_POST
def unenrol(request: HttpRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(CoursePage.objects.live().public(), pk=course_id)
    services.enrolment_cancel(user=request.user, course=course)
    messages.info(request, f"You've left {course.title}. Your progress is kept if you enrol again.")
    return _back(request, course.url)


def _lesson_and_course(lesson_id: int) -> tuple[LessonPage, CoursePage]:
    lesson = get_object_or_404(LessonPage.objects.live().public(), pk=lesson_id)
    course = get_object_or_404(CoursePage.objects.live().public().parent_of(lesson))
    return lesson, course


@login_required
@require_POST
def complete(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson, course = _lesson_and_course(lesson_id)
    try:
        progress = services.lesson_complete(user=request.user, lesson=lesson, course=course)
    except services.CourseActionError as error:
        messages.error(request, str(error))
        return redirect(lesson.url)
    enrolment = services.active_enrolment(user=request.user, course=course)
    if enrolment and enrolment.completed_at and enrolment.completed_at == progress.completed_at:
        messages.success(request, f"Course complete: well done on finishing {course.title}!")
        return redirect(course.url)
    messages.success(request, f"Lesson complete: {lesson.title}.")
    return _back(request, lesson.url)


@login_required
@require_POST
def answer(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson, course = _lesson_and_course(lesson_id)
    block_id = request.POST.get("block_id", "")
    try:
        services.knowledge_check_answer(
            user=request.user, lesson=lesson, course=course, block_id=block_id, choice=request.POST.get("choice", "")
        )
    except services.CourseActionError as error:
        messages.error(request, str(error))
    return redirect(f"{lesson.url}#block-{block_id}" if block_id else lesson.url)
