"""Ingest cost per statement in CPU time, split between Django and the database server (PostgreSQL).

POSTs batches of bench/lrs_load.py's generated statements through Django's test client in this process
(no HTTP server, no client threads) and reads the CPU time of this process and of its PostgreSQL
backend (from /proc) around the timed batches. CPU time, unlike wall time, holds still on a busy
machine, so this is the figure to compare a change against; bench/lrs_load.py gives the real
over-HTTP rate. On SQLite the database's work is inside this process's figure.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/lrs_ingest_cpu.py
    GUILD_BENCH_DB=guild_bench_mine DATABASE_URL=… python bench/lrs_ingest_cpu.py   # a scratch DB of your own
    python bench/lrs_ingest_cpu.py --statements 20000 --batch 100          # SQLite
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import sys
import time
from pathlib import Path

from _setup import backend_name, cpu_seconds, django_setup

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    # The load bench's gunicorn settings (persistent connections, no WhiteNoise autorefresh), as production.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lrs_settings")
    django_setup("lrs_ingest_cpu")
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from lrs_load import generate

    out = io.StringIO()
    call_command("lrs_credentials", "create", "bench", stdout=out)
    fields = dict(line.split(":", 1) for line in out.getvalue().splitlines() if ":" in line)
    token = base64.b64encode(f"{fields['key'].strip()}:{fields['secret'].strip()}".encode()).decode()
    statements = generate(args.statements, seed=3)
    bodies = [json.dumps(statements[i : i + args.batch]) for i in range(0, len(statements), args.batch)]
    client = Client()

    def post(body: str) -> None:
        response = client.post(
            "/xapi/statements", data=body, content_type="application/json",
            HTTP_X_EXPERIENCE_API_VERSION="1.0.3", HTTP_AUTHORIZATION=f"Basic {token}",
        )  # fmt: skip
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code} {response.content[:300]!r}")

    warm = max(1, len(bodies) // 10)
    for body in bodies[:warm]:
        post(body)
    timed = bodies[warm:]
    count = sum(len(json.loads(body)) for body in timed)
    server_pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            server_pid = cursor.fetchone()[0]
    server_before = cpu_seconds(server_pid) if server_pid else 0.0
    wall, cpu = time.perf_counter(), time.process_time()
    for body in timed:
        post(body)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    server = (cpu_seconds(server_pid) - server_before) if server_pid else 0.0
    print(f"backend {backend_name()}, batch {args.batch}, {count:,} statements timed")
    print(f"Django process: {cpu / count * 1e6:7.1f} µs CPU per statement")
    if server_pid:
        print(f"PostgreSQL backend: {server / count * 1e6:7.1f} µs CPU per statement")
    together = cpu + server
    print(f"together: {together / count * 1e6:7.1f} µs CPU per statement ({count / together:,.0f} per CPU-second);"
          f" wall {count / wall:,.0f} statements/s")  # fmt: skip


if __name__ == "__main__":
    main()
