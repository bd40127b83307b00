"""The thread page's routing note: "Asked 2 people who know this topic", and the viewer's "I can't help"."""

from __future__ import annotations

from typing import Any

from django import template

from discussions.selectors import routing_for_thread

register = template.Library()


@register.simple_tag(takes_context=True)
def thread_routing(context: dict[str, Any]) -> dict[str, Any] | None:
    request = context.get("request")
    thread = context.get("thread")
    if request is None or thread is None:
        return None
    return routing_for_thread(thread=thread, viewer=request.user)
