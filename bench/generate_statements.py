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


def _verb(iri: str, display: str) -> dict[str, Any]:
    return {"id": iri, "display": {"en": display}}


def ensure_fixtures(*, users: int, courses: int, lessons_per_course: int) -> tuple[list[_Actor], list[_Course]]:
    """Bench users (`bench-00001`…, unusable passwords) and live courses with lessons, created once and reused."""
    from django.conf import settings

    from accounts.models import User
    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from insights.xapi.vocabulary import COURSE, LESSON, QUESTION, site_root

    existing = set(User.objects.filter(username__startswith="bench-").values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(username=name, password="!", first_name="Bench", last_name=f"{index:05d}")  # noqa: S106 (unusable)
            for index in range(1, users + 1)
            if (name := f"bench-{index:05d}") not in existing
        ],
        batch_size=1000,
    )
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
        actor = rng.choice(self.actors)
        course = rng.choice(self.courses)
        index = rng.randrange(len(course.lessons))
        lesson, question = course.lessons[index], course.questions[index]
        course_json = course.activity.as_json()
        lesson_json = lesson.as_json()
        verb_key = kind
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
        elif kind in ("posted", "edited", "voted-up", "accepted", "flag-as-inappropriate"):
            is_reply = kind == "accepted" or rng.random() < 0.6
            key = uuid.UUID(int=rng.getrandbits(128), version=4)
            thread = _Activity(
                f"{self.root}/xapi/activities/thread/{uuid.uuid5(key, 't')}",
                self.thread_type,
                rng.choice(THREAD_TITLES),
            )
            if is_reply:
                obj = _Activity(f"{self.root}/xapi/activities/reply/{key}", self.reply_type, "Reply").as_json()
                parent, grouping = [thread.as_json()], [lesson_json, course_json]
            else:
                obj = thread.as_json()
                parent, grouping = [lesson_json], [course_json]
            if kind == "flag-as-inappropriate":
                extensions = {self.flag_iri: rng.choice(("spam", "off-topic", "abusive", "other"))}
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
        context = self._context(actor, course, parent, grouping)
        if extensions:
            context["extensions"] = extensions
        timestamp = moment - timedelta(milliseconds=rng.randrange(0, 5000))
        data: dict[str, Any] = {
            "actor": actor.data,
            "verb": self.verbs[verb_key],
            "object": obj,
            "context": context,
            "timestamp": _iso(timestamp),
        }
        if result is not None:
            data["result"] = result
        data["id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
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
