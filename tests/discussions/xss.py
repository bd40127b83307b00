"""Shared XSS checks: the payload corpus and an HTML inspector that finds anything that could run script."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

PAYLOADS_FILE = Path(__file__).with_name("xss_payloads.txt")
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:", "livescript:")
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "background",
    "poster",
    "srcset",
    "data",
    "lowsrc",
    "dynsrc",
}


def payloads() -> list[str]:
    lines = PAYLOADS_FILE.read_text(encoding="utf-8").splitlines()
    return [line.replace("\\n", "\n") for line in lines if line.strip() and not line.startswith("# ")]


def _normalise_url(value: str) -> str:
    value = html.unescape(value)
    return re.sub(r"[\x00-\x20]+", "", value).lower()


class Inspector(HTMLParser):
    """Collects problems: script elements (bar our own static files), event handlers, script URLs.

    With `allowed_tags` (for stored fragments) any other tag is a problem too; for whole pages the
    site's own markup (meta, inline SVG icons) is expected.
    """

    def __init__(self, *, allowed_tags: set[str] | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed_tags = allowed_tags
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.allowed_tags is not None and tag not in self.allowed_tags:
            self.problems.append(f"tag <{tag}>")
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            self.problems.append("inline <script>")
        if self.allowed_tags is not None and tag in {"iframe", "object", "embed", "frame", "frameset", "base", "svg"}:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"handler {name}= on <{tag}>")
            if name in URL_ATTRIBUTES and value and _normalise_url(value).startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"{name}={value!r} on <{tag}>")
            if name == "style" and value and ("expression" in value.lower() or "javascript" in value.lower()):
                self.problems.append(f"style {value!r}")

    handle_startendtag = handle_starttag


def problems(markup: str, *, allowed_tags: set[str] | None = None) -> list[str]:
    inspector = Inspector(allowed_tags=allowed_tags)
    inspector.feed(markup)
    inspector.close()
    return inspector.problems
