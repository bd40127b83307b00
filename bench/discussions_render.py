"""Lesson page render time with a large discussion vs the same kind of lesson with none.

Builds a course with two lessons: one with 100 threads and 1,000 replies (bulk-inserted: this is a
read benchmark), one with no discussion. Renders each lesson page N times for an enrolled learner
through Django's test client (full stack: URL routing, Wagtail serve, templates), interleaved, and
prints the medians, the ratio (target ≤ 1.5×) and the queries per page.

    python bench/discussions_render.py [N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/discussions_render.py
"""

from __future__ import annotations

import statistics
import sys
import time

from _setup import backend_name, django_setup


def main(renders: int) -> None:
    django_setup("discussions_render")
    from datetime import timedelta

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from courses import services
    from discussions.models import Reply, Thread, Vote
    from tests.factories import UserFactory, course_with_lessons

    course, lessons = course_with_lessons(2)
    course.save_revision().publish()
    people = [UserFactory(username=f"bench{i}") for i in range(20)]
    for person in people:
        services.enrolment_create(user=person, course=course)
    busy, quiet = lessons
    now = timezone.now()
    threads = Thread.objects.bulk_create(
        [
            Thread(
                lesson=busy, course=course, author=people[i % 20], kind="question" if i % 2 else "discussion",
                title=f"Question number {i} about this lesson", body_markdown="Body", body_html="<p>Body</p>",
                created_at=now - timedelta(minutes=i), last_activity_at=now, reply_count=10, helpful_count=i % 9,
            )
            for i in range(100)
        ]
    )  # fmt: skip
    Reply.objects.bulk_create(
        [
            Reply(
                thread=threads[i % 100], author=people[(i + 1) % 20], body_markdown=f"Reply {i}",
                body_html=f"<p>Reply {i}</p>", created_at=now - timedelta(seconds=i),
            )
            for i in range(1000)
        ]
    )  # fmt: skip
    Vote.objects.bulk_create([Vote(user=people[0], thread=t, created_at=now) for t in threads[::3]])

    client = Client()
    client.force_login(people[0])
    urls = {"with discussion": busy.url, "no discussion": quiet.url}
    for url in urls.values():  # warm up: first views record `experienced`, templates compile
        client.get(url)
        client.get(url)
    timings: dict[str, list[float]] = {name: [] for name in urls}
    cpu: dict[str, list[float]] = {name: [] for name in urls}  # CPU time: less disturbed by a busy machine
    queries: dict[str, int] = {}
    for _ in range(renders):
        for name, url in urls.items():
            client.get(url)  # same lesson twice in a row: the steady state a reader sees
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                timings[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - started_cpu)
            assert response.status_code == 200
            queries[name] = len(captured)
    medians = {name: statistics.median(values) * 1000 for name, values in timings.items()}
    cpu_medians = {name: statistics.median(values) * 1000 for name, values in cpu.items()}
    sys.stdout.write(f"backend: {backend_name()}, {renders} renders each\n")
    for name, median in medians.items():
        sys.stdout.write(
            f"  {name:<16} median {median:7.2f} ms wall, {cpu_medians[name]:7.2f} ms CPU   {queries[name]} queries\n"
        )
    ratio = medians["with discussion"] / medians["no discussion"]
    cpu_ratio = cpu_medians["with discussion"] / cpu_medians["no discussion"]
    sys.stdout.write(f"  ratio            {ratio:.2f}× wall, {cpu_ratio:.2f}× CPU (target ≤ 1.5×)\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
