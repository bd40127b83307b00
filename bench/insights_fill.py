"""Dashboard aggregates: how fast the incremental fill reads the Statement store (target >= 20,000 statements/s).

Fills the bench database with bench/generate_statements.py once (reused between runs), empties the
aggregates, then times `aggregates_fill` from the first statement to the last: wall time, this
process's CPU time (the database server's is not in it on PostgreSQL, so the backend's is printed
too when the server runs on this machine) and statements per second by each. Then appends a small
batch and times the incremental catch-up, the case the on-commit task and the beat tick run all day:
--incremental-runs times, with the median, since one half-second run is at the mercy of the machine.
Tables are VACUUM ANALYZEd between phases (the store before the fill, the emptied and then the filled
aggregates), as autovacuum would in production: the bench server runs with it off.

    GUILD_DATA_DIR=/tmp/guild-bench-dash python bench/insights_fill.py --size 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guild_bench_dash python bench/insights_fill.py --size 1000000
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="statements in the store (default 100,000)")
    parser.add_argument("--batch-size", type=int, default=None, help="default: the service's DEFAULT_BATCH_SIZE")
    parser.add_argument("--append", type=int, default=10_000, help="statements appended for each incremental run")
    parser.add_argument("--incremental-runs", type=int, default=5, help="incremental runs (a 0.5 s run is noisy)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT))
    from generate_statements import bench_database_setup, generate_statements, vacuum_analyze

    where = bench_database_setup()
    logging.disable(logging.INFO)
    from insights.dashboards.services import AGGREGATE_MODELS as aggregates
    from insights.dashboards.services import DEFAULT_BATCH_SIZE, aggregates_fill, aggregates_reset
    from insights.models import DailyCount, HelperEdge, LearnerLesson, Statement, ThreadFact

    have = Statement.objects.count()
    if have < args.size:
        print(f"generating {args.size - have:,} statements into {where} (have {have:,}) …", flush=True)
        started = time.perf_counter()
        generate_statements(args.size - have)
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    total = Statement.objects.count()
    batch_size = args.batch_size or DEFAULT_BATCH_SIZE
    print(f"database: {where}; {total:,} statements; batches of {batch_size:,}")

    vacuum_analyze(Statement)
    aggregates_reset()
    vacuum_analyze(*aggregates)
    _run("full fill", lambda: aggregates_fill(batch_size=batch_size, lag=timedelta(0)))
    print(
        f"  aggregates: {DailyCount.objects.count():,} daily counts, "
        f"{LearnerLesson.objects.count():,} learner-lessons, "
        f"{ThreadFact.objects.count():,} threads ({ThreadFact.objects.exclude(first_answer_at=None).count():,} "
        f"answered, {ThreadFact.objects.exclude(accepted_at=None).count():,} accepted, "
        f"{ThreadFact.objects.exclude(routed_at=None).count():,} routed, "
        f"{ThreadFact.objects.filter(asker_key='').count():,} without an asker), "
        f"{HelperEdge.objects.count():,} helper edges"
    )
    vacuum_analyze(*aggregates)
    rates = []
    for _ in range(args.incremental_runs):
        generate_statements(args.append)
        rates.append(
            _run(f"incremental (+{args.append:,})", lambda: aggregates_fill(batch_size=batch_size, lag=timedelta(0)))
        )
    print(f"{'incremental median':>22}: {statistics.median(rates):,.0f} statements/s over {len(rates)} runs")
    _run("nothing new", lambda: aggregates_fill(batch_size=batch_size, lag=timedelta(0)))


def _server_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend, when the server runs on this machine."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run(label: str, fill) -> float:
    server_started = _server_cpu()
    started, cpu_started = time.perf_counter(), time.process_time()
    report = fill()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    server_ended = _server_cpu()
    rate = report.statements / wall if wall else 0
    cpu_rate = report.statements / cpu if cpu else 0
    server = ""
    if server_started is not None and server_ended is not None:
        server = f", database backend {server_ended - server_started:6.2f} s CPU"
    print(
        f"{label:>22}: {report.statements:>9,} statements ({report.voided:,} voided subtracted) in {wall:7.2f} s wall "
        f"({rate:>9,.0f}/s), {cpu:7.2f} s CPU ({cpu_rate:>9,.0f}/s){server}",
        flush=True,
    )
    return rate


if __name__ == "__main__":
    main()
