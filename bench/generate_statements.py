"""Bulk statement generator: N varied, valid statements straight into the store, for benchmarks and volume tests.

Statements have the shape Guild's own builders produce (DESIGN.md §4: pseudonymous account actors,
deterministic-looking ids, full activity definitions, registration, parent/grouping/category, results),
plus a share from an external producer (mbox actors, foreign activities) and a few voiding statements.
They are written in batches, one transaction each, as a raw insert of values prepared by the model's own
fields (COPY on PostgreSQL, a prepared INSERT run with executemany elsewhere: about 3x faster than
`bulk_create`), bypassing `statement_record` on purpose: a million service calls would take hours,
and only the rows matter here.

    python bench/generate_statements.py 1000000            # SQLite in GUILD_DATA_DIR (default /tmp/guild-bench)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guild_bench python bench/generate_statements.py 1000000

As a function (the LRS benchmark and the volume tests reuse it, inside an already set-up Django):

    from bench.generate_statements import generate_statements
    generate_statements(100_000)

Stored timestamps increase with each statement generated (continuing after the newest one already
stored), so consecutive runs append and "the first N statements by stored" is a stable slice.
"""

from __future__ import annotations

import argparse
import bisect
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

THREAD_TITLES = (
    "How do I keep a meeting to time?",
    "Is an agenda always needed?",
    "What counts as personal data?",
    "Headings: sentence case or title case?",
    "=SUM(A1:A9) in my notes, why?",
)
# The shape of discussions (see `_Builder._discussion`).
REPLY_SHARE = 0.6  # of `posted` statements, replies to an earlier thread; the rest start a thread
ASKER_FOLLOW_UP_SHARE = 0.12  # of replies, the asker adding to their own thread (helps nobody)
ROUTE_AFTER = timedelta(hours=24)  # ROUTING_HELPERS_AFTER_HOURS' default
POOL_SIZE = 4000  # recent threads (and posts) later statements may point at: about three days' worth
ROUTED_REPLY_SHARE = 0.05  # of replies, one to a routed question still waiting (else a recent thread)
PICK_TRIES = 12  # random picks for a thread to accept in or route before posting a new thread instead
_DISCUSSION_KINDS = frozenset(("posted", "edited", "voted-up", "accepted", "flag-as-inappropriate", "routed"))

RESPONSES = (
    "Clear and practical.",
    "Too long, but useful.",
    '=HYPERLINK("http://evil.example","click")',
    "+1 from our team",
    "-- could use more examples",
    "@everyone should read this",
    "Loved the checklist.",
)


@dataclass(frozen=True)
class _Activity:
    iri: str
    type_iri: str
    name: str
    description: str = ""

    def as_json(self) -> dict[str, Any]:
        definition: dict[str, Any] = {"name": {"en": self.name}, "type": self.type_iri}
        if self.description:
            definition["description"] = {"en": self.description}
        return {"id": self.iri, "objectType": "Activity", "definition": definition}


@dataclass(frozen=True)
class _Course:
    activity: _Activity
    lessons: tuple[_Activity, ...]
    questions: tuple[_Activity, ...]


@dataclass(frozen=True)
class _Actor:
    user_id: int | None
    data: dict[str, Any]
    key: str


@dataclass(slots=True, eq=False)
class _Thread:
    """A thread the generator has posted: later replies, votes, accepts and routes point at it."""

    activity: _Activity
    asker: _Actor
    course: _Course
    index: int  # the lesson's position in the course
    posted: datetime  # its statement's timestamp: what follows it is timestamped after it
    replies: list[_Post]
    answered: bool = False  # a reply by someone other than the asker
    accepted: bool = False
    routed_to: _Actor | None = None


@dataclass(slots=True, eq=False)
class _Post:
    """A thread or a reply, with its author: what votes, edits and flags point at."""

    activity: _Activity
    author: _Actor
    thread: _Thread
    is_reply: bool
    posted: datetime


def _verb(iri: str, display: str) -> dict[str, Any]:
    return {"id": iri, "display": {"en": display}}


def bench_team(index: int) -> str:
    """Eight teams of bench users; every tenth user is in none (as people who never set one)."""
    return "" if index % 10 == 0 else f"Team {'ABCDEFGH'[index % 8]}"


def ensure_fixtures(*, users: int, courses: int, lessons_per_course: int) -> tuple[list[_Actor], list[_Course]]:
    """Bench users (`bench-00001`…, unusable passwords) and live courses with lessons, created once and reused."""
    from django.conf import settings

    from accounts.models import User
    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from insights.xapi.vocabulary import COURSE, LESSON, QUESTION, site_root

    existing = set(User.objects.filter(username__startswith="bench-").values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(username=name, password="!", first_name="Bench", last_name=f"{index:05d}", team=bench_team(index))  # noqa: S106 (unusable)
            for index in range(1, users + 1)
            if (name := f"bench-{index:05d}") not in existing
        ],
        batch_size=1000,
    )
    # Users made before they had teams get theirs, so the social dashboard's team graph has edges.
    for user in User.objects.filter(username__regex=r"^bench-[0-9]+$", team=""):  # not bench-analyst
        if team := bench_team(int(user.username.removeprefix("bench-"))):
            User.objects.filter(pk=user.pk).update(team=team)
    homepage = settings.XAPI_ACCOUNT_HOMEPAGE
    actors = [
        _Actor(
            user_id=pk,
            data={"objectType": "Agent", "account": {"homePage": homepage, "name": str(public_id)}},
            key=f"account:{homepage}|{public_id}",
        )
        for pk, public_id in User.objects.filter(username__startswith="bench-")
        .order_by("username")
        .values_list("pk", "public_id")[:users]
    ]

    catalogue = CourseIndexPage.objects.first()
    if catalogue is None:
        raise RuntimeError("No course catalogue page: run migrations first.")
    root = site_root()
    built: list[_Course] = []
    for index in range(1, courses + 1):
        slug = f"bench-course-{index}"
        course = CoursePage.objects.child_of(catalogue).filter(slug=slug).first()
        if course is None:
            course = catalogue.add_child(
                instance=CoursePage(title=f"Bench course {index}", slug=slug, summary="A generated course.")
            )
        lessons = list(LessonPage.objects.child_of(course).order_by("path"))
        for number in range(len(lessons) + 1, lessons_per_course + 1):
            lessons.append(
                course.add_child(
                    instance=LessonPage(title=f"Lesson {number} of course {index}", slug=f"lesson-{number}")
                )
            )
        lesson_activities = tuple(
            _Activity(f"{root}/xapi/activities/lesson/{lesson.activity_id}", LESSON.iri, lesson.title, lesson.summary)
            for lesson in lessons[:lessons_per_course]
        )
        questions = tuple(
            _Activity(
                f"{root}/xapi/activities/question/{uuid.uuid5(lesson.activity_id, 'q')}",
                QUESTION.iri,
                f"Knowledge check for {lesson.title}",
            )
            for lesson in lessons[:lessons_per_course]
        )
        built.append(
            _Course(
                _Activity(
                    f"{root}/xapi/activities/course/{course.activity_id}", COURSE.iri, course.title, course.summary
                ),
                lesson_activities,
                questions,
            )
        )
    return actors, built


class _Builder:
    """Builds one statement's data and indexed columns at a time; all randomness from one seeded RNG."""

    def __init__(self, actors: Sequence[_Actor], courses: Sequence[_Course], rng: random.Random) -> None:
        from django.conf import settings

        from insights.xapi import vocabulary as v

        self.rng = rng
        self.actors = actors
        self.courses = courses
        self.root = v.site_root()
        self.category = [{"id": v.profile_iri(), "objectType": "Activity"}]
        self.platform = settings.XAPI_PLATFORM
        self.authority = {"objectType": "Agent", "account": {"homePage": self.root, "name": "guild"}}
        self.thread_type = v.THREAD.iri
        self.reply_type = v.REPLY.iri
        self.note_type = v.NOTE.iri
        self.verbs = {verb.key: _verb(verb.iri, verb.display) for verb in v.VERBS}
        self.visibility_iri = v.VISIBILITY.iri
        self.flag_iri = v.FLAG_REASON.iri
        self.routed_to_iri = v.ROUTED_TO.iri
        self.threads: list[_Thread] = []  # recent threads, oldest first
        self.posts: list[_Post] = []  # recent threads and replies, oldest first
        self.routed: list[_Thread] = []  # routed questions nobody has answered yet, as far as it knows
        # (kind, weight): the mix of a lively site, reads dominating.
        self.kinds, self.weights = zip(
            *(
                ("experienced", 34),
                ("answered", 14),
                ("completed", 11),
                ("registered", 6),
                ("posted", 8),
                ("voted-up", 6),
                ("rated", 5),
                ("annotated", 4),
                ("shared", 2),
                ("follow", 3),
                ("unregistered", 1),
                ("accepted", 1),
                ("routed", 1),
                ("flag-as-inappropriate", 1),
                ("edited", 1),
                ("external", 3),
            ),  # fmt: skip
            strict=True,
        )
        self.external_actors = [
            {"objectType": "Agent", "mbox": f"mailto:trainee{n}@partner.example"} for n in range(1, 51)
        ]

    def _context(self, actor: _Actor, course: _Course, parent: list[dict], grouping: list[dict]) -> dict[str, Any]:
        activities: dict[str, Any] = {"category": self.category}
        if parent:
            activities["parent"] = parent
        if grouping:
            activities["grouping"] = grouping
        return {
            "registration": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{actor.key}|{course.activity.iri}")),
            "contextActivities": activities,
            "platform": self.platform,
            "language": "en",
        }

    def build(self, moment: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
        """(data, columns) for one statement stored at `moment`."""
        rng = self.rng
        kind = rng.choices(self.kinds, self.weights)[0]
        if kind == "external":
            return self._external(moment)
        if kind in _DISCUSSION_KINDS:
            return self._discussion(kind, moment)
        actor = rng.choice(self.actors)
        course = rng.choice(self.courses)
        index = rng.randrange(len(course.lessons))
        lesson, question = course.lessons[index], course.questions[index]
        course_json = course.activity.as_json()
        lesson_json = lesson.as_json()
        result: dict[str, Any] | None = None
        extensions: dict[str, Any] | None = None
        lesson_iri = lesson.iri
        if kind in ("registered", "unregistered"):
            obj, parent, grouping, lesson_iri = course_json, [], [], ""
        elif kind == "experienced":
            obj, parent, grouping = lesson_json, [course_json], []
        elif kind == "answered":
            correct = rng.random() < 0.7
            obj = question.as_json()
            obj["definition"].update(
                interactionType="choice",
                correctResponsesPattern=["b"],
                choices=[{"id": c, "description": {"en": f"Option {c}"}} for c in "abc"],
            )
            parent, grouping = [lesson_json], [course_json]
            result = {
                "score": {"scaled": float(correct), "raw": float(correct), "min": 0.0, "max": 1.0},
                "success": correct,
                "response": "b" if correct else rng.choice("ac"),
            }
        elif kind == "completed":
            if rng.random() < 0.15:
                obj, parent, grouping, lesson_iri = course_json, [], [], ""
            else:
                obj, parent, grouping = lesson_json, [course_json], []
            result = {"completion": True, "duration": f"PT{rng.randrange(1, 90)}M{rng.randrange(0, 60)}S"}
        elif kind == "rated":
            raw = rng.randint(1, 5)
            obj, parent, grouping = lesson_json, [course_json], []
            result = {
                "score": {"scaled": (raw - 1) / 4, "raw": float(raw), "min": 1.0, "max": 5.0},
                "response": rng.choice(RESPONSES),
            }
        elif kind == "annotated":
            obj, parent, grouping = lesson_json, [course_json], []
            extensions = {self.visibility_iri: rng.choice(("private", "shared"))}
        elif kind == "shared":
            key = uuid.UUID(int=rng.getrandbits(128), version=4)
            obj = _Activity(f"{self.root}/xapi/activities/note/{key}", self.note_type, "Note").as_json()
            parent, grouping = [lesson_json], [course_json]
        else:  # follow a course
            obj, parent, grouping, lesson_iri = course_json, [], [], ""
        timestamp = moment - timedelta(milliseconds=rng.randrange(0, 5000))
        return self._statement(
            actor, course, kind, obj, parent, grouping, lesson_iri, moment, timestamp, result, extensions
        )

    def _statement(
        self,
        actor: _Actor,
        course: _Course,
        verb_key: str,
        obj: dict[str, Any],
        parent: list[dict],
        grouping: list[dict],
        lesson_iri: str,
        moment: datetime,
        timestamp: datetime,
        result: dict[str, Any] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        context = self._context(actor, course, parent, grouping)
        if extensions:
            context["extensions"] = extensions
        data: dict[str, Any] = {
            "actor": actor.data,
            "verb": self.verbs[verb_key],
            "object": obj,
            "context": context,
            "timestamp": _iso(timestamp),
        }
        if result is not None:
            data["result"] = result
        data["id"] = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        data["stored"] = _iso(moment)
        data["authority"] = self.authority
        data["version"] = "1.0.0"
        columns = {
            "actor_user_id": actor.user_id,
            "actor_key": actor.key,
            "verb": data["verb"]["id"],
            "object_id": obj["id"],
            "object_type": "Activity",
            "registration": context["registration"],
            "course_iri": course.activity.iri,
            "lesson_iri": lesson_iri,
            "timestamp": timestamp,
        }
        return data, columns

    # --- discussions: a consistent story, so the social and question aggregates have something to count ---

    def _discussion(self, kind: str, moment: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
        """A thread, a reply to an earlier thread, or an accept/vote/edit/flag/route of an earlier post.

        Everything points at posts generated before it (in this run), by the people discussions allow:
        accepts by the thread's asker of someone else's reply, edits by the author, votes and flags by
        others, routes of questions left without an answer for a day to someone else. When there is no
        such post yet (the start of a run), a new thread is posted instead.
        """
        rng = self.rng
        if kind == "posted":
            thread = None
            if rng.random() < REPLY_SHARE:
                thread = self._routed_thread() if rng.random() < ROUTED_REPLY_SHARE else None
                thread = thread or self._recent_thread()
            return self._new_thread(moment) if thread is None else self._reply(thread, moment)
        if kind == "accepted":
            return self._accept(moment) or self._new_thread(moment)
        if kind == "routed":
            return self._route(moment) or self._new_thread(moment)
        if not self.posts:
            return self._new_thread(moment)
        post = self.posts[-1 - int(len(self.posts) * rng.random() ** 2)]
        actor = post.author if kind == "edited" else self._other_than(post.author)
        extensions = None
        if kind == "flag-as-inappropriate":
            extensions = {self.flag_iri: rng.choice(("spam", "off-topic", "abusive", "other"))}
        return self._about_post(actor, kind, post.activity, post.thread, post.is_reply, moment, post.posted, extensions)

    def _about_post(
        self,
        actor: _Actor,
        verb_key: str,
        activity: _Activity,
        thread: _Thread,
        is_reply: bool,
        moment: datetime,
        after: datetime | None,
        extensions: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A statement about a thread (parent: its lesson) or a reply (parent: its thread), as discussions records."""
        course, lesson = thread.course, thread.course.lessons[thread.index]
        if is_reply:
            parent, grouping = [thread.activity.as_json()], [lesson.as_json(), course.activity.as_json()]
        else:
            parent, grouping = [lesson.as_json()], [course.activity.as_json()]
        timestamp = moment - timedelta(milliseconds=self.rng.randrange(0, 5000))
        if after is not None and timestamp <= after:
            timestamp = after + timedelta(milliseconds=1)  # never before what it answers (still before `moment`)
        return self._statement(
            actor, course, verb_key, activity.as_json(), parent, grouping, lesson.iri, moment, timestamp,
            extensions=extensions,
        )  # fmt: skip

    def _new_thread(self, moment: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
        rng = self.rng
        actor = rng.choice(self.actors)
        course = rng.choice(self.courses)
        key = uuid.UUID(int=rng.getrandbits(128), version=4)
        activity = _Activity(f"{self.root}/xapi/activities/thread/{key}", self.thread_type, rng.choice(THREAD_TITLES))
        thread = _Thread(activity, actor, course, rng.randrange(len(course.lessons)), moment, [])
        data, columns = self._about_post(actor, "posted", activity, thread, False, moment, None)
        thread.posted = columns["timestamp"]
        self._remember(self.threads, thread)
        self._remember(self.posts, _Post(activity, actor, thread, False, thread.posted))
        return data, columns

    def _reply(self, thread: _Thread, moment: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
        """A reply: mostly by someone else (first the person the question was routed to), sometimes the asker."""
        rng = self.rng
        if thread.routed_to is not None and not thread.answered and rng.random() < 0.7:
            author = thread.routed_to
        elif rng.random() < ASKER_FOLLOW_UP_SHARE:
            author = thread.asker
        else:
            author = self._other_than(thread.asker)
        key = uuid.UUID(int=rng.getrandbits(128), version=4)
        activity = _Activity(f"{self.root}/xapi/activities/reply/{key}", self.reply_type, "Reply")
        latest = thread.replies[-1].posted if thread.replies else thread.posted
        data, columns = self._about_post(author, "posted", activity, thread, True, moment, latest)
        post = _Post(activity, author, thread, True, columns["timestamp"])
        thread.replies.append(post)
        thread.answered = thread.answered or author.key != thread.asker.key
        self._remember(self.posts, post)
        return data, columns

    def _accept(self, moment: datetime) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The asker accepts someone else's reply in a thread that has one and no accepted answer yet."""
        rng = self.rng
        for _ in range(PICK_TRIES):
            thread = self._recent_thread()
            if thread is None or thread.accepted or not thread.answered:
                continue
            answers = [reply for reply in thread.replies if reply.author.key != thread.asker.key]
            reply = rng.choice(answers)
            thread.accepted = True
            return self._about_post(thread.asker, "accepted", reply.activity, thread, True, moment, reply.posted)
        return None

    def _route(self, moment: datetime) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """A question still unanswered a day after it was asked is routed to someone else (as `question_route`)."""
        rng = self.rng
        older = bisect.bisect_right(self.threads, moment - ROUTE_AFTER, key=lambda thread: thread.posted)
        for _ in range(PICK_TRIES if older else 0):
            thread = self.threads[rng.randrange(older)]
            if thread.answered or thread.routed_to is not None or thread.posted > moment - ROUTE_AFTER:
                continue
            thread.routed_to = self._other_than(thread.asker)
            self.routed.append(thread)
            extensions = {self.routed_to_iri: thread.routed_to.data["account"]}
            return self._about_post(thread.asker, "routed", thread.activity, thread, False, moment, thread.posted,
                                    extensions)  # fmt: skip
        return None

    def _routed_thread(self) -> _Thread | None:
        """A routed question still waiting for an answer (the person asked often gives it), if any."""
        while self.routed:
            thread = self.routed.pop(self.rng.randrange(len(self.routed)))
            if not thread.answered:
                return thread
        return None

    def _recent_thread(self) -> _Thread | None:
        """An earlier thread, recent ones far likelier (most replies come while a question is fresh)."""
        if not self.threads:
            return None
        return self.threads[-1 - int(len(self.threads) * self.rng.random() ** 3)]

    def _other_than(self, actor: _Actor) -> _Actor:
        if len(self.actors) < 2:
            return actor
        while (other := self.rng.choice(self.actors)).key == actor.key:
            pass
        return other

    @staticmethod
    def _remember(pool: list, item: Any) -> None:
        """Append, keeping the newest POOL_SIZE or so (trimmed in halves, so appends stay cheap)."""
        pool.append(item)
        if len(pool) > 2 * POOL_SIZE:
            del pool[:-POOL_SIZE]

    def _external(self, moment: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
        """A statement from a partner LMS: mbox actor, foreign activity, no Guild course."""
        rng = self.rng
        actor = rng.choice(self.external_actors)
        module = rng.randrange(1, 40)
        verb = rng.choice((("http://adlnet.gov/expapi/verbs/experienced", "experienced"),
                           ("http://adlnet.gov/expapi/verbs/completed", "completed")))  # fmt: skip
        obj = {
            "id": f"https://lms.partner.example/modules/{module}",
            "objectType": "Activity",
            "definition": {
                "name": {"en-US": f"Partner module {module}"},
                "type": "http://adlnet.gov/expapi/activities/module",
            },
        }
        timestamp = moment - timedelta(seconds=rng.randrange(0, 3600))
        data: dict[str, Any] = {
            "actor": actor,
            "verb": _verb(*verb),
            "object": obj,
            "timestamp": _iso(timestamp),
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "stored": _iso(moment),
            "authority": {"objectType": "Agent", "mbox": "mailto:lms@partner.example"},
            "version": "1.0.0",
        }
        if verb[1] == "completed":
            data["result"] = {"completion": True, "success": rng.random() < 0.8, "duration": "PT12M"}
        columns = {
            "actor_user_id": None,
            "actor_key": f"mbox:{actor['mbox']}",
            "verb": verb[0],
            "object_id": obj["id"],
            "object_type": "Activity",
            "registration": None,
            "course_iri": "",
            "lesson_iri": "",
            "timestamp": timestamp,
        }
        return data, columns

    def voiding(self, target: dict[str, Any], moment: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
        """A voiding statement by the target's actor (Guild's own authority, as an admin correction)."""
        data: dict[str, Any] = {
            "actor": target["actor"],
            "verb": _verb("http://adlnet.gov/expapi/verbs/voided", "voided"),
            "object": {"objectType": "StatementRef", "id": target["id"]},
            "timestamp": _iso(moment),
            "id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "stored": _iso(moment),
            "authority": self.authority,
            "version": "1.0.0",
        }
        return data, {"verb": data["verb"]["id"], "object_id": target["id"], "object_type": "StatementRef",
                      "registration": None, "course_iri": "", "lesson_iri": "", "timestamp": moment}  # fmt: skip


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def generate_statements(
    count: int,
    *,
    users: int = 200,
    courses: int = 6,
    lessons_per_course: int = 8,
    batch_size: int = 10_000,
    seed: int = 0,
    interval: timedelta = timedelta(seconds=2),
    voided_share: float = 0.002,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Append `count` statements to the store; return how many were written.

    Fixtures (users, courses, lessons) are created on first use and reused. Each batch is one
    transaction; `interval` separates consecutive stored timestamps, continuing after the newest
    stored statement, so ordering by stored is ordering by generation. About `voided_share` of
    the statements are voided by a voiding statement in the same batch (the target's `voided` is set).
    Deterministic for a given seed and starting point, except the user-facing public ids of new users.
    """
    from django.db import connection, transaction

    from insights.models import Statement

    actors, built_courses = ensure_fixtures(users=users, courses=courses, lessons_per_course=lessons_per_course)
    newest = Statement.objects.order_by("-stored").values_list("stored", flat=True).first()
    moment = (newest or datetime(2025, 1, 1, tzinfo=UTC) - interval * count) + interval
    # The starting point is part of the seed, so appending runs never repeat statement ids.
    builder = _Builder(actors, built_courses, random.Random(f"{seed}|{moment.isoformat()}"))
    insert = _copy_rows if connection.vendor == "postgresql" else _executemany_rows
    if connection.vendor == "sqlite":
        # Ten indexes, several keyed by random values (id, registration, actor): past a few hundred
        # thousand rows the default 2 MB page cache makes every insert a read from disk.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -524288")  # KiB: 512 MiB, this connection only
    written = 0
    while written < count:
        size = min(batch_size, count - written)
        rows: list[dict[str, Any]] = []
        pending_void: list[dict[str, Any]] = []
        for _ in range(size):
            if pending_void and rng_draw(builder.rng, voided_share * 5):
                target = pending_void.pop()
                data, columns = builder.voiding(target["data"], moment)
                target["voided"] = True
                columns.update(actor_key=target["actor_key"], actor_user_id=target["actor_user_id"])
                rows.append(_row(data, columns, moment))
            else:
                data, columns = builder.build(moment)
                rows.append(_row(data, columns, moment))
                if rng_draw(builder.rng, voided_share):
                    pending_void.append(rows[-1])
            moment += interval
        with transaction.atomic():
            insert(rows)
        written += size
        if progress is not None:
            progress(written)
    # Fresh statistics: a planner that still thinks the table is empty picks bitmap scans and sorts.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Statement._meta.db_table}")
    return written


def _row(data: dict[str, Any], columns: dict[str, Any], stored: datetime) -> dict[str, Any]:
    """Every concrete field of Statement by attname, defaults included (raw inserts apply none)."""
    return {
        "id": uuid.UUID(data["id"]), "stored": stored, "data": data, "voided": False, "forward_state": 0,
        "forward_attempts": 0, "forward_error": "", "forwarded_at": None, **columns,
        "registration": uuid.UUID(columns["registration"]) if columns.get("registration") else None,
    }  # fmt: skip


def _insert_sql() -> tuple[str, list[Any]]:
    from insights.models import Statement

    fields = list(Statement._meta.concrete_fields)
    columns = ", ".join(f'"{field.column}"' for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {Statement._meta.db_table} ({columns}) VALUES ({placeholders})", fields  # noqa: S608


def _executemany_rows(rows: list[dict[str, Any]]) -> None:
    """One prepared single-row INSERT run many times, values converted by Django's own fields.

    Measured on SQLite: ~100 µs/row against ~300 µs/row for `bulk_create`, whose multi-row
    INSERT with thousands of parameters SQLite has to re-parse per batch.
    """
    from django.db import connection

    sql, fields = _insert_sql()
    params = [[field.get_db_prep_save(row[field.attname], connection) for field in fields] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _copy_rows(rows: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY: psycopg adapts uuid, datetime, bool and None itself; data goes as JSON text."""
    import json

    from django.db import connection

    from insights.models import Statement

    fields = list(Statement._meta.concrete_fields)
    columns = ", ".join(f'"{field.column}"' for field in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {Statement._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([json.dumps(row["data"]) if f.attname == "data" else row[f.attname] for f in fields])


def vacuum_analyze(*models: Any) -> None:
    """VACUUM ANALYZE these tables on PostgreSQL (ANALYZE on SQLite); outside any transaction.

    A production server's autovacuum keeps visibility maps and statistics current after bulk inserts,
    upserts and deletes; the bench server runs with autovacuum off, so the benches do it themselves
    between phases to measure what production would see, not a table full of dead or unvisited rows.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"VACUUM (ANALYZE) {table}" if connection.vendor == "postgresql" else f"ANALYZE {table}")


def rng_draw(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


def bench_database_setup() -> str:
    """Point Django at the bench database and migrate it; return a description of it.

    DATABASE_URL set: that PostgreSQL database, created if missing (never dropped: data is reused
    between runs). Otherwise SQLite in GUILD_DATA_DIR, default /tmp/guild-bench.
    """
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning.settings.test")
    url = os.environ.get("DATABASE_URL", "")
    if url:
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')
    else:
        os.environ.setdefault("GUILD_DATA_DIR", str(Path(tempfile.gettempdir()) / "guild-bench"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connection

    return f"{connection.vendor}: {connection.settings_dict['NAME']}"


def _quiet_logging() -> None:
    import logging

    logging.disable(logging.INFO)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--courses", type=int, default=6)
    parser.add_argument("--lessons", type=int, default=8)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    where = bench_database_setup()
    _quiet_logging()
    started = time.perf_counter()

    def report(done: int) -> None:
        if done % 100_000 == 0 or done == args.count:
            elapsed = time.perf_counter() - started
            print(f"  {done:>10,} statements  {elapsed:7.1f} s  {done / elapsed:,.0f}/s", flush=True)

    written = generate_statements(
        args.count, users=args.users, courses=args.courses, lessons_per_course=args.lessons,
        batch_size=args.batch, seed=args.seed, progress=report,
    )  # fmt: skip
    from insights.models import Statement

    elapsed = time.perf_counter() - started
    print(f"{where}: wrote {written:,} statements in {elapsed:.1f} s ({written / elapsed:,.0f}/s); "
          f"store holds {Statement.objects.count():,}")  # fmt: skip


if __name__ == "__main__":
    main()
