"""Shared set-up for bench scripts: a scratch database (SQLite by default, or DATABASE_URL), migrated."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc: a database backend's, say."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def django_setup(name: str) -> None:
    """Point Django at a fresh scratch database for this bench and migrate it."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning.settings.test")
    if not os.environ.get("DATABASE_URL"):
        os.environ["GUILD_DATA_DIR"] = tempfile.mkdtemp(prefix=f"guild-bench-{name}-")
    else:
        _recreate_postgres_database(name)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _recreate_postgres_database(name: str) -> None:
    import psycopg

    base = os.environ["DATABASE_URL"]
    # GUILD_BENCH_DB: a database name of one's own, when other sessions may run the same bench at once.
    db_name = os.environ.get("GUILD_BENCH_DB") or f"guild_bench_{name}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
        connection.execute(f'CREATE DATABASE "{db_name}"')
    os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + f"/{db_name}"


def backend_name() -> str:
    from django.db import connection

    return connection.vendor
