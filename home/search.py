"""Site search at /search/ (DESIGN.md §3): one box across courses, lessons, threads, replies, shared notes, people.

Each kind of result is a `SearchSource` in `SEARCH_SOURCES`; a source applies the viewer's
permissions to the queryset *before* the search backend ranks it, so nothing the viewer may not see
is ever a candidate: drafts and unpublished pages, lessons of unpublished courses, discussions of
courses the viewer does not take part in, hidden or deleted posts, private notes.

Ranking uses Wagtail's search backend (`wagtail.search.backends.database`: PostgreSQL full-text
search in production, a portable fallback on SQLite). People are matched on names, job titles and
teams with plain lookups: the account table is not indexed, and only signed-in people search people.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import nh3
from django.db.models import Q
from django.utils.text import Truncator
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

    from accounts.models import User

    Viewer = User | AnonymousUser

MAX_QUERY_LENGTH = 200
SNIPPET_WORDS = 30


@dataclass(frozen=True)
class SearchResult:
    kind: str
    title: str
    url: str
    snippet: str = ""
    meta: str = ""
    when: datetime | None = None


@dataclass(frozen=True)
class SearchSource:
    """One kind of result. `search(query, viewer, request, offset, limit)` returns results the viewer may see."""

    key: str
    label: str
    search: Callable[[str, Any, Any, int, int], list[SearchResult]]
    signed_in_only: bool = False


def _text(html: str) -> str:
    return Truncator(" ".join(nh3.clean(html or "", tags=set()).split())).words(SNIPPET_WORDS)


def _backend():
    return get_search_backend()


def _signed_in(viewer: Viewer | None) -> bool:
    return bool(viewer is not None and viewer.is_authenticated)


def _live_courses():
    from courses.models import CoursePage

    return CoursePage.objects.live().public()


def readable_course_ids(viewer: Viewer) -> list[int]:
    """Public live courses whose discussions the viewer reads (`discussions.permissions.participating_courses`),
    listed once per request: threads, replies and notes all ask."""
    from discussions import permissions

    if not _signed_in(viewer):
        return []
    cached = viewer.__dict__.get("_search_readable_courses")
    if cached is None:
        cached = list(permissions.participating_courses(viewer).public().values_list("pk", flat=True))
        viewer.__dict__["_search_readable_courses"] = cached
    return cached


def _courses(query: str, viewer: Viewer, request: HttpRequest, offset: int, limit: int) -> list[SearchResult]:
    results = _backend().search(query, _live_courses().defer_streamfields())[offset : offset + limit]
    return [
        SearchResult(kind="course", title=course.title, url=course.get_url(request), snippet=course.summary)
        for course in results
    ]


def _lessons(query: str, viewer: Viewer, request: HttpRequest, offset: int, limit: int) -> list[SearchResult]:
    """Live lessons of live courses. Only the title and summary are shown: the body is for the enrolled."""
    from courses.models import LessonPage

    courses = {course.path: course for course in _live_courses().defer_streamfields().only("path", "title")}
    live_paths = Q()
    for path in courses:
        live_paths |= Q(path__startswith=path)
    if not courses:
        return []
    lessons = LessonPage.objects.live().public().filter(live_paths).defer_streamfields()
    results = _backend().search(query, lessons)[offset : offset + limit]
    return [
        SearchResult(
            kind="lesson",
            title=lesson.title,
            url=lesson.get_url(request),
            snippet=lesson.summary,
            meta=courses[lesson.path[: -Page.steplen]].title if lesson.path[: -Page.steplen] in courses else "",
        )
        for lesson in results
    ]


def _threads(query: str, viewer: Viewer, request: HttpRequest, offset: int, limit: int) -> list[SearchResult]:
    from discussions.models import Thread

    course_ids = readable_course_ids(viewer)
    if not course_ids:
        return []
    threads = Thread.objects.filter(course__in=course_ids, hidden_at=None, deleted_at=None).select_related(
        "lesson", "author"
    )
    results = _backend().search(query, threads)[offset : offset + limit]
    return [
        SearchResult(
            kind="thread",
            title=thread.title,
            url=thread.get_absolute_url(),
            snippet=_text(thread.body_html),
            meta=f"{thread.get_kind_display()} by {thread.author.display_name} on {thread.lesson.title}",
            when=thread.created_at,
        )
        for thread in results
    ]


def _replies(query: str, viewer: Viewer, request: HttpRequest, offset: int, limit: int) -> list[SearchResult]:
    from discussions.models import Reply, Thread

    course_ids = readable_course_ids(viewer)
    if not course_ids:
        return []
    # A subquery, not a list of ids: the database backends apply it as SQL (an Elasticsearch backend would
    # need the ids listed instead).
    threads = Thread.objects.filter(course__in=course_ids, hidden_at=None, deleted_at=None).values("pk")
    replies = Reply.objects.filter(thread__in=threads, hidden_at=None, deleted_at=None).select_related(
        "thread", "author"
    )
    results = _backend().search(query, replies)[offset : offset + limit]
    return [
        SearchResult(
            kind="reply",
            title=f"Reply in “{reply.thread.title}”",
            url=reply.get_absolute_url(),
            snippet=_text(reply.body_html),
            meta=f"by {reply.author.display_name}",
            when=reply.created_at,
        )
        for reply in results
    ]


def _notes(query: str, viewer: Viewer, request: HttpRequest, offset: int, limit: int) -> list[SearchResult]:
    """Shared notes of live lessons in courses the viewer takes part in; never private ones, never a hidden name."""
    from courses.models import LessonPage
    from discussions.models import Note, NoteVisibility

    course_ids = readable_course_ids(viewer)
    if not course_ids:
        return []
    notes = Note.objects.filter(
        course__in=course_ids, visibility=NoteVisibility.SHARED, lesson__in=LessonPage.objects.live().values("pk")
    ).select_related("lesson", "author")
    results = _backend().search(query, notes)[offset : offset + limit]
    return [
        SearchResult(
            kind="note",
            title=f"Note on “{note.lesson.title}”",
            url=f"{note.lesson.url}#note-{note.activity_id}",
            snippet=_text(note.body_html),
            meta="by a classmate"
            if note.anonymous and note.author_id != viewer.pk
            else f"by {note.author.display_name}",
            when=note.shared_at,
        )
        for note in results
    ]


def _people(query: str, viewer: Viewer, request: HttpRequest, offset: int, limit: int) -> list[SearchResult]:
    from accounts.models import User

    people = User.objects.filter(is_active=True)
    for word in query.split()[:5]:
        people = people.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(job_title__icontains=word)
            | Q(team__icontains=word)
        )
    return [
        SearchResult(
            kind="person",
            title=person.display_name,
            url=f"/people/{person.username}/",
            meta=", ".join(part for part in (person.job_title, person.team) if part),
        )
        for person in people.order_by("first_name", "last_name", "username")[offset : offset + limit]
    ]


SEARCH_SOURCES: list[SearchSource] = [
    SearchSource("courses", "Courses", _courses),
    SearchSource("lessons", "Lessons", _lessons),
    SearchSource("threads", "Questions and discussions", _threads, signed_in_only=True),
    SearchSource("replies", "Replies", _replies, signed_in_only=True),
    SearchSource("notes", "Shared notes", _notes, signed_in_only=True),
    SearchSource("people", "People", _people, signed_in_only=True),
]


@dataclass
class SearchSection:
    source: SearchSource
    results: list[SearchResult]
    has_more: bool


@dataclass
class SearchPage:
    query: str
    kind: str
    sources: Sequence[SearchSource]
    sections: list[SearchSection]
    page: int = 1

    @property
    def total_shown(self) -> int:
        return sum(len(section.results) for section in self.sections)


def clean_query(query: str) -> str:
    """Words only, lower-cased: punctuation and AND/OR/NOT would be operators to the full-text engines
    (SQLite's FTS5 rejects a stray quote or `<` outright), and nobody means them in a search box."""
    return " ".join(word.lower() for word in re.findall(r"\w+", (query or "")[: MAX_QUERY_LENGTH * 2]))[
        :MAX_QUERY_LENGTH
    ].strip()


def sources_for(viewer: Viewer) -> list[SearchSource]:
    return [source for source in SEARCH_SOURCES if _signed_in(viewer) or not source.signed_in_only]


def site_search(
    *, query: str, viewer: Viewer, request: HttpRequest, kind: str = "", page: int = 1, per_page: int = 20
) -> SearchPage:
    """The selector behind /search/: every kind (a few each), or one kind a page at a time.

    Unknown kinds fall back to all; a blank query searches nothing. Costs a fixed number of queries
    per source (the search, plus the viewer's readable courses), whatever the data.
    """
    query = clean_query(query)
    sources = sources_for(viewer)
    keys = {source.key for source in sources}
    kind = kind if kind in keys else ""
    page = max(1, page)
    result = SearchPage(query=query, kind=kind, sources=sources, sections=[], page=page)
    if not query:
        return result
    if kind:
        source = next(s for s in sources if s.key == kind)
        found = source.search(query, viewer, request, (page - 1) * per_page, per_page + 1)
        result.sections.append(SearchSection(source, found[:per_page], len(found) > per_page))
        return result
    for source in sources:
        found = source.search(query, viewer, request, 0, 6)
        if found:
            result.sections.append(SearchSection(source, found[:5], len(found) > 5))
    return result
