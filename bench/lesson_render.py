"""Lesson page render time: median and p90 over 100 requests by an enrolled learner, and queries per page.

Each request goes through Django's test client (middleware, Wagtail routing, the selector, `lesson_view`'s
write, template rendering), as a reload of a lesson already opened: the steady state of someone reading.
Runs on SQLite and on PostgreSQL, each in its own process (Django is configured once per process):

    python bench/lesson_render.py                    # both backends
    python bench/lesson_render.py --backend sqlite   # scratch SQLite in /tmp/guild-bench-render
    python bench/lesson_render.py --backend postgres # scratch guild_bench_render on 127.0.0.1:5432
    python bench/lesson_render.py --requests 300
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_DIR = "/tmp/guild-bench-render"  # noqa: S108  (a fixed, documented scratch path)
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DB = "guild_bench_render"
LESSONS = 12


def lesson_body(number: int) -> list[dict]:
    """A realistic lesson: headings, several paragraphs, a callout, a code sample and a knowledge check."""
    import uuid

    def block(kind: str, value) -> dict:
        return {"type": kind, "id": str(uuid.uuid4()), "value": value}

    prose = (
        "<p>Good meetings start before anyone enters the room. Decide what the meeting is for, who needs "
        "to be there and what they should read first. <b>Send the agenda a day ahead</b>, with the decision "
        "each item needs, so people arrive ready to decide rather than to discover.</p>"
    )
    return [
        block("heading", {"text": f"Part {number}: preparing", "level": "h2"}),
        block("paragraph", prose * 3),
        block("callout", {"kind": "tip", "title": "Try this", "body": "<p>Cancel one recurring meeting.</p>"}),
        block("heading", {"text": "In the room", "level": "h2"}),
        block("paragraph", prose * 2),
        block(
            "code",
            {"language": "text", "code": "Agenda\n1. Decide: budget (10 min)\n2. Inform: roadmap", "caption": ""},
        ),
        block(
            "knowledge_check",
            {
                "question": "What should reach people before the meeting?",
                "options": [
                    {"text": "Nothing", "is_correct": False, "feedback": "People arrive unprepared."},
                    {"text": "An agenda with decisions", "is_correct": True, "feedback": "Yes."},
                    {"text": "Only the invite", "is_correct": False, "feedback": "An invite says nothing."},
                ],
            },
        ),
        block("paragraph", prose),
    ]


def setup_django(backend: str) -> None:
    """A fresh scratch database each run, so a schema from an older checkout never skews (or breaks) it."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning.settings.test")
    if backend == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        os.environ["GUILD_DATA_DIR"] = SQLITE_DIR
        Path(SQLITE_DIR).mkdir(parents=True, exist_ok=True)
        for old in Path(SQLITE_DIR).glob("guild.sqlite3*"):
            old.unlink()
    else:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{PG_DB}"')
        os.environ["DATABASE_URL"] = f"{PG_SERVER}/{PG_DB}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def bench_content():
    """The bench course and an enrolled learner who has completed lessons 1 and 2 and is reading lesson 3."""
    from django.contrib.auth.models import Group

    from accounts.models import User
    from courses import services
    from courses.models import CourseIndexPage, CoursePage, LessonPage

    course = CoursePage.objects.filter(slug="bench-render").first()
    if course is None:
        course = CoursePage(title="Running effective meetings (bench)", slug="bench-render", summary="Bench.")
        CourseIndexPage.objects.get().add_child(instance=course)
        for number in range(1, LESSONS + 1):
            course.add_child(
                instance=LessonPage(title=f"Lesson {number}", slug=f"lesson-{number}", body=lesson_body(number))
            )
    user, created = User.objects.get_or_create(username="bench-reader", defaults={"first_name": "Bench"})
    if created:
        user.set_password("bench-password")
        user.save()
        user.groups.add(Group.objects.get(name="Learners"))
    services.enrolment_create(user=user, course=course)
    lessons = list(LessonPage.objects.child_of(course).live().order_by("path"))
    for lesson in lessons[:2]:
        services.lesson_complete(user=user, lesson=lesson, course=course)
    return user, lessons[2]


def run(backend: str, requests: int) -> None:
    setup_django(backend)
    from django.db import connection
    from django.test import Client

    # Keep the connection between requests, as production does (the test settings close it after each).
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 60

    user, lesson = bench_content()
    client = Client()
    client.force_login(user)
    url = lesson.url
    for _ in range(10):  # warm up: first view recorded, templates compiled, caches filled
        response = client.get(url)
        assert response.status_code == 200, response.status_code
    assert b"Mark lesson complete" in response.content

    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)

    timings, cpu = [], []  # wall and CPU time: CPU is less disturbed by a busy machine
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200
    timings.sort()
    p90 = timings[max(0, round(0.9 * len(timings)) - 1)]
    print(
        f"{connection.vendor:>10}: {requests} requests for {url} ({len(response.content) // 1024} KiB, "
        f"{LESSONS} lessons in the course): median {statistics.median(timings):.1f} ms, p90 {p90:.1f} ms, "
        f"min {timings[0]:.1f} ms, max {timings[-1]:.1f} ms; CPU median {statistics.median(cpu):.1f} ms; "
        f"{len(queries)} SQL queries per page"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"])
    parser.add_argument("--requests", type=int, default=100)
    options = parser.parse_args()
    if options.backend:
        run(options.backend, options.requests)
        return
    for backend in ("sqlite", "postgres"):
        if backend == "postgres" and not postgres_reachable():
            print(f"  postgres: not reachable at {PG_SERVER}: skipped (start it, or run with --backend sqlite)")
            continue
        subprocess.run(
            [sys.executable, __file__, "--backend", backend, "--requests", str(options.requests)],
            check=True,
        )


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001  (any failure means "not reachable" for this report)
        return False


if __name__ == "__main__":
    main()
