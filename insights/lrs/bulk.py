"""Raw multi-row inserts for the ingest hot path.

`bulk_create` spends most of a batch's time in Django's per-value machinery (model instances,
`get_db_prep_save`, SQL compilation per batch): ~2 ms per statement with its index rows. Here the
values are adapted once by type and sent as one multi-row INSERT per chunk on PostgreSQL, or with
sqlite3's `executemany` (a C loop over one prepared statement) on SQLite. Only the types the LRS tables
use are handled: str, int, bool, None, UUID, aware datetime, and JSON columns.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection


def _adapter(vendor: str):
    ops = connection.ops

    def adapt(value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return value.hex if vendor == "sqlite" else value
        if isinstance(value, datetime):
            return ops.adapt_datetimefield_value(value) if vendor == "sqlite" else value
        return value

    return adapt


def insert_rows(
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    json_columns: Sequence[str] = (),
    ignore_conflicts: bool = False,
) -> None:
    """INSERT `rows` (tuples in `columns` order) into `table` in one executemany, in the caller's transaction."""
    if not rows:
        return
    vendor = connection.vendor
    adapt = _adapter(vendor)
    json_positions = {columns.index(name) for name in json_columns}
    placeholders = ", ".join(
        ("%s::jsonb" if vendor == "postgresql" else "%s") if i in json_positions else "%s" for i in range(len(columns))
    )
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    head = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES "  # noqa: S608
    params = [
        [json.dumps(value) if i in json_positions else adapt(value) for i, value in enumerate(row)] for row in rows
    ]
    with connection.cursor() as cursor:
        if vendor != "postgresql":
            cursor.executemany(f"{head}({placeholders}){conflict}", params)
            return
        # PostgreSQL: one multi-row INSERT per chunk (one parse, one round trip, one index pass per
        # chunk) rather than one execute per row; chunks stay under the 65,535 bind-parameter limit.
        per_chunk = max(1, 60_000 // len(columns))
        for start in range(0, len(params), per_chunk):
            chunk = params[start : start + per_chunk]
            values = ", ".join([f"({placeholders})"] * len(chunk))
            cursor.execute(f"{head}{values}{conflict}", [value for row in chunk for value in row])
