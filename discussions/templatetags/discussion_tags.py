"""Template helpers for discussions: the lesson panel's data, post URLs by kind, the unread badge."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from discussions import permissions, selectors
from discussions.models import Rating, Reply, Thread

register = template.Library()


@register.simple_tag(takes_context=True)
def lesson_discussion(context: dict[str, Any]) -> selectors.ThreadListing | None:
    """The lesson page's discussion panel (sort and page from the query string), via the selector.

    The lesson page already loaded the viewer's enrolment: hand it over so the panel does not ask again.
    """
    request = context.get("request")
    lesson = context.get("page")
    course = context.get("course")
    if request is None or lesson is None or course is None:
        return None
    permissions.remember_enrolment(request.user, course, context.get("enrolment"))
    return selectors.thread_list_for_lesson(
        lesson=lesson,
        course=course,
        viewer=request.user,
        sort=request.GET.get("sort", "newest"),
        page=request.GET.get("page", 1),
    )


@register.simple_tag(takes_context=True)
def course_unanswered(context: dict[str, Any]) -> dict[str, Any] | None:
    request = context.get("request")
    course = context.get("page")
    if request is None or course is None or not request.user.is_authenticated:
        return None
    permissions.remember_enrolment(request.user, course, context.get("enrolment"))
    return selectors.unanswered_questions_for_course(course=course, viewer=request.user)


@register.filter
def post_kind(post: Thread | Reply | Rating) -> str:
    if isinstance(post, Rating):
        return "review"
    return "thread" if isinstance(post, Thread) else "reply"


@register.simple_tag
def post_url(action: str, post: Thread | Reply) -> str:
    return reverse(f"discussions:{post_kind(post)}_{action}", kwargs={"post_id": post.activity_id})


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    request = context.get("request")
    if request is None:
        return 0
    return selectors.unread_notification_count(user=request.user)


@register.filter
def in_set(value: Any, collection: Any) -> bool:
    return value in collection


@register.filter
def post_anchor(post: Thread | Reply) -> str:
    return "thread" if isinstance(post, Thread) else f"reply-{post.activity_id}"


@register.filter
def stars_text(value: float | int | None) -> str:
    """Five characters of filled and empty stars for a score (rounded to whole stars); decorative only."""
    filled = max(0, min(5, round(value or 0)))
    return "★" * filled + "☆" * (5 - filled)


@register.simple_tag
def rating_form(panel: selectors.RatingPanel):
    """An unbound rating form, pre-filled with the viewer's rating when they have one."""
    from discussions.forms import RatingForm

    mine = panel.mine
    return RatingForm(initial={"stars": mine.stars, "review": mine.review} if mine else None)


@register.simple_tag(takes_context=True)
def lesson_notes(context: dict[str, Any]) -> selectors.NotesPanel | None:
    """The lesson page's notes panel via its selector (the page's enrolment handed over, as for discussions)."""
    request = context.get("request")
    lesson = context.get("page")
    course = context.get("course")
    if request is None or lesson is None or course is None or not request.user.is_authenticated:
        return None
    permissions.remember_enrolment(request.user, course, context.get("enrolment"))
    return selectors.notes_panel_for_lesson(lesson=lesson, course=course, viewer=request.user)


@register.filter
def video_moment(seconds: int | None) -> str:
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
