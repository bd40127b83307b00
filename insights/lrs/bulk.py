"""Raw multi-row inserts for the ingest hot path.

`bulk_create` spends most of a batch's time in Django's per-value machinery (model instances,
`get_db_prep_save`, SQL compilation per batch): ~2 ms per statement with its index rows. Here the
values are adapted once by type and sent as:

- PostgreSQL: ONE `INSERT … SELECT * FROM unnest(%s::type[], …)` per table, one array parameter per
  column. The SQL text stays short and the same whatever the batch size, so psycopg splits it once
  (its parse cache) and quotes each array in C; the earlier multi-row `VALUES (%s, …), (%s, …)` form
  made psycopg re-split a ~2,000-placeholder query on every batch, which cost more CPU than the
  database's own work. It also stays far from the 65,535 bind-parameter limit at any size.
- SQLite: `executemany` of one prepared INSERT (a C loop in sqlite3).

`copy_records` is the faster path on PostgreSQL for rows that cannot conflict (checked beforehand in
the same transaction): COPY in its binary format, whose records the caller builds (`binary_*`) and the
server reads without the array and executor overhead of `insert_rows`, and without parsing text: no
scan of every character of a statement's 1 KB JSON for escapes, no date, UUID or array parsing. COPY
has no ON CONFLICT: a unique violation raises IntegrityError and the caller decides.

Only the types the LRS tables use are handled: str, int, bool, None, UUID, aware datetime, bytes,
and JSON columns (given as Python values, serialised here; as arrays where the column is an array type).
"""

from __future__ import annotations

import json
import struct
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import msgspec
from django.db import connection, models

_encode_json = msgspec.json.Encoder().encode


def _element(value: Any) -> str:
    """One element of a PostgreSQL array literal, always double-quoted (or NULL)."""
    if value is None:
        return "NULL"
    if value.__class__ is str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value.__class__ is bool:
        return "t" if value else "f"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a bulk insert")
        return '"' + value.isoformat() + '"'
    if isinstance(value, bytes | bytearray | memoryview):
        return '"\\\\x' + bytes(value).hex() + '"'
    return '"' + str(value) + '"'  # int, UUID


def _json_texts(values: Sequence[Any]) -> list[str | None]:
    """JSON documents for jsonb, encoded by msgspec (several times faster than json.dumps; jsonb
    normalises the text, so what is stored is the same)."""
    return [None if value is None else _encode_json(value).decode() for value in values]


def _array_literal(values: Sequence[Any]) -> str:
    """A PostgreSQL array literal (`{"a","b",NULL}`) built with C-level string operations.

    psycopg's own list dumper escapes every element with a Python-level regex substitution, which
    for a batch's JSON documents cost more than the INSERT itself.
    """
    return "{" + ",".join([_element(value) for value in values]) + "}"


def uuid_array_literal(values: Iterable[str]) -> str:
    """A PostgreSQL array literal of elements that need no quoting (UUIDs, hex digits): `{a,b}`."""
    return "{" + ",".join(values) + "}"


@lru_cache(maxsize=64)
def _array_positions(model: type[models.Model], columns: tuple[str, ...]) -> frozenset[int]:
    """The positions of PostgreSQL array-typed columns (e.g. StatementIdsField's uuid[]) among `columns`."""
    fields = {field.column: field for field in model._meta.concrete_fields}
    return frozenset(i for i, column in enumerate(columns) if fields[column].db_type(connection).endswith("[]"))


@lru_cache(maxsize=64)
def _postgresql_sql(
    model: type[models.Model], columns: tuple[str, ...], json_positions: frozenset[int], conflict: str
) -> str:
    quote = connection.ops.quote_name
    fields = {field.column: field for field in model._meta.concrete_fields}
    array_positions = _array_positions(model, columns)
    casts, selected = [], []
    for index, column in enumerate(columns):
        db_type = "jsonb" if index in json_positions else fields[column].db_type(connection)
        if index in array_positions:  # unnest would flatten an array of arrays: each row's literal as text
            casts.append("%s::text[]")
            selected.append(f"c{index}::{db_type}")
        else:
            casts.append(f"%s::{db_type}[]")
            selected.append(f"c{index}")
    quoted = ", ".join(quote(column) for column in columns)
    names = ", ".join(f"c{index}" for index in range(len(columns)))
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({quoted}) "  # noqa: S608 (model names, not input)
        f"SELECT {', '.join(selected)} FROM unnest({', '.join(casts)}) AS u({names}){conflict}"
    )


@lru_cache(maxsize=64)
def _sqlite_sql(model: type[models.Model], columns: tuple[str, ...], conflict: str) -> str:
    quote = connection.ops.quote_name
    quoted = ", ".join(quote(column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {quote(model._meta.db_table)} ({quoted}) VALUES ({placeholders}){conflict}"  # noqa: S608


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    json_columns: Sequence[str] = (),
    ignore_conflicts: bool = False,
) -> None:
    """INSERT `rows` (tuples in `columns` order) into `model`'s table in one statement, in the caller's transaction.

    `json_columns` hold Python values stored as JSON, except where the column is an array type on
    PostgreSQL (StatementIdsField): there each row's list becomes an array literal.
    """
    if not rows:
        return
    columns = tuple(columns)
    json_positions = frozenset(columns.index(name) for name in json_columns)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            array_positions = _array_positions(model, columns)
            json_positions -= array_positions
            arrays = [
                _array_literal(
                    _json_texts(values)
                    if i in json_positions
                    else [_array_literal(value) for value in values]
                    if i in array_positions
                    else values
                )
                for i, values in enumerate(zip(*rows, strict=True))
            ]
            cursor.execute(_postgresql_sql(model, columns, json_positions, conflict), arrays)
            return
        adapt_datetime = connection.ops.adapt_datetimefield_value
        params = [
            [
                json.dumps(value)
                if i in json_positions
                else value.hex
                if value.__class__ is uuid.UUID
                else adapt_datetime(value)
                if isinstance(value, datetime)
                else value
                for i, value in enumerate(row)
            ]
            for row in rows
        ]
        cursor.executemany(_sqlite_sql(model, columns, conflict), params)


@lru_cache(maxsize=64)
def _copy_sql(model: type[models.Model], columns: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    return f"COPY {quote(model._meta.db_table)} ({', '.join(quote(column) for column in columns)}) FROM STDIN"


# COPY's binary format (PostgreSQL's COPY documentation, "Binary Format"): a
# signature, flags and header-extension length, then per row a field count and per field a length
# (-1 for NULL) and the type's binary send format, then -1 as the field count to end.
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_BINARY_TRAILER = b"\xff\xff"
BINARY_NULL = b"\xff\xff\xff\xff"
BINARY_FALSE = b"\x00\x00\x00\x01\x00"
BINARY_TRUE = b"\x00\x00\x00\x01\x01"
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
binary_length = struct.Struct(">i").pack  # a field's length, in front of its bytes
_timestamp_field = struct.Struct(">iq").pack


def binary_field_count(count: int) -> bytes:
    return struct.pack(">h", count)


def binary_text(value: str) -> bytes:
    """A text or varchar field: its UTF-8 bytes."""
    encoded = value.encode()
    return binary_length(len(encoded)) + encoded


def binary_uuid(text: str) -> bytes:
    """A uuid field from its text: 32 hex digits (`UUID.hex`) or the 8-4-4-4-12 form."""
    return b"\x00\x00\x00\x10" + bytes.fromhex(text if len(text) == 32 else text.replace("-", ""))


def binary_timestamptz(value: datetime) -> bytes:
    """A timestamptz field: microseconds since 2000-01-01 UTC as int64 (an aware datetime only)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime in a bulk insert")
    return _timestamp_field(8, (value - _PG_EPOCH) // _MICROSECOND)


def binary_int2(value: int) -> bytes:
    return struct.pack(">ih", 2, value)


_UUID_TYPE_OID = 2950  # pg_type's oid for uuid, fixed in PostgreSQL's catalog
# The field's length, then the array header: one dimension, no NULLs, the element type, the
# dimension's length and lower bound.
_uuid_array_head = struct.Struct(">iiiiii").pack


def binary_uuid_array(elements: Sequence[bytes]) -> bytes:
    """A uuid[] field from its elements, each already a `binary_uuid` (an element is a length and its bytes)."""
    return _uuid_array_head(20 + 20 * len(elements), 1, 0, _UUID_TYPE_OID, len(elements), 1) + b"".join(elements)


def copy_records(model: type[models.Model], columns: Sequence[str], records: Sequence[bytes]) -> None:
    """COPY rows already encoded in COPY's binary format (each a `binary_field_count`, then each field
    by the `binary_*` helper for its column's type), in the caller's transaction; PostgreSQL only. A
    unique violation raises IntegrityError, and a value the column cannot hold a DataError.
    """
    if not records:
        return
    payload = b"".join((_BINARY_HEADER, *records, _BINARY_TRAILER))
    sql = _copy_sql(model, tuple(columns)) + " (FORMAT binary)"
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(payload)
