"""Forwarding throughput: statements per second from the store to a local Ralph, at batch sizes 50, 100, 500.

Records N statements through `statement_record` (default 5,000) in a scratch database, then for each
batch size starts a fresh Ralph (fs backend, see tests/insights/ralph.py), marks every statement
pending and times `forward_pending` until the backlog is empty. Prints the throughput, the share of
the time spent waiting for Ralph (HTTP) versus Guild's own side (claims, JSON, recording outcomes),
and checks that Ralph holds each statement exactly once.

    python bench/forwarding.py [N]                                                       # SQLite scratch DB
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/forwarding.py  # PostgreSQL

Needs Ralph: `make ralph`. Ralph's fs backend reads its whole file on every POST (to drop ids it
already holds), so its cost per request grows with what it stores; the numbers are a floor for a
real LRS, and the Guild-side column is what this project controls.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from _setup import backend_name, django_setup

BATCH_SIZES = (50, 100, 500)


def record_statements(count: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from courses import services
    from insights.services import statement_record
    from insights.xapi import vocabulary as xapi
    from insights.xapi.activities import StatementContext
    from tests.factories import UserFactory, course_with_lessons

    course, lessons = course_with_lessons(5)
    users = [UserFactory(username=f"bench{i:03d}") for i in range(50)]
    enrolments = {user.pk: services.enrolment_create(user=user, course=course) for user in users}
    start = timezone.now() - timedelta(days=1)
    made = len(users)
    while made < count:
        with transaction.atomic():
            for _ in range(min(500, count - made)):
                user = users[made % len(users)]
                lesson = lessons[made % len(lessons)]
                statement_record(
                    actor=user,
                    verb=xapi.EXPERIENCED,
                    object=lesson.xapi_activity(),
                    context=StatementContext(
                        registration=enrolments[user.pk].registration, parent=[course.xapi_activity()]
                    ),
                    timestamp=start + timedelta(milliseconds=made),
                )
                made += 1


def analyze() -> None:
    """Fresh planner statistics, as autovacuum keeps them in production (a table a minute old has none)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE insights_statement")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main(count: int) -> None:
    django_setup("forwarding")
    logging.disable(logging.INFO)  # per-run and page-creation log lines would drown the table
    from django.test import override_settings

    from insights import forwarding
    from insights.models import ForwardState, Statement
    from tests.insights.ralph import RalphServer, ralph_available

    if not ralph_available():
        print("Ralph is not installed (.venv-ralph): run `make ralph` first.")
        sys.exit(1)

    started = time.perf_counter()
    record_statements(count)
    total = Statement.objects.count()
    print(f"backend: {backend_name()}, statements: {total} (recorded in {time.perf_counter() - started:.1f}s)")
    print(f"{'batch':>6} {'requests':>9} {'seconds':>8} {'statements/s':>13} {'HTTP share':>11} {'Guild ms/stmt':>14}")

    class TimedClient(forwarding.LRSClient):
        http_seconds = 0.0

        def post_statements(self, statements):
            begun = time.perf_counter()
            try:
                return super().post_statements(statements)
            finally:
                self.http_seconds += time.perf_counter() - begun

    for batch_size in BATCH_SIZES:
        Statement.objects.update(
            forward_state=ForwardState.PENDING, forward_attempts=0, forward_error="", forwarded_at=None
        )
        analyze()
        with tempfile.TemporaryDirectory(prefix="guild-bench-ralph-") as directory:
            ralph = RalphServer(Path(directory))
            ralph.start()
            try:
                with override_settings(**ralph.settings(XAPI_LRS_TIMEOUT=30)):
                    client = TimedClient()
                    begun = time.perf_counter()
                    report = forwarding.forward_pending(batch_size=batch_size, client=client)
                    elapsed = time.perf_counter() - begun
                held = Counter(ralph.stored_ids())
            finally:
                ralph.stop()
        if report.delivered != total or len(held) != total or max(held.values()) != 1:
            print(f"batch {batch_size}: delivered {report.delivered}/{total}, Ralph holds {len(held)} ids: {report}")
            sys.exit(1)
        guild_ms = (elapsed - client.http_seconds) / total * 1000
        print(
            f"{batch_size:>6} {report.requests:>9} {elapsed:>8.2f} {total / elapsed:>13.0f} "
            f"{client.http_seconds / elapsed:>10.0%} {guild_ms:>14.3f}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
