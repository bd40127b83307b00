"""@mentions in Markdown: which usernames a post names (code spans and blocks excluded)."""

from __future__ import annotations

import re

MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]{1,150})")
FENCED = re.compile(r"```.*?```|~~~.*?~~~", re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
MAX_MENTIONS = 20


def mentioned_usernames(markdown: str) -> list[str]:
    """Distinct usernames mentioned, in order, at most MAX_MENTIONS (so a post can't page the whole company)."""
    text = INLINE_CODE.sub("", FENCED.sub("", markdown))
    seen: dict[str, None] = {}
    for match in MENTION.finditer(text):
        name = match.group(1).rstrip(".")
        if name and name.lower() not in seen:
            seen[name.lower()] = None
        if len(seen) >= MAX_MENTIONS:
            break
    return list(seen)
