"""Export throughput and peak memory: `manage.py export_statements` over 100k and 1M statements.

Each run is a fresh subprocess (so its peak RSS, from `resource.getrusage`, is that export's alone)
calling the real command with --output to a scratch file. The database is filled once with
bench/generate_statements.py and reused: a smaller size is the oldest N statements (an --until cut).
Targets: >= 50,000 statements/s and peak RSS < 200 MB at 1M. "CPU stmt/s" divides by the exporting
process's own CPU time (the database server's is not in it on PostgreSQL): on a busy machine it says
what the exporter would do with a core to itself. "server s" is the PostgreSQL backend's CPU time for
the export (read from /proc; blank on SQLite, where the database's work is in the exporter's CPU, and
with PostgreSQL's read-ahead thread, whose connection is gone by the end: see `--read-ahead off`).

    python bench/export.py                                   # SQLite in GUILD_DATA_DIR (default /tmp/guild-bench)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guild_bench python bench/export.py
    python bench/export.py --sizes 100000 --formats ndjson,csv,json --strategies keyset,cursor --chunk-sizes 500,2000
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _child(args: argparse.Namespace) -> None:
    """One export in this process; prints a JSON line with the measurements."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning.settings.test")
    import django

    django.setup()
    import logging

    logging.disable(logging.INFO)
    from django.core.management import call_command

    from insights import exports

    exports.EXPORT_READ_AHEAD = args.read_ahead == "on"
    # Reading ahead uses a second connection, whose backend is gone by the end: its CPU is not readable.
    server_cpu = _server_cpu_reader() if not exports.EXPORT_READ_AHEAD else lambda: float("nan")
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = io.StringIO()
    argv = ["--format", args.format, "--output", args.output, "--strategy", args.strategy]
    argv += ["--chunk-size", str(args.chunk_size)]
    if args.until:
        argv += ["--until", args.until]
    started, cpu_started, server_started = time.perf_counter(), time.process_time(), server_cpu()
    call_command("export_statements", *argv, stdout=out)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    server = server_cpu() - server_started
    count = int(out.getvalue().split()[1])
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = Path(args.output).stat().st_size
    Path(args.output).unlink()
    print(json.dumps({"seconds": seconds, "cpu": cpu, "server": server, "count": count, "peak_kb": peak_kb,
                      "baseline_kb": baseline_kb, "bytes": size}))  # fmt: skip


def _server_cpu_reader():
    """A function returning the CPU seconds used so far by this process's PostgreSQL backend (from
    /proc, when the server runs on this machine), or NaN when that cannot be read (SQLite works in-process)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return lambda: float("nan")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    ticks = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime

    return read


def _prepare(sizes: list[int]) -> tuple[str, dict[int, str | None]]:
    """Fill the bench database up to the largest size; return its description and each size's --until cut."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate_statements import bench_database_setup, generate_statements

    where = bench_database_setup()
    import logging

    logging.disable(logging.INFO)
    from insights.models import Statement

    have = Statement.objects.count()
    if have < max(sizes):
        missing = max(sizes) - have
        print(f"generating {missing:,} statements into {where} (have {have:,}) …", flush=True)
        started = time.perf_counter()
        generate_statements(missing)
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
        have = max(sizes)
    cuts: dict[int, str | None] = {}
    for size in sizes:
        if size >= have:
            cuts[size] = None
        else:
            stored = Statement.objects.order_by("stored", "id").values_list("stored", flat=True)[size - 1]
            cuts[size] = stored.isoformat()
    return where, cuts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--formats", default="ndjson,csv")
    parser.add_argument("--strategies", default="keyset")
    parser.add_argument("--chunk-sizes", default="2000")
    parser.add_argument("--read-ahead", default="on", choices=("on", "off"),
                        help="PostgreSQL keyset exports read the next page in a thread (on, the default)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=1, help="Runs per combination; the best is reported.")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--format", help=argparse.SUPPRESS)
    parser.add_argument("--strategy", help=argparse.SUPPRESS)
    parser.add_argument("--chunk-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--until", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return

    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("GUILD_DATA_DIR", str(Path(tempfile.gettempdir()) / "guild-bench"))
    sizes = sorted(int(size) for size in args.sizes.split(","))
    where, cuts = _prepare(sizes)
    if "DATABASE_URL" in os.environ:  # the child must use the database _prepare created or reused
        from django.db import connection

        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        os.environ["DATABASE_URL"] = f"{base}/{connection.settings_dict['NAME']}"
    print(f"export bench on {where}, Python {sys.version.split()[0]}")
    print(f"{'statements':>10} {'format':>6} {'strategy':>8} {'chunk':>6} {'stmt/s':>9} {'seconds':>8} "
          f"{'CPU stmt/s':>10} {'CPU s':>6} {'server s':>8} {'peak RSS':>9} {'over start':>10} "
          f"{'file MB':>8}")  # fmt: skip
    output = Path(tempfile.gettempdir()) / f"guild-bench-export-{os.getpid()}"
    for size in sizes:
        for fmt in args.formats.split(","):
            for strategy in args.strategies.split(","):
                for chunk in (int(c) for c in args.chunk_sizes.split(",")):
                    best = None
                    for _ in range(args.repeat):
                        command = [sys.executable, __file__, "--child", "--format", fmt, "--strategy", strategy,
                                   "--chunk-size", str(chunk), "--output", f"{output}.{fmt}",
                                   "--read-ahead", args.read_ahead]  # fmt: skip
                        if cuts[size]:
                            command += ["--until", cuts[size]]
                        finished = subprocess.run(command, capture_output=True, text=True, check=True)
                        run = json.loads(finished.stdout.strip().splitlines()[-1])
                        if best is None or run["seconds"] < best["seconds"]:
                            best = run
                    assert best is not None
                    print(
                        f"{best['count']:>10,} {fmt:>6} {strategy:>8} {chunk:>6} "
                        f"{best['count'] / best['seconds']:>9,.0f} {best['seconds']:>8.1f} "
                        f"{best['count'] / best['cpu']:>10,.0f} {best['cpu']:>6.1f} {best['server']:>8.1f} "
                        f"{best['peak_kb'] / 1024:>6.0f} MB {(best['peak_kb'] - best['baseline_kb']) / 1024:>7.0f} MB "
                        f"{best['bytes'] / 1e6:>8.0f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
