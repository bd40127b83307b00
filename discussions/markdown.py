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
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .mentions import MENTION

ALLOWED_TAGS = frozenset(
    {"p", "br", "em", "strong", "del", "s", "ul", "ol", "li", "a", "code", "pre", "blockquote", "hr"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
MAX_MARKDOWN_LENGTH = 20_000


def _mention_links(state: StateCore) -> None:
    """@username in text (not in code, not inside a link) becomes a link to that person's profile."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        link_depth = 0
        for token in block.children:
            if token.type == "link_open":
                link_depth += 1
            elif token.type == "link_close":
                link_depth -= 1
            if token.type != "text" or link_depth or "@" not in token.content:
                children.append(token)
                continue
            position = 0
            for match in MENTION.finditer(token.content):
                username = match.group(1).rstrip(".")
                start, end = match.start(), match.start() + 1 + len(username)
                if start > position:
                    children.append(_text(token.content[position:start]))
                link = Token("link_open", "a", 1)
                link.attrs = {"href": f"/people/{username}/", "title": f"{username}'s profile"}
                children += [link, _text(f"@{username}"), Token("link_close", "a", -1)]
                position = end
            if position < len(token.content):
                children.append(_text(token.content[position:]))
        block.children = children


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"linkify": True, "html": False, "typographer": False}).enable(
        ["linkify", "strikethrough"]
    )
    md.core.ruler.push("mention_links", _mention_links)
    return md


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
