"""A small vocabulary for writing course content in Python, and the specs the content step turns into pages.

Lesson bodies are written as tuples of `(block_type, value)`; `stream_data` gives each block a
deterministic id (uuid5 over course, lesson and position), so anchors, notes and xAPI question ids stay
the same every time the demo is seeded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

DEMO_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "guild:seed-demo")

Block = tuple[str, Any]


@dataclass(frozen=True)
class LessonSpec:
    slug: str
    title: str
    summary: str
    minutes: int
    body: tuple[Block, ...]


@dataclass(frozen=True)
class CourseSpec:
    slug: str
    title: str
    summary: str
    description: str
    level: str
    minutes: int
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    palette: tuple[str, ...]
    cover_alt: str
    lessons: tuple[LessonSpec, ...] = field(default_factory=tuple)

    @property
    def cover_title(self) -> str:
        return f"Course cover: {self.title}"


BLOCK_TAGS = ("<p>", "<ul>", "<ol>", "<h3>", "<h4>", "<blockquote>")


def _html(parts: tuple[str, ...]) -> str:
    """Join rich-text parts; anything that is not already a block (a list, a heading…) becomes a paragraph."""
    return "".join(part if part.startswith(BLOCK_TAGS) else f"<p>{part}</p>" for part in parts)


def ul(*items: str) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def ol(*items: str) -> str:
    return "<ol>" + "".join(f"<li>{item}</li>" for item in items) + "</ol>"


def text(*parts: str) -> Block:
    return ("paragraph", _html(parts))


def heading(words: str, level: str = "h2") -> Block:
    return ("heading", {"text": words, "level": level})


def callout(kind: str, title: str, *parts: str) -> Block:
    return ("callout", {"kind": kind, "title": title, "body": _html(parts)})


def tip(title: str, *parts: str) -> Block:
    return callout("tip", title, *parts)


def note(title: str, *parts: str) -> Block:
    return callout("note", title, *parts)


def warning(title: str, *parts: str) -> Block:
    return callout("warning", title, *parts)


def example(title: str, *parts: str) -> Block:
    return callout("example", title, *parts)


def code(language: str, source: str, caption: str = "") -> Block:
    return ("code", {"language": language, "code": source.strip("\n"), "caption": caption})


def right(option: str, feedback: str) -> dict[str, Any]:
    return {"text": option, "is_correct": True, "feedback": feedback}


def wrong(option: str, feedback: str) -> dict[str, Any]:
    return {"text": option, "is_correct": False, "feedback": feedback}


def check(question: str, *options: dict[str, Any]) -> Block:
    if sum(1 for option in options if option["is_correct"]) != 1:
        raise ValueError(f"exactly one option must be right: {question}")
    return ("knowledge_check", {"question": question, "options": list(options)})


def block_id(*parts: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, "/".join(parts)))


def stream_data(course: CourseSpec, lesson: LessonSpec) -> list[dict[str, Any]]:
    """The lesson body as StreamField raw data, with stable ids on blocks and list items."""
    data = []
    for index, (block_type, value) in enumerate(lesson.body):
        key = block_id(course.slug, lesson.slug, str(index))
        if block_type == "knowledge_check":
            value = {
                **value,
                "options": [
                    {"type": "item", "value": option, "id": block_id(key, "option", str(position))}
                    for position, option in enumerate(value["options"])
                ],
            }
        data.append({"type": block_type, "value": value, "id": key})
    return data
