"""Filtered GET /xapi/statements latency over a large store (default 1M statements, PostgreSQL).

Fills `guild_lrs_query` (PostgreSQL, from DATABASE_URL's server) or a SQLite file up to --count
statements with bench/generate_statements.py (bulk COPY, reused between runs), then times
GET /xapi/statements?verb=…&activity=…&since=…&limit=100 through Django's full request stack
(auth, version negotiation, JSON) for verb/activity pairs drawn from the data. Prints p50/p95/p99.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/lrs_query.py --count 1000000
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if url:
        os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/guild_lrs_query"
    else:
        os.environ.setdefault("GUILD_DATA_DIR", str(Path(tempfile.gettempdir()) / "guild-lrs-query"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "lrs_settings"
    from generate_statements import bench_database_setup, generate_statements

    where = bench_database_setup()
    from django.db import connection
    from django.test import Client

    from insights.lrs.auth import lrs_credential_create
    from insights.models import Statement
    from tests.insights.lrs.conftest import basic

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {Statement._meta.db_table}")  # noqa: S608
        held = cursor.fetchone()[0]
    if held < args.count:
        started = time.perf_counter()
        generate_statements(args.count - held)
        print(f"generated {args.count - held:,} statements in {time.perf_counter() - started:.0f} s")
    rng = random.Random(7)
    sample = list(
        Statement.objects.filter(object_type="Activity").order_by("?").values_list("verb", "object_id", "stored")[:500]
        if connection.vendor == "postgresql"
        else Statement.objects.filter(object_type="Activity").values_list("verb", "object_id", "stored")[:5000]
    )
    oldest = Statement.objects.order_by("stored").values_list("stored", flat=True).first()
    newest = Statement.objects.order_by("-stored").values_list("stored", flat=True).first()
    credential, secret = lrs_credential_create(name="bench-query")
    client = Client()
    headers = {"Authorization": basic(credential.key, secret), "X-Experience-API-Version": "1.0.3"}
    timings, sizes = [], []
    for i in range(args.queries + 20):
        verb, activity, _ = rng.choice(sample)
        since = oldest + (newest - oldest) * rng.random() * 0.5
        params = {"verb": verb, "activity": activity, "since": since.isoformat(), "limit": "100"}
        started = time.perf_counter()
        response = client.get("/xapi/statements", params, headers=headers)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content[:300]
        if i >= 20:  # warm-up excluded
            timings.append(elapsed * 1000)
            sizes.append(len(response.json()["statements"]))
    timings.sort()
    p = lambda q: timings[min(len(timings) - 1, int(q * len(timings)))]  # noqa: E731
    print(
        f"{where}: {Statement.objects.count():,} statements; {len(timings)} filtered GETs (verb+activity+since, "
        f"limit 100, avg {statistics.mean(sizes):.0f} returned): p50 {p(0.5):.1f} ms  p95 {p(0.95):.1f} ms  "
        f"p99 {p(0.99):.1f} ms  max {timings[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
