"""Template helpers for course pages: knowledge-check options, video embeds, card placeholders."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from wagtail.embeds import embeds
from wagtail.embeds.exceptions import EmbedException

from courses.blocks import option_ids

register = template.Library()

# Teal, blue, indigo, plum, amber, green: calm, and white text keeps good contrast on each.
COVER_HUES = (178, 208, 238, 290, 28, 150)


@register.filter
def choices(options: Any) -> list[dict[str, Any]]:
    """A knowledge check's options with their stable ids (a, b, c…), as the answer view expects them."""
    options = list(options or [])
    return [
        {"id": choice_id, "text": option["text"], "feedback": option["feedback"], "is_correct": option["is_correct"]}
        for choice_id, option in zip(option_ids(len(options)), options, strict=True)
    ]


@register.filter
def choice_for(options: list[dict[str, Any]], choice_id: str) -> dict[str, Any] | None:
    return next((option for option in options if option["id"] == choice_id), None)


@register.simple_tag
def video_embed(value: Any):
    """The cached oEmbed record for an EmbedBlock value, or None when the provider cannot be reached."""
    url = getattr(value, "url", value)
    if not url:
        return None
    try:
        return embeds.get_embed(url)
    except EmbedException:
        return None


_IFRAME = re.compile(r"<iframe\b([^>]*)>", re.IGNORECASE)
_TITLE_ATTR = re.compile(r"\s+title=(\"[^\"]*\"|'[^']*'|\S+)", re.IGNORECASE)


@register.filter
def titled_iframe(html: str, title: str) -> SafeString:
    """Give embedded iframes the author's accessible title instead of the provider's (or none)."""
    if not html:
        return mark_safe("")  # noqa: S308 - empty

    def add_title(match: re.Match) -> str:
        attrs = _TITLE_ATTR.sub("", match.group(1))
        return f'<iframe title="{escape(title)}"{attrs}>'

    # The embed HTML comes from the oEmbed provider via Wagtail's embed finders, which Wagtail trusts too.
    return mark_safe(_IFRAME.sub(add_title, html))  # noqa: S308


@register.filter
def hue(value: Any) -> int:
    """A stable hue for a course's generated cover, from its id, out of a few calm ones."""
    try:
        mixed = ((int(value) * 2654435761) & 0xFFFFFFFF) >> 16  # Knuth's multiplicative hash: neighbours differ
        return COVER_HUES[mixed % len(COVER_HUES)]
    except (TypeError, ValueError):
        return COVER_HUES[0]


@register.filter
def initial(value: Any) -> str:
    text = str(value or "").strip()
    return text[:1].upper()


CALLOUT_LABELS = {"tip": "Tip", "note": "Note", "warning": "Watch out", "example": "Example"}


@register.filter
def callout_label(kind: str) -> str:
    return CALLOUT_LABELS.get(kind, "Note")
