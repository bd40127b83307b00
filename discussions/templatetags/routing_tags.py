"""The thread page's routing note ("Guild has asked 2 people who know this topic", the viewer's "I can't
help") and, for the asker of a question still waiting, the people who know its lesson."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from discussions.selectors import routing_for_thread

register = template.Library()


@register.simple_tag(takes_context=True)
def thread_routing(context: dict[str, Any]) -> dict[str, Any] | None:
    """One query for the routes; one more for helpers, only when the asker views their unanswered question."""
    from insights.experts import helpers_for_lesson

    request = context.get("request")
    thread = context.get("thread")
    if request is None or thread is None or not thread.is_question:
        return None
    routing = routing_for_thread(thread=thread, viewer=request.user)
    helpers = []
    waiting = not (thread.is_answered or thread.is_deleted or thread.is_hidden or thread.is_closed)
    if waiting and request.user.is_authenticated and request.user.pk == thread.author_id:
        helpers = helpers_for_lesson(lesson=thread.lesson, course=thread.course, viewer=request.user, limit=3)
    if routing is None and not helpers:
        return None
    return {
        "routes": routing,
        "helpers": helpers,
        "hours": 0 if routing else getattr(settings, "ROUTING_HELPERS_AFTER_HOURS", 0),
    }
