"""The machine's raw insert limit for statement rows into PostgreSQL: no HTTP, no Django, no validation.

Issue #6 sets Guild's LRS ingest target against "this machine's raw limit, one Python process inserting
the same statement rows with five indexes in batches of 100". This measures that limit here, so the
load bench's figures (bench/lrs_load.py) can be read against it: one psycopg connection, a table with
insights_statement's columns and five indexes (the primary key; stored; verb, actor and object each with
stored), rows built from bench/lrs_load.py's generated statements before the clock starts, one
transaction per batch of 100, four ways of sending them. It prints statements/s and CPU per statement
of this process and of its PostgreSQL backend. Never asserts timings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/lrs_raw_insert.py
    GUILD_BENCH_DB=guild_raw_mine DATABASE_URL=… python bench/lrs_raw_insert.py --statements 50000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import cpu_seconds  # noqa: E402
from lrs_load import generate  # noqa: E402

COLUMNS = (
    "id, verb, actor_key, actor_user_id, object_id, object_type, registration, course_iri, lesson_iri,"
    " timestamp, stored, voided, data, forward_state, forward_attempts, forward_error, forwarded_at"
)
TABLE = """
CREATE TABLE raw_statement (
    id uuid PRIMARY KEY, verb varchar(512) NOT NULL, actor_key varchar(512) NOT NULL, actor_user_id bigint,
    object_id varchar(1024) NOT NULL, object_type varchar(16) NOT NULL, registration uuid,
    course_iri varchar(512) NOT NULL, lesson_iri varchar(512) NOT NULL, timestamp timestamptz NOT NULL,
    stored timestamptz NOT NULL, voided boolean NOT NULL, data jsonb NOT NULL, forward_state smallint NOT NULL,
    forward_attempts smallint NOT NULL, forward_error text NOT NULL, forwarded_at timestamptz
);
CREATE INDEX raw_stored ON raw_statement (stored, id);
CREATE INDEX raw_verb ON raw_statement (verb, stored);
CREATE INDEX raw_actor ON raw_statement (actor_key, stored);
CREATE INDEX raw_object ON raw_statement (object_id, stored);
"""


def actor_key(actor: dict[str, Any]) -> str:
    if "mbox" in actor:
        return actor["mbox"]
    return f"{actor['account']['homePage']}|{actor['account']['name']}"


def rows_of(statements: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The statement rows as the LRS stores them (stored, authority and version added)."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    authority = {"objectType": "Agent", "account": {"homePage": "https://guild.example.com", "name": "bench"}}
    rows = []
    for index, statement in enumerate(statements):
        stored = start + timedelta(milliseconds=index // 100)
        data = {**statement, "stored": stored.isoformat(), "authority": authority, "version": "1.0.0"}
        timestamp = datetime.fromisoformat(statement["timestamp"].replace("Z", "+00:00"))
        rows.append(
            (
                statement["id"], statement["verb"]["id"], actor_key(statement["actor"]), None,
                statement["object"]["id"], "Activity", statement["context"]["registration"], "", "",
                timestamp, stored, False, json.dumps(data), 0, 0, "", None,
            )
        )  # fmt: skip
    return rows


def copy_text(row: tuple[Any, ...]) -> str:
    """One COPY text line (the generated values need no escaping beyond the JSON's backslashes)."""
    fields = ["\\N" if v is None else ("t" if v else "f") if isinstance(v, bool) else str(v) for v in row]
    fields[12] = row[12].replace("\\", "\\\\")
    fields[9], fields[10] = row[9].isoformat(), row[10].isoformat()
    return "\t".join(fields)


def run(
    connection: psycopg.Connection, batches: Sequence[Any], send: Callable[[psycopg.Cursor, Any], None]
) -> tuple[float, float, float]:
    """Send each batch in its own transaction; returns (wall seconds, client CPU seconds, backend CPU seconds)."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS raw_statement")
        cursor.execute(TABLE)
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    connection.commit()
    server_before = cpu_seconds(backend)
    wall, cpu = time.perf_counter(), time.process_time()
    for batch in batches:
        with connection.cursor() as cursor:
            send(cursor, batch)
        connection.commit()
    return time.perf_counter() - wall, time.process_time() - cpu, cpu_seconds(backend) - server_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    name = os.environ.get("GUILD_BENCH_DB") or "guild_raw_insert"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    rows = rows_of(generate(args.statements, seed=4))
    row_batches = [rows[i : i + args.batch] for i in range(0, len(rows), args.batch)]
    text_batches = [("\n".join(copy_text(row) for row in batch) + "\n").encode() for batch in row_batches]
    insert = f"INSERT INTO raw_statement ({COLUMNS}) VALUES ({', '.join(['%s'] * 17)})"  # noqa: S608
    many_values = f"INSERT INTO raw_statement ({COLUMNS}) VALUES " + ", ".join(  # noqa: S608
        [f"({', '.join(['%s'] * 17)})"] * args.batch
    )

    def executemany(cursor: psycopg.Cursor, batch: list[tuple[Any, ...]]) -> None:
        cursor.executemany(insert, batch)

    def multirow(cursor: psycopg.Cursor, batch: list[tuple[Any, ...]]) -> None:
        cursor.execute(many_values if len(batch) == args.batch else insert, [v for row in batch for v in row])

    def copy_rows(cursor: psycopg.Cursor, batch: list[tuple[Any, ...]]) -> None:
        with cursor.copy(f"COPY raw_statement ({COLUMNS}) FROM STDIN") as copy:
            for row in batch:
                copy.write_row(row)

    def copy_prebuilt(cursor: psycopg.Cursor, payload: bytes) -> None:
        with cursor.copy(f"COPY raw_statement ({COLUMNS}) FROM STDIN") as copy:
            copy.write(payload)

    print(f"{args.statements:,} statement rows, 5 indexes, batches of {args.batch}, one transaction per batch")
    methods = [
        ("executemany INSERT (psycopg pipeline)", executemany, row_batches),
        ("one multi-row INSERT per batch", multirow, row_batches),
        ("COPY, psycopg write_row", copy_rows, row_batches),
        ("COPY, text built before the clock", copy_prebuilt, text_batches),
    ]
    with psycopg.connect(f"{base.rsplit('/', 1)[0]}/{name}") as connection:
        for label, send, batches in methods:
            wall, client, server = run(connection, batches, send)
            count = args.statements
            rate, python, database = count / wall, client / count * 1e6, server / count * 1e6
            print(f"{label:<40} {rate:>8,.0f} statements/s   CPU per statement:", end=" ")
            print(f"Python {python:5.1f} µs, PostgreSQL {database:5.1f} µs")


if __name__ == "__main__":
    main()
