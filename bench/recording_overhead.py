"""Recording overhead: median extra time a service call spends on its xAPI statement.

Runs `knowledge_check_answer` (one domain row + one statement) N times with recording on, and N
times with `statement_record` replaced by a no-op, interleaved, and prints the medians and the
difference, in wall time and in this process's CPU time (on SQLite the database works in-process,
so CPU time is the overhead without the noise of a busy machine). Target: ≤ 1 ms extra on SQLite.

    python bench/recording_overhead.py [N]           # SQLite scratch database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/recording_overhead.py
"""

from __future__ import annotations

import statistics
import sys
import time

from _setup import backend_name, django_setup


def main(calls: int) -> None:
    django_setup("recording")
    from courses import services
    from insights.models import Statement
    from tests.factories import UserFactory, course_with_lessons

    course, lessons = course_with_lessons(2)
    user = UserFactory(username="bench")
    services.enrolment_create(user=user, course=course)
    lesson = lessons[0]
    block_id = next(iter(lesson.knowledge_checks()))
    real_record = services.statement_record

    def no_record(**kwargs):
        return None

    timings: dict[str, list[float]] = {"with": [], "without": []}
    cpu: dict[str, list[float]] = {"with": [], "without": []}
    for index in range(calls * 2):
        mode = "with" if index % 2 == 0 else "without"
        services.statement_record = real_record if mode == "with" else no_record
        started, cpu_started = time.perf_counter(), time.process_time()
        services.knowledge_check_answer(user=user, lesson=lesson, course=course, block_id=block_id, choice="b")
        cpu[mode].append(time.process_time() - cpu_started)
        timings[mode].append(time.perf_counter() - started)
    services.statement_record = real_record

    print(f"backend: {backend_name()}, calls per mode: {calls}, statements stored: {Statement.objects.count()}")
    for label, values in (("wall", timings), ("CPU (this process)", cpu)):
        with_ms = statistics.median(values["with"]) * 1000
        without_ms = statistics.median(values["without"]) * 1000
        print(f"{label}: median knowledge_check_answer with recording {with_ms:.3f} ms, without {without_ms:.3f} ms,"
              f" overhead (median difference) {with_ms - without_ms:.3f} ms")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
