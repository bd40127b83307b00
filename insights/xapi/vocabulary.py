"""The verbs, activity types and extensions Guild emits.

Standard IRIs come from ADL, TinCan/xAPI registry, ActivityStreams and community profiles;
IRIs Guild mints live under `{site}/xapi/...` and resolve to a description (insights.views).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


@functools.cache
def site_root() -> str:
    """The site's base URL (WAGTAILADMIN_BASE_URL) without a trailing slash, read once.

    Every stored statement asks for it (its columns and authority), and on the LRS ingest path the
    lazy settings lookup cost more than the rest of `statement_columns`.
    """
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


@receiver(setting_changed)
def _forget_site_root(*, setting: str, **kwargs: Any) -> None:
    if setting == "WAGTAILADMIN_BASE_URL":
        site_root.cache_clear()


def minted_iri(kind: str, name: str) -> str:
    """An IRI Guild owns: kind is one of verbs, activity-types, extensions."""
    return f"{site_root()}/xapi/{kind}/{name}"


@dataclass(frozen=True)
class Verb:
    key: str
    display: str
    description: str
    standard_iri: str = ""

    @property
    def iri(self) -> str:
        return self.standard_iri or minted_iri("verbs", self.key)

    @property
    def minted(self) -> bool:
        return not self.standard_iri


REGISTERED = Verb("registered", "registered", "Enrolled in a course.", "http://adlnet.gov/expapi/verbs/registered")
UNREGISTERED = Verb("unregistered", "unregistered", "Left a course.", "http://id.tincanapi.com/verb/unregistered")
EXPERIENCED = Verb("experienced", "experienced", "Opened a lesson.", "http://adlnet.gov/expapi/verbs/experienced")
ANSWERED = Verb("answered", "answered", "Answered a knowledge check.", "http://adlnet.gov/expapi/verbs/answered")
COMPLETED = Verb(
    "completed", "completed", "Completed a lesson or a course.", "http://adlnet.gov/expapi/verbs/completed"
)
POSTED = Verb("posted", "posted", "Started a thread or replied.", "https://w3id.org/xapi/acrossx/verbs/posted")
EDITED = Verb("edited", "edited", "Edited a post.", "https://w3id.org/xapi/acrossx/verbs/edited")
DELETED = Verb("deleted", "deleted", "Deleted a post.", "https://w3id.org/xapi/dod-isd/verbs/deleted")
VOTED_UP = Verb("voted-up", "voted up", "Marked a post as helpful.", "http://id.tincanapi.com/verb/voted-up")
UNVOTED = Verb("unvoted", "withdrew vote", "Withdrew a helpful vote (a new fact, never a voiding).")
ACCEPTED = Verb("accepted", "accepted", "Accepted a reply as the answer to a question.")
UNACCEPTED = Verb(
    "unaccepted",
    "withdrew acceptance of",
    "Withdrew the acceptance of a reply as the answer (a new fact, never a voiding).",
)
ANNOTATED = Verb("annotated", "annotated", "Wrote a note on a lesson.", "https://w3id.org/xapi/acrossx/verbs/annotated")
SHARED = Verb("shared", "shared", "Shared a note with the course's learners.", "http://adlnet.gov/expapi/verbs/shared")
RATED = Verb("rated", "rated", "Rated a lesson or a course.", "http://id.tincanapi.com/verb/rated")
UNRATED = Verb("unrated", "withdrew rating", "Withdrew a rating and its review (a new fact, never a voiding).")
FOLLOWED = Verb("follow", "followed", "Followed a person, course or tag.", "http://activitystrea.ms/schema/1.0/follow")
STOPPED_FOLLOWING = Verb(
    "stop-following", "stopped following", "Stopped following.", "http://activitystrea.ms/schema/1.0/stop-following"
)
FLAGGED = Verb(
    "flag-as-inappropriate", "flagged", "Flagged a post.", "http://activitystrea.ms/schema/1.0/flag-as-inappropriate"
)
HID = Verb("hid", "hid", "A moderator hid a post.")
RESTORED = Verb("restored", "restored", "A moderator restored a hidden post.")
PINNED = Verb("pinned", "pinned", "A moderator pinned a thread to the top of its lesson.")
UNPINNED = Verb("unpinned", "unpinned", "A moderator unpinned a thread.")
CLOSED = Verb("closed", "closed", "A moderator closed a thread to new replies.")
REOPENED = Verb("reopened", "reopened", "A moderator reopened a closed thread.")
DISMISSED = Verb("dismissed", "dismissed flags on", "A moderator dismissed the open flags on a post.")
MUTED = Verb("muted", "muted", "A moderator stopped a person posting for a while.")
ROUTED = Verb("routed", "routed", "An unanswered question was routed to someone who may know.")
DECLINED = Verb("declined", "declined", "Said they can't help with a question routed to them.")
PUBLISHED = Verb(
    "published", "published", "An author published a course or lesson.", "https://w3id.org/xapi/dod-isd/verbs/published"
)

VERBS: tuple[Verb, ...] = (
    REGISTERED, UNREGISTERED, EXPERIENCED, ANSWERED, COMPLETED, POSTED, EDITED, DELETED, VOTED_UP, UNVOTED,
    ACCEPTED, ANNOTATED, SHARED, RATED, FOLLOWED, STOPPED_FOLLOWING, FLAGGED, HID, RESTORED, ROUTED, PUBLISHED,
    PINNED, UNPINNED, CLOSED, REOPENED, DISMISSED, MUTED, UNACCEPTED, DECLINED, UNRATED,
)  # fmt: skip
MINTED_VERBS = {verb.key: verb for verb in VERBS if verb.minted}


def verb_by_iri(iri: str) -> Verb | None:
    return next((verb for verb in VERBS if verb.iri == iri), None)


@dataclass(frozen=True)
class ActivityType:
    key: str
    name: str
    description: str
    standard_iri: str = ""

    @property
    def iri(self) -> str:
        return self.standard_iri or minted_iri("activity-types", self.key)


COURSE = ActivityType("course", "Course", "A Guild course.", "http://adlnet.gov/expapi/activities/course")
LESSON = ActivityType("lesson", "Lesson", "A lesson in a Guild course.", "http://adlnet.gov/expapi/activities/lesson")
QUESTION = ActivityType(
    "question",
    "Knowledge check",
    "A knowledge check inside a lesson.",
    "http://adlnet.gov/expapi/activities/cmi.interaction",
)
THREAD = ActivityType(
    "thread", "Discussion thread", "A thread on a lesson.", "http://id.tincanapi.com/activitytype/discussion"
)
REPLY = ActivityType("reply", "Reply", "A reply in a thread.", "http://id.tincanapi.com/activitytype/forum-reply")
NOTE = ActivityType("note", "Note", "A learner's note on a lesson.")
TAG = ActivityType("tag", "Tag", "A topic tag.", "http://id.tincanapi.com/activitytype/tag")
REVIEW = ActivityType("review", "Review", "A learner's written review with a rating of a lesson or a course.")

ACTIVITY_TYPES: tuple[ActivityType, ...] = (COURSE, LESSON, QUESTION, THREAD, REPLY, NOTE, TAG, REVIEW)
MINTED_ACTIVITY_TYPES = {t.key: t for t in ACTIVITY_TYPES if not t.standard_iri}


@dataclass(frozen=True)
class Extension:
    key: str
    description: str

    @property
    def iri(self) -> str:
        return minted_iri("extensions", self.key)


VISIBILITY = Extension("visibility", "Whether a note is private to its writer or shared with the course's learners.")
NOTE_TEXT = Extension("note-text", "The text of a shared note, included only when the export policy allows.")
FLAG_REASON = Extension("flag-reason", "Why a post was flagged: spam, off-topic, abusive or other.")
ROUTED_TO = Extension("routed-to", "The account a question was routed to.")
BLOCK_ID = Extension("block-id", "The lesson block (StreamField block id) the action refers to.")
MODERATION_REASON = Extension("moderation-reason", "Why a moderator acted (hid, closed, muted…), as they wrote it.")
MUTED_UNTIL = Extension("muted-until", "When a mute ends (ISO 8601, UTC).")
EXTENSIONS: dict[str, Extension] = {
    e.key: e for e in (VISIBILITY, NOTE_TEXT, FLAG_REASON, ROUTED_TO, BLOCK_ID, MODERATION_REASON, MUTED_UNTIL)
}


def profile_iri() -> str:
    """Sent as contextActivities.category on every Guild statement."""
    return f"{site_root()}/xapi/profile/v1.0"
