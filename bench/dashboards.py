"""Dashboard render time and query count over the bench store (target: <= 20 queries, median <= 300 ms).

Uses the database bench/insights_fill.py filled (1M statements by default): the aggregates are brought
up to date first (incrementally, so a filled database costs nothing), then each dashboard page is
rendered through Django's test client as a signed-in Analyst, warm, `--runs` times. The aggregate
tables are VACUUM ANALYZEd first, as autovacuum would in production (the bench server runs without it). The period is
the whole generated range, so every chart reads every aggregate row: the heaviest case. Prints the
median and worst wall time, this process's CPU time per render, the database backend's CPU time
(PostgreSQL on this machine; /proc ticks, so 10 ms resolution) and the queries of one render.

    GUILD_DATA_DIR=/tmp/guild-bench-dash python bench/dashboards.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guild_bench_dash python bench/dashboards.py
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="statements in the store (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--slowest", type=int, default=0, help="print the N slowest queries of each page")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT))
    from generate_statements import bench_database_setup, generate_statements, vacuum_analyze
    from insights_fill import _server_cpu

    where = bench_database_setup()
    logging.disable(logging.WARNING)
    from django.conf import settings
    from django.db import connection
    from django.db.models import Max, Min
    from django.test import Client

    from courses.models import CoursePage, LessonPage
    from insights.dashboards.services import AGGREGATE_MODELS, aggregates_fill
    from insights.models import DailyCount, Statement
    from tests.factories import UserFactory

    settings.ALLOWED_HOSTS = ["*"]
    have = Statement.objects.count()
    if have < args.size:
        print(f"generating {args.size - have:,} statements into {where} (have {have:,}) …", flush=True)
        generate_statements(args.size - have)
    report = aggregates_fill(lag=timedelta(0))
    vacuum_analyze(*AGGREGATE_MODELS)
    print(f"database: {where}; {Statement.objects.count():,} statements ({report.statements:,} filled now)")
    span = DailyCount.objects.aggregate(first=Min("day"), last=Max("day"))
    period = f"date_from={span['first']}&date_to={span['last']}"
    course = CoursePage.objects.filter(slug="bench-course-1").first() or CoursePage.objects.first()
    lesson = LessonPage.objects.child_of(course).first()
    analyst = UserFactory(username="bench-analyst", groups=["Analysts"])
    client = Client()
    client.force_login(analyst)
    pages = {
        "overview": f"/admin/insights/?{period}",
        "course": f"/admin/insights/course/?course={course.pk}&{period}",
        "lesson": f"/admin/insights/lessons/{lesson.pk}/?{period}",
        "social": f"/admin/insights/social/?{period}",
        "course CSV (funnel)": f"/admin/insights/course/funnel.csv?course={course.pk}&{period}",
    }
    print(f"period {span['first']} – {span['last']}; {args.runs} warm renders each")
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        timings: list[tuple[float, str]] = []

        def timed(execute, sql, params, many, context, timings=timings):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timings.append(((time.perf_counter() - started) * 1000, sql))

        with connection.execute_wrapper(timed):
            client.get(url)
        walls, cpus, servers = [], [], []
        for _ in range(args.runs):
            server_started = _server_cpu()
            started, cpu_started = time.perf_counter(), time.process_time()
            client.get(url)
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu_started) * 1000)
            if server_started is not None and (server_ended := _server_cpu()) is not None:
                servers.append((server_ended - server_started) * 1000)
        server = f", database backend median {statistics.median(servers):6.1f} ms CPU" if servers else ""
        print(
            f"{name:>20}: {len(timings):>2} queries, median {statistics.median(walls):6.1f} ms wall "
            f"(worst {max(walls):6.1f}), median {statistics.median(cpus):6.1f} ms CPU{server}",
            flush=True,
        )
        if args.slowest:
            for ms, sql in sorted(timings, reverse=True)[: args.slowest]:
                print(f"{'':>22}{ms:7.1f} ms  {sql[:150]}")


if __name__ == "__main__":
    main()
