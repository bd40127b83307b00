"""Learner-written Markdown → safe HTML, once, on save.

CommonMark (markdown-it-py) with linkify renders with raw HTML disabled, so typed tags come out
as text; nh3 then enforces an allowlist as a second, independent line of defence: only
paragraphs, emphasis, lists, links (http, https, mailto; rel="nofollow ugc noopener"), code and
blockquotes survive. No images: nothing is fetched from hosts a learner chooses.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"p", "br", "em", "strong", "del", "s", "ul", "ol", "li", "a", "code", "pre", "blockquote", "hr"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
MAX_MARKDOWN_LENGTH = 20_000


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"linkify": True, "html": False, "typographer": False}).enable(
        ["linkify", "strikethrough"]
    )


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
        clean_content_tags={"script", "style"},
    )


def render_markdown(text: str) -> str:
    """Sanitised HTML for a learner's Markdown. Safe to mark safe in templates."""
    html = _markdown().render(text)
    return _cleaner().clean(html).strip()


def sanitise_plain(text: str) -> str:
    """Text for places that show no markup at all (titles, names): tags stripped, entities kept as text."""
    return nh3.clean(text, tags=set()).strip()
