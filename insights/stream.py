"""The activity stream: a projection of the Statement store, read for one viewer (DESIGN.md §2, rules 3 and 4).

No second event table: the stream reads `Statement` rows through their indexed columns (verb,
actor_user, course_iri, object_id, stored) and turns them into sentences. Permissions are applied
here, for every caller (home page, /stream/, tests), in two layers:

1. in SQL: only stream verbs; discussion-like statements (posts, accepted answers, shared notes,
   reviews) only from courses the viewer takes part in (enrolled, author, moderator); lessons
   published and course completions only from live, public courses; completions of people who
   opted out never; the viewer's own actions and voided statements never;
2. per row, against the current state: hidden or deleted posts, answers no longer accepted,
   unpublished lessons, notes no longer shared, and unknown actors are dropped.

Pages are keyset-paginated on (stored, id), newest first, with an opaque cursor, so page N costs
the same as page 1. A page costs a fixed number of queries whatever the store holds (see
tests/home/test_stream_queries.py and bench/stream.py).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, F, OuterRef, Q
from django.utils.dateparse import parse_datetime

from discussions import permissions

from .models import Statement, after_in_stored_order
from .xapi import vocabulary as xapi
from .xapi.activities import activity_iri, parse_activity_iri

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from courses.models import CoursePage, LessonPage

    Viewer = User | AnonymousUser

FILTERS = {
    "all": "Everything",
    "courses": "My courses",
    "people": "People I follow",
    "questions": "Questions",
}
PAGE_SIZE = 20
REVIEW_PREVIEW = 280

# Verbs whose statements reveal what people said: only from courses the viewer takes part in.
MEMBER_VERBS = (xapi.POSTED, xapi.ACCEPTED, xapi.SHARED, xapi.RATED)
# Verbs about public things: lessons published, courses completed.
PUBLIC_VERBS = (xapi.PUBLISHED, xapi.COMPLETED)


@dataclass
class StreamItem:
    """One sentence: `kind` picks the wording in templates/home/_stream_item.html."""

    kind: str  # question · discussion · answer · note · review · completion · lesson · course
    actor: User
    timestamp: datetime
    title: str
    url: str
    course: CoursePage | None = None
    lesson: LessonPage | None = None
    other: User | None = None  # whose answer was accepted
    score: int | None = None
    review: str = ""


@dataclass
class StreamPage:
    items: list[StreamItem]
    next_cursor: str = ""
    filter: str = "all"
    scope_empty: bool = False


@dataclass
class _Scope:
    courses: dict[str, CoursePage] = field(default_factory=dict)  # live, public: iri → course
    member_iris: set[str] = field(default_factory=set)  # the viewer takes part (or moderates)
    mine_iris: set[str] = field(default_factory=set)  # enrolled in or authoring
    followed_course_iris: set[str] = field(default_factory=set)
    private_q: Q = field(default_factory=Q)


# --- cursor ---------------------------------------------------------------------------------------


def encode_cursor(stored: datetime, statement_id: uuid.UUID) -> str:
    raw = f"{stored.isoformat()}|{statement_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID] | None:
    """(stored, id) from a cursor, or None when it is missing or malformed (then: the first page)."""
    if not cursor or len(cursor) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stored_text, id_text = raw.split("|", 1)
        stored = parse_datetime(stored_text)
        statement_id = uuid.UUID(id_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if stored is None or stored.tzinfo is None:
        return None
    return stored, statement_id


# --- scope: what the viewer may see and has chosen to follow ---------------------------------------


def _scope(viewer: User) -> _Scope:
    """Two queries: the private sections, then every live public course annotated with the viewer's
    membership and follows (direct or through a tag). Followed people stay a subquery of the
    statement query, so following 50 or 5,000 people costs the same."""
    from courses.models import CoursePage, Enrolment
    from discussions.models import Follow

    scope = _Scope()
    private = CoursePage.objects.all().private_q()
    scope.private_q = private
    enrolled = Enrolment.objects.filter(user_id=viewer.pk, course_id=OuterRef("pk"), unenrolled_at=None)
    authoring = CoursePage.authors.through.objects.filter(user_id=viewer.pk, coursepage_id=OuterRef("pk"))
    follows = Follow.objects.filter(follower_id=viewer.pk)
    tagged = CoursePage.tags.through.objects.filter(
        content_object_id=OuterRef("pk"), tag_id__in=follows.filter(tag__isnull=False).values("tag_id")
    )
    moderating = viewer.groups.through.objects.filter(user_id=viewer.pk, group__name=permissions.MODERATORS_GROUP)
    courses = (
        CoursePage.objects.live()
        .exclude(private)
        .annotate(
            is_mine=Exists(enrolled) | Exists(authoring),
            is_followed=Exists(follows.filter(course_id=OuterRef("pk"))) | Exists(tagged),
            viewer_moderates=Exists(moderating),
        )
        .only("title", "url_path", "path", "depth", "activity_id", "live")
    )
    for course in courses:
        iri = activity_iri("course", course.activity_id)
        scope.courses[iri] = course
        if course.is_mine:
            scope.mine_iris.add(iri)
        if course.is_mine or course.viewer_moderates or viewer.is_superuser:
            scope.member_iris.add(iri)
        if course.is_followed:
            scope.followed_course_iris.add(iri)
    return scope


def _followed_people(viewer: User) -> Any:
    from discussions.models import Follow

    return Follow.objects.filter(follower_id=viewer.pk, user__isnull=False).values("user_id")


def _thread_prefix() -> str:
    return activity_iri("thread", "")


def _statements(viewer: User, scope: _Scope, stream_filter: str, actor: User | None = None) -> Any:
    """The statements the viewer may see under a filter, newest first (one query when evaluated).

    With `actor` (a profile's recent activity): only theirs, and only completions unless they show
    their contributions (or it is the viewer's own profile).
    """
    member = list(scope.member_iris)
    visible = list(scope.courses)
    permitted = (
        (Q(verb=xapi.POSTED.iri) & Q(object_id__startswith=_thread_prefix()) & Q(course_iri__in=member))
        | (Q(verb__in=[xapi.ACCEPTED.iri, xapi.SHARED.iri]) & Q(course_iri__in=member))
        | (Q(verb=xapi.RATED.iri) & Q(course_iri__in=member) & Q(data__result__has_key="response"))
        | (Q(verb=xapi.PUBLISHED.iri) & Q(course_iri__in=visible))
        | (Q(verb=xapi.COMPLETED.iri) & Q(object_id=F("course_iri")) & Q(course_iri__in=visible))
    )
    if stream_filter == "questions":
        permitted = Q(verb=xapi.POSTED.iri) & Q(object_id__startswith=_thread_prefix()) & Q(course_iri__in=member)
    followed_people = _followed_people(viewer)
    if actor is not None:
        if not (actor.show_contributions or actor.pk == viewer.pk):
            permitted = Q(verb=xapi.COMPLETED.iri) & Q(object_id=F("course_iri")) & Q(course_iri__in=visible)
        return (
            Statement.objects.filter(permitted, actor_user_id=actor.pk, voided=False)
            .exclude(verb=xapi.COMPLETED.iri, actor_user__show_completions=False)
            .only("id", "verb", "actor_user_id", "object_id", "course_iri", "lesson_iri", "stored", "timestamp", "data")
            .order_by("-stored", "-id")
        )
    if stream_filter == "courses":
        chosen = Q(course_iri__in=list(scope.mine_iris))
    elif stream_filter == "people":
        chosen = Q(actor_user_id__in=followed_people)
    else:
        chosen = Q(course_iri__in=list(scope.mine_iris | scope.followed_course_iris)) | Q(
            actor_user_id__in=followed_people
        )
    return (
        Statement.objects.filter(permitted & chosen, voided=False)
        .exclude(actor_user_id=viewer.pk)
        # Completions of people who opted out never leave the database.
        .exclude(verb=xapi.COMPLETED.iri, actor_user__show_completions=False)
        .only("id", "verb", "actor_user_id", "object_id", "course_iri", "lesson_iri", "stored", "timestamp", "data")
        .order_by("-stored", "-id")
    )


def _scope_is_empty(viewer: User, scope: _Scope) -> bool:
    """Nothing to show because the viewer has joined and followed nothing (asked only when a page is empty)."""
    return not (scope.mine_iris or scope.followed_course_iris) and not _followed_people(viewer).exists()


# --- rows → sentences ------------------------------------------------------------------------------


def _key(iri: str, kind: str) -> str | None:
    parsed = parse_activity_iri(iri)
    return parsed[1] if parsed and parsed[0] == kind else None


def _actors(rows: list[Statement]) -> dict[str, User]:
    """Statement actor → active user, by actor_user or, for statements other tools sent, by public id."""
    from accounts.models import User

    ids = {row.actor_user_id for row in rows if row.actor_user_id}
    public_ids: set[uuid.UUID] = set()
    for row in rows:
        if not row.actor_user_id:
            name = ((row.data.get("actor") or {}).get("account") or {}).get("name", "")
            try:
                public_ids.add(uuid.UUID(name))
            except ValueError:
                continue
    if not ids and not public_ids:
        return {}
    users = User.objects.filter(Q(pk__in=ids) | Q(public_id__in=public_ids), is_active=True).only(
        "username", "first_name", "last_name", "public_id", "avatar", "show_completions"
    )
    found: dict[str, User] = {}
    for user in users:
        found[f"pk:{user.pk}"] = user
        found[f"public:{user.public_id}"] = user
    return found


def _actor_of(row: Statement, actors: dict[str, User]) -> User | None:
    if row.actor_user_id:
        return actors.get(f"pk:{row.actor_user_id}")
    name = ((row.data.get("actor") or {}).get("account") or {}).get("name", "")
    return actors.get(f"public:{name.lower()}")


def _load(rows: list[Statement], scope: _Scope) -> dict[str, Any]:
    """Everything the sentences name, in one query per kind of thing."""
    from courses.models import LessonPage
    from discussions.models import Note, NoteVisibility, Rating, Reply, Thread

    thread_keys, reply_keys, note_keys, lesson_keys, raters = set(), set(), set(), set(), set()
    for row in rows:
        if row.verb == xapi.POSTED.iri and (key := _key(row.object_id, "thread")):
            thread_keys.add(key)
        elif row.verb == xapi.ACCEPTED.iri and (key := _key(row.object_id, "reply")):
            reply_keys.add(key)
        elif row.verb == xapi.SHARED.iri and (key := _key(row.object_id, "note")):
            note_keys.add(key)
        elif row.verb == xapi.RATED.iri and row.actor_user_id and (key := _key(row.lesson_iri or "", "lesson")):
            raters.add(row.actor_user_id)
        if row.lesson_iri and (key := _key(row.lesson_iri, "lesson")):
            lesson_keys.add(key)
        if row.verb == xapi.PUBLISHED.iri and (key := _key(row.object_id, "lesson")):
            lesson_keys.add(key)
    loaded: dict[str, Any] = {"threads": {}, "replies": {}, "notes": {}, "ratings": {}, "lessons": {}}
    if thread_keys:
        loaded["threads"] = {
            str(t.activity_id): t
            for t in Thread.objects.filter(activity_id__in=thread_keys, hidden_at=None, deleted_at=None).only(
                "activity_id", "title", "kind", "course_id", "lesson_id"
            )
        }
    if reply_keys:
        loaded["replies"] = {
            str(r.activity_id): r
            for r in Reply.objects.filter(
                activity_id__in=reply_keys,
                hidden_at=None,
                deleted_at=None,
                thread__hidden_at=None,
                thread__deleted_at=None,
                thread__accepted_reply=F("pk"),
            ).select_related("thread", "author")
        }
    if note_keys:
        # Anonymous notes never name their writer outside the notes panel, so the stream leaves them out.
        loaded["notes"] = {
            str(note.activity_id): note
            for note in Note.objects.filter(
                activity_id__in=note_keys, visibility=NoteVisibility.SHARED, anonymous=False
            ).only("activity_id", "lesson_id")
        }
    if raters:
        # A review shows while it is the rating's current text and not hidden by a moderator or withdrawn.
        loaded["ratings"] = {
            (rating.author_id, str(rating.lesson_key)): rating
            for rating in Rating.objects.filter(
                author_id__in=raters, lesson__activity_id__in=lesson_keys, hidden_at=None
            )
            .exclude(review="")
            .annotate(lesson_key=F("lesson__activity_id"))
            .only("author_id", "stars", "review", "created_at", "edited_at")
        }
    if lesson_keys:
        loaded["lessons"] = {
            str(lesson.activity_id): lesson
            for lesson in LessonPage.objects.live()
            .exclude(scope.private_q)
            .filter(activity_id__in=lesson_keys)
            .defer_streamfields()
            .only("title", "url_path", "path", "depth", "activity_id")
        }
    return loaded


def _item(row: Statement, actor: User, scope: _Scope, loaded: dict[str, Any], stream_filter: str):
    course = scope.courses.get(row.course_iri)
    lesson_key = _key(row.lesson_iri, "lesson") if row.lesson_iri else None
    lesson = loaded["lessons"].get(lesson_key) if lesson_key else None
    common = {"actor": actor, "timestamp": row.timestamp, "course": course, "lesson": lesson}
    if course is None:
        return None
    verb = row.verb
    if verb == xapi.POSTED.iri:
        thread = loaded["threads"].get(_key(row.object_id, "thread") or "")
        if thread is None or (stream_filter == "questions" and not thread.is_question):
            return None
        kind = "question" if thread.is_question else "discussion"
        return StreamItem(kind=kind, title=thread.title, url=thread.get_absolute_url(), **common)
    if verb == xapi.ACCEPTED.iri:
        reply = loaded["replies"].get(_key(row.object_id, "reply") or "")
        if reply is None or not reply.author.is_active:
            return None
        return StreamItem(
            kind="answer", title=reply.thread.title, url=reply.get_absolute_url(), other=reply.author, **common
        )
    if verb == xapi.SHARED.iri:
        note = loaded["notes"].get(_key(row.object_id, "note") or "")
        if note is None or lesson is None:
            return None
        return StreamItem(kind="note", title=lesson.title, url=f"{lesson.url}#note-{note.activity_id}", **common)
    if verb == xapi.RATED.iri:
        rating = loaded["ratings"].get((row.actor_user_id, lesson_key or ""))
        if lesson is None or rating is None:
            return None
        if abs((rating.edited_at or rating.created_at) - row.timestamp) >= timedelta(milliseconds=1):
            return None  # an earlier version of a rating that has since changed
        review = " ".join(rating.review.split())
        raw = rating.stars
        if len(review) > REVIEW_PREVIEW:
            review = review[: REVIEW_PREVIEW - 1].rstrip() + "…"
        return StreamItem(
            kind="review",
            title=lesson.title,
            url=lesson.url,
            score=int(raw) if isinstance(raw, int | float) else None,
            review=review,
            **common,
        )
    if verb == xapi.COMPLETED.iri:
        if not actor.show_completions:
            return None
        return StreamItem(kind="completion", title=course.title, url=course.url, **common)
    if verb == xapi.PUBLISHED.iri:
        if row.object_id == row.course_iri:
            return StreamItem(kind="course", title=course.title, url=course.url, **common)
        published = loaded["lessons"].get(_key(row.object_id, "lesson") or "")
        if published is None:
            return None
        return StreamItem(kind="lesson", title=published.title, url=published.url, **{**common, "lesson": published})
    return None


def stream_for_viewer(
    *,
    viewer: Viewer,
    stream_filter: str = "all",
    cursor: str = "",
    page_size: int = PAGE_SIZE,
    actor: User | None = None,
) -> StreamPage:
    """A page of the viewer's activity stream, newest first. Anonymous viewers get an empty page.

    Reads over-fetch (twice the page) so rows dropped by the per-row checks rarely shorten a page;
    the cursor points after the last row read, so nothing is skipped or repeated between pages.
    A republished lesson appears once per page.
    """
    stream_filter = stream_filter if stream_filter in FILTERS else "all"
    if not permissions.signed_in(viewer):
        return StreamPage(items=[], filter=stream_filter, scope_empty=True)
    scope = _scope(viewer)
    statements = _statements(viewer, scope, stream_filter, actor)
    position = decode_cursor(cursor)
    if position is not None:
        stored, statement_id = position
        statements = statements.filter(after_in_stored_order(stored, statement_id, descending=True))
    batch = page_size * 2
    rows = list(statements[:batch])
    actors = _actors(rows)
    loaded = _load(rows, scope)
    items: list[StreamItem] = []
    seen_publications: set[str] = set()
    last: Statement | None = None
    for row in rows:
        if len(items) >= page_size:
            break
        last = row
        person = _actor_of(row, actors)
        if person is None or (person.pk == viewer.pk and actor is None):
            continue
        if row.verb == xapi.PUBLISHED.iri:
            if row.object_id in seen_publications:
                continue
            seen_publications.add(row.object_id)
        item = _item(row, person, scope, loaded, stream_filter)
        if item is not None:
            items.append(item)
    more = last is not None and (last is not rows[-1] or len(rows) == batch)
    return StreamPage(
        items=items,
        next_cursor=encode_cursor(last.stored, last.id) if more and last else "",
        filter=stream_filter,
        scope_empty=not items and _scope_is_empty(viewer, scope),
    )
