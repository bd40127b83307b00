"""Who knows this: the cost of refreshing scores from the store, and of reading a lesson's helpers.

Records N statements (default 10,000) for one course of 5 lessons through `statement_record`: 200
people posting replies, voting, accepting answers, completing lessons. Then prints wall and CPU time
for a full refresh, an incremental refresh after one new vote (only that course is recomputed), and
the median of 200 `helpers_for_lesson` reads with its query count.

    python bench/experts_refresh.py [N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/experts_refresh.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time
import uuid

from _setup import backend_name, django_setup


def timed(label: str, func):
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    wall_ms, cpu_ms = 1000 * (time.perf_counter() - wall), 1000 * (time.process_time() - cpu)
    print(f"{label:<44} {wall_ms:9.1f} ms wall {cpu_ms:9.1f} ms CPU")  # noqa: T201
    return result


def main(total: int) -> None:
    django_setup("experts_refresh")
    from datetime import timedelta

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from insights.experts import expertise_refresh, helpers_for_lesson
    from insights.models import ExpertiseScore
    from insights.services import statement_record
    from insights.xapi import vocabulary as xapi
    from insights.xapi.activities import ActivityRef, StatementContext
    from tests.factories import UserFactory, course_with_lessons

    rng = random.Random(7)
    course, lessons = course_with_lessons(5)
    people = [UserFactory(username=f"bench{i:03d}") for i in range(200)]
    now = timezone.now()
    replies: list[tuple[ActivityRef, object, object]] = []

    def record(actor, verb, obj, lesson, parent=None, days=0.0):
        statement_record(
            actor=actor, verb=verb, object=obj, timestamp=now - timedelta(days=days, microseconds=rng.randrange(10**9)),
            context=StatementContext(parent=[parent or lesson.xapi_activity()], grouping=[course.xapi_activity()]),
        )  # fmt: skip

    def fill() -> None:
        with transaction.atomic():
            for n in range(total):
                lesson = rng.choice(lessons)
                actor = people[min(int(rng.expovariate(1 / 30)), 199)]  # a few people do most
                roll = rng.random()
                if roll < 0.3 or not replies:
                    thread = ActivityRef(kind="thread", key=uuid.uuid4(), name="Question")
                    reply = ActivityRef(kind="reply", key=uuid.uuid4(), name="Reply")
                    record(actor, xapi.POSTED, reply, lesson, parent=thread, days=rng.uniform(0, 400))
                    replies.append((reply, thread, lesson))
                elif roll < 0.75:
                    reply, thread, where = rng.choice(replies)
                    record(actor, xapi.VOTED_UP, reply, where, parent=thread, days=rng.uniform(0, 400))
                elif roll < 0.85:
                    reply, thread, where = rng.choice(replies)
                    record(actor, xapi.ACCEPTED, reply, where, parent=thread, days=rng.uniform(0, 400))
                else:
                    record(actor, xapi.COMPLETED, lesson.xapi_activity(), lesson, parent=course.xapi_activity(),
                           days=rng.uniform(0, 400))  # fmt: skip
                if n and n % 2000 == 0:
                    print(f"  {n} statements", file=sys.stderr)  # noqa: T201

    print(f"{backend_name()}: {total} statements, 1 course, 5 lessons, 200 people")  # noqa: T201
    timed(f"record {total} statements", fill)
    report = timed("full refresh", lambda: expertise_refresh(full=True))
    print(f"  {report.rows} score rows")  # noqa: T201
    reply, thread, where = replies[0]
    with transaction.atomic():
        record(people[-1], xapi.VOTED_UP, reply, where, parent=thread)
    timed("incremental refresh after one new vote", expertise_refresh)
    viewer = people[0]
    durations, cpu = [], []
    with CaptureQueriesContext(connection) as queries:
        helpers_for_lesson(lesson=lessons[0], course=course, viewer=viewer)
    for _ in range(200):
        start, start_cpu = time.perf_counter(), time.process_time()
        helpers_for_lesson(lesson=lessons[0], course=course, viewer=viewer)
        durations.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(  # noqa: T201
        f"helpers_for_lesson: median {1000 * statistics.median(durations):.2f} ms wall, "
        f"{1000 * statistics.median(cpu):.2f} ms CPU, {len(queries.captured_queries)} "
        f"query, over {ExpertiseScore.objects.count()} rows"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
