"""Activity stream render time and queries: a learner following 50 people and 10 courses, 100k statements.

Fills the store with `bench/generate_statements.py` (100,000 varied statements from 200 people in 10
courses), adds 300 real questions (through `thread_create`, so thread rows and their statements
agree), then a learner enrolled in the 10 courses who follows 50 of the people (through the
services). Renders /stream/ N times per filter through Django's test client (the full stack:
session, view, selector, templates) and prints the median and p90 wall time, the median CPU time
of this process (the machine is shared: CPU time is the steadier figure), and the queries per page.
Also times page 2 (the keyset cursor) and prints the plan of the statement query on PostgreSQL.

    python bench/stream.py [N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/stream.py [N]
"""

from __future__ import annotations

import statistics
import sys
import time

from _setup import backend_name, django_setup

STATEMENTS = 100_000
FOLLOWED_PEOPLE = 50
COURSES = 10
QUESTIONS = 300


def build() -> object:
    from django.conf import settings
    from generate_statements import generate_statements

    from courses import services as course_services
    from courses.models import CoursePage
    from discussions import services as discussion_services
    from tests.factories import UserFactory

    settings.DISCUSSIONS_NEW_ACCOUNT_DAYS = 0
    started = time.perf_counter()
    generate_statements(STATEMENTS, users=200, courses=COURSES, lessons_per_course=8)
    print(f"generated {STATEMENTS:,} statements in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    from accounts.models import User

    courses = list(CoursePage.objects.filter(slug__startswith="bench-course-").order_by("pk"))
    people = list(User.objects.filter(username__startswith="bench-").order_by("username"))
    viewer = UserFactory(username="bench-viewer", first_name="Bench", last_name="Viewer")
    for course in courses:
        course_services.enrolment_create(user=viewer, course=course)
        discussion_services.follow_create(follower=viewer, target=course)
    for person in people[:FOLLOWED_PEOPLE]:
        discussion_services.follow_create(follower=viewer, target=person)
    askers = people[:60]
    for person in askers:
        for course in courses[:3]:
            course_services.enrolment_create(user=person, course=course)
    for n in range(QUESTIONS):
        course = courses[n % 3]
        lesson = course.get_children().live().specific().first()
        discussion_services.thread_create(
            author=askers[n % len(askers)], lesson=lesson, course=course, kind="question",
            title=f"Question {n}: how do I apply this at work?", body="Any tips?",
        )  # fmt: skip
    from django.db import connection

    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum would have by now: without them the planner guesses the
        # followed-people filter hits 30 users and picks a per-person bitmap scan (~0.6 s) over the
        # backward scan of stmt_stored_id that stops after 40 rows (~0.3 ms).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"built the world in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return viewer


def measure(client, url: str, renders: int) -> tuple[list[float], list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: templates, Wagtail's site root paths
    walls, cpus = [], []
    for _ in range(renders):
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    return walls, cpus, len(queries), html.count('class="stream-item ')


def explain(viewer) -> None:
    from django.db import connection

    from insights.stream import _scope, _statements

    query = _statements(viewer, _scope(viewer), "all")[:40]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print("\nPlan of the statement query (filter=all):")
        for (line,) in cursor.fetchall():
            print("   ", line)


def main(renders: int) -> None:
    django_setup("stream")
    from django.test import Client

    from insights.models import Statement

    viewer = build()
    client = Client()
    client.force_login(viewer)
    print(f"backend: {backend_name()}; statements in store: {Statement.objects.count():,}; renders per URL: {renders}")
    print(f"viewer follows {FOLLOWED_PEOPLE} people and {COURSES} courses (enrolled in all {COURSES})")
    print(f"{'page':34} {'median ms':>9} {'p90 ms':>8} {'cpu ms':>8} {'queries':>8} {'items':>6}")
    first_html = client.get("/stream/").content.decode()
    cursor = first_html.split("after=", 1)[1].split('"', 1)[0] if "after=" in first_html else ""
    urls = ["/stream/", "/stream/?filter=courses", "/stream/?filter=people", "/stream/?filter=questions"]
    if cursor:
        urls.append(f"/stream/?filter=all&after={cursor}")
    urls.append("/")
    for url in urls:
        walls, cpus, queries, items = measure(client, url, renders)
        p90 = statistics.quantiles(walls, n=10)[-1] if len(walls) >= 10 else max(walls)
        label = url if len(url) < 34 else url[:31] + "…"
        print(
            f"{label:34} {statistics.median(walls):9.1f} {p90:8.1f} {statistics.median(cpus):8.1f} "
            f"{queries:8d} {items:6d}"
        )
    if backend_name() == "postgresql":
        explain(viewer)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
