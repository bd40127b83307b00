"""References to the things statements are about, and how they become xAPI objects."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .vocabulary import ACTIVITY_TYPES, ActivityType, Extension, site_root

ACTIVITY_KINDS: dict[str, ActivityType] = {t.key: t for t in ACTIVITY_TYPES}


def activity_iri(kind: str, key: uuid.UUID | str) -> str:
    """`{site}/xapi/activities/<kind>/<immutable uuid>`: never a slug, so renames never split history."""
    return f"{site_root()}/xapi/activities/{kind}/{key}"


def parse_activity_iri(iri: str) -> tuple[str, str] | None:
    """(kind, key) for an activity IRI Guild minted on this site, else None."""
    match = re.fullmatch(re.escape(site_root()) + r"/xapi/activities/([a-z-]+)/([0-9a-fA-F-]{36})", iri)
    if not match or match.group(1) not in ACTIVITY_KINDS:
        return None
    return match.group(1), match.group(2).lower()


@dataclass(frozen=True)
class ActivityRef:
    """An Activity Guild owns. `interaction` holds cmi.interaction fields for knowledge checks."""

    kind: str
    key: uuid.UUID | str
    name: str
    description: str = ""
    # Excluded from the hash (dicts aren't hashable) but not from equality, so hashing stays consistent.
    interaction: Mapping[str, Any] | None = field(default=None, hash=False)

    @property
    def iri(self) -> str:
        return activity_iri(self.kind, self.key)

    @property
    def type_iri(self) -> str:
        return ACTIVITY_KINDS[self.kind].iri


@dataclass(frozen=True)
class StatementResult:
    score_raw: float | None = None
    score_min: float | None = None
    score_max: float | None = None
    score_scaled: float | None = None
    success: bool | None = None
    completion: bool | None = None
    response: str | None = None
    duration: timedelta | None = None
    extensions: Mapping[Extension, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StatementContext:
    """registration: the enrolment's; parent: the direct container; grouping: its ancestors."""

    registration: uuid.UUID | None = None
    parent: Sequence[ActivityRef] = ()
    grouping: Sequence[ActivityRef] = ()
    revision: str | None = None
    extensions: Mapping[Extension, Any] = field(default_factory=dict)


def tag_activity(tag: Any) -> ActivityRef:
    """A topic tag as an activity: `{site}/xapi/activities/tag/<slug>` (taggit tags have no immutable id)."""
    return ActivityRef(kind="tag", key=tag.slug, name=tag.name)
