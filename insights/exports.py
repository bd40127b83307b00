"""Streaming exports of the Statement store: NDJSON, JSON and CSV, in constant memory.

Contract:
- Statements come out in (stored, id) order, the order the store indexes and the xAPI API pages in,
  read `EXPORT_CHUNK_SIZE` rows at a time; memory does not grow with the number of statements.
- `since`/`until` filter on `stored`, with the xAPI Statement API's meaning (since exclusive, until
  inclusive): an incremental export that passes the previous run's newest `stored` as `since` gets
  every statement that arrived since, including late ones whose `timestamp` is older. A date without
  a time means whole days: `since=2025-05-01 until=2025-05-31` is all of May (UTC).
- NDJSON and JSON carry each statement's `data` as stored, read as JSON text straight from the
  database (never parsed and re-serialised, which is most of the speed). Voided statements are
  included, as are the voiding statements, so the history is complete; CSV marks them in `voided`.
- CSV is flat (one row per statement, the columns of `CSV_COLUMNS`) and safe to open in a spreadsheet:
  every text cell starting with = + - @ tab or CR gets a leading apostrophe (responses are user text).
- Nothing here writes; permission checks belong to the callers (the command, the admin view for
  Analysts, and the learner's own download, which always filters on `actor_user`).

Rows are read with keyset pagination on (stored, id): one short indexed query per chunk, no
long-lived server-side cursor or transaction (on PostgreSQL a thread reads the next chunk while this
one formats the current: `_read_ahead`) (measured against a single chunked cursor in
bench/export.py; see `EXPORT_STRATEGY`). The generated SQL is Django's, but rows are fetched
with a plain cursor, so no model instances or per-row field converters are made.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import msgspec
from django.conf import settings
from django.db import connections, transaction
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.dateparse import parse_datetime

from .models import Statement, after_in_stored_order
from .xapi import vocabulary
from .xapi.activities import activity_iri

if TYPE_CHECKING:
    from accounts.models import User

EXPORT_CHUNK_SIZE = 2000
Strategy = Literal["keyset", "cursor"]
EXPORT_STRATEGY: Strategy = "keyset"
EXPORT_READ_AHEAD = True  # PostgreSQL, outside a transaction: read the next page in a thread (see _read_ahead)

CSV_COLUMNS: tuple[str, ...] = (
    "statement_id",
    "timestamp",
    "stored",
    "actor_account_name",
    "actor_ifi",
    "verb_id",
    "verb_display",
    "object_id",
    "object_type",
    "object_name",
    "course_iri",
    "course_title",
    "lesson_iri",
    "lesson_title",
    "registration",
    "result_score_raw",
    "result_score_scaled",
    "result_success",
    "result_completion",
    "result_response",
    "result_duration",
    "result_duration_seconds",
    "voided",
)


@dataclass(frozen=True)
class ExportFormat:
    name: str
    content_type: str
    extension: str
    label: str


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "ndjson": ExportFormat("ndjson", "application/x-ndjson; charset=utf-8", "ndjson", "NDJSON (one statement a line)"),
    "csv": ExportFormat("csv", "text/csv; charset=utf-8", "csv", "CSV (flat columns, for spreadsheets)"),
    "json": ExportFormat("json", "application/json; charset=utf-8", "json", "JSON (one array)"),
}


class ExportFilterError(ValueError):
    """Input the export cannot honour (bad date, unknown verb or course); the message is for people."""


@dataclass(frozen=True)
class ExportFilter:
    """Which statements to export. Empty fields mean "no restriction".

    since/until apply to `stored` (since exclusive, until inclusive); `course_iris` holds every
    course IRI the requested slug names; `user_id` restricts to statements whose actor is that user.
    """

    since: datetime | None = None
    until: datetime | None = None
    verb: str = ""
    course_iris: tuple[str, ...] = ()
    course_slug: str = ""
    user_id: int | None = None

    def queryset(self) -> QuerySet[Statement]:
        statements = Statement.objects.all()
        if self.since is not None:
            statements = statements.filter(stored__gt=self.since)
        if self.until is not None:
            statements = statements.filter(stored__lte=self.until)
        if self.verb:
            statements = statements.filter(verb=self.verb)
        if self.course_slug or self.course_iris:
            statements = statements.filter(course_iri__in=self.course_iris)
        if self.user_id is not None:
            statements = statements.filter(actor_user_id=self.user_id)
        return statements


# ---------------------------------------------------------------------------------------------
# Parsing what people type (command options, admin form, query strings)


def parse_moment(value: str, *, end_of_day: bool) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime.

    Naive times are UTC. A bare date is a whole day: for `since` (exclusive) the instant just before
    midnight, so the day is included; for `until` (inclusive) the last microsecond of the day.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day + timedelta(days=1) if end_of_day else day, time.min, tzinfo=UTC)
            return moment - timedelta(microseconds=1)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ExportFilterError(
            f"Not an ISO 8601 date or date-time: {value!r} (try 2025-05-01 or 2025-05-01T09:30:00Z)."
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def resolve_verb(value: str) -> str:
    """A verb IRI from an IRI or a Guild vocabulary key (`completed`, `voted-up`…).

    Any absolute IRI is accepted, so statements from external producers can be exported by their
    own verbs; anything else must be a key of insights.xapi.vocabulary.
    """
    text = value.strip()
    by_key = {verb.key: verb for verb in vocabulary.VERBS}
    if text in by_key:
        return by_key[text].iri
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", text):
        return text
    known = ", ".join(sorted(by_key))
    raise ExportFilterError(f"Unknown verb {value!r}: give a verb IRI or one of: {known}.")


def resolve_course(slug: str) -> tuple[str, ...]:
    """The activity IRIs of the course(s) with this slug (live or not: history outlives publication)."""
    from courses.models import CoursePage

    keys = list(CoursePage.objects.filter(slug=slug.strip()).values_list("activity_id", flat=True))
    if not keys:
        raise ExportFilterError(f"No course with the slug {slug!r}.")
    return tuple(activity_iri("course", key) for key in keys)


def export_filter(
    *,
    since: str | None = None,
    until: str | None = None,
    verb: str | None = None,
    course: str | None = None,
    user: User | None = None,
) -> ExportFilter:
    """Validate raw filter input into an ExportFilter; raises ExportFilterError with a readable reason."""
    parsed_since = parse_moment(since, end_of_day=False) if since else None
    parsed_until = parse_moment(until, end_of_day=True) if until else None
    if parsed_since and parsed_until and parsed_since >= parsed_until:
        raise ExportFilterError("`since` must be before `until`.")
    return ExportFilter(
        since=parsed_since,
        until=parsed_until,
        verb=resolve_verb(verb) if verb else "",
        course_iris=resolve_course(course) if course else (),
        course_slug=course.strip() if course else "",
        user_id=user.pk if user is not None else None,
    )


def export_filename(fmt: str, export: ExportFilter, *, now: datetime | None = None) -> str:
    """`guild-statements[-<course>][-<verb>]-<UTC timestamp>.<ext>`: sortable, safe in any file system."""
    parts = ["guild-statements"]
    if export.course_slug:
        parts.append(re.sub(r"[^a-z0-9-]+", "-", export.course_slug.lower()).strip("-"))
    if export.verb:
        parts.append(re.sub(r"[^a-z0-9-]+", "-", export.verb.rstrip("/").rsplit("/", 1)[-1].lower()).strip("-"))
    parts.append((now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ"))
    return "-".join(part for part in parts if part) + "." + EXPORT_FORMATS[fmt].extension


# ---------------------------------------------------------------------------------------------
# Reading rows: keyset pages or one chunked cursor, without model instances


_ID, _VOIDED, _COURSE, _LESSON, _STORED, _RAW = range(6)


def _select(statements: QuerySet[Statement]) -> QuerySet:
    """The columns every format reads, in a fixed order (model fields first, then the annotations in
    the order they were made, which is the order Django's compiler emits them in).

    `stored` is read as its text, the database's own rendering: no datetime is built per row (on
    SQLite the column's converter parsed every value, 5% of a CSV export's CPU), and the text goes
    back into `_after` as the exact value stored."""
    return (
        statements.annotate(stored_key=Cast("stored", TextField()), raw=Cast("data", TextField()))
        .order_by("stored", "id")
        .values_list("id", "voided", "course_iri", "lesson_iri", "stored_key", "raw")
    )


def _execute(statements: QuerySet, cursor) -> None:
    sql, params = statements.query.get_compiler(using=statements.db).as_sql()
    cursor.execute(sql, params)


def _as_datetime(value: Any) -> datetime:
    """A raw `stored` value (text, as both databases are read here) as an aware datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _after(statements: QuerySet, stored: Any, key: Any) -> QuerySet:
    """Rows after (stored, key): the raw values the database just returned, so they compare exactly as stored."""
    return statements.filter(after_in_stored_order(stored, key, raw=True))


def _keys_as_text(cursor) -> None:
    """On PostgreSQL, read `id` as its text (psycopg's C text loader) instead of a UUID object; like
    `stored`'s text it goes back into `_after` as an untyped literal, which PostgreSQL reads as the
    column's type, so the keyset compares exactly what was stored."""
    if cursor.db.vendor == "postgresql":
        from psycopg.types.string import TextLoader

        cursor.cursor.adapters.register_loader("uuid", TextLoader)


def _keyset_pages(statements: QuerySet[Statement], chunk_size: int) -> Iterator[list[tuple]]:
    """One `… WHERE (stored, id) > last ORDER BY stored, id LIMIT n` query per page.

    Each query is short and independent: no transaction or server-side cursor stays open while a
    slow client downloads, and PostgreSQL does not materialise the result (as a WITH HOLD cursor
    outside a transaction would).
    """
    connection = connections[statements.db]
    selected = _select(statements)
    page = selected
    while True:
        with connection.cursor() as cursor:
            _keys_as_text(cursor)
            _execute(page[:chunk_size], cursor)
            rows = cursor.fetchall()
        if rows:
            yield rows
        if len(rows) < chunk_size:
            return
        page = _after(selected, rows[-1][_STORED], rows[-1][_ID])


def _cursor_pages(statements: QuerySet[Statement], chunk_size: int) -> Iterator[list[tuple]]:
    """One query read through a chunked cursor (server-side on PostgreSQL, inside a transaction so it
    is not WITH HOLD), `chunk_size` rows per fetch."""
    connection = connections[statements.db]
    with transaction.atomic(using=statements.db), connection.chunked_cursor() as cursor:
        _keys_as_text(cursor)
        _execute(_select(statements), cursor)
        while rows := cursor.fetchmany(chunk_size):
            yield rows


def statement_pages(
    statements: QuerySet[Statement],
    *,
    chunk_size: int = EXPORT_CHUNK_SIZE,
    strategy: Strategy | None = None,
) -> Iterator[list[tuple]]:
    """Raw rows (id, voided, course_iri, lesson_iri, stored as text, data as JSON text) in (stored, id) order.

    The JSON is the stored text, whole: NDJSON and JSON pass it through, and CSV decodes only
    the fields it reads (msgspec skips the rest in C, cheaper than having the database drop them).
    """
    if (strategy or EXPORT_STRATEGY) == "cursor":
        return _cursor_pages(statements, chunk_size)
    connection = connections[statements.db]
    if EXPORT_READ_AHEAD and connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _read_ahead(_keyset_pages(statements, chunk_size))
    return _keyset_pages(statements, chunk_size)


_DONE = object()


def _read_ahead(pages: Iterator[list[tuple]]) -> Iterator[list[tuple]]:
    """Run `pages` in a thread of its own, one page ahead: PostgreSQL renders the next page's JSON
    while this thread formats the current one, instead of each waiting for the other.

    The thread has its own database connection (Django's are per thread), closed when it ends, so
    this is only for reads outside a transaction: a transaction's uncommitted rows are invisible to
    another connection. Each page is still one short keyset query. If the consumer stops early (a
    download cancelled), the thread notices within a page and stops.
    """
    ready: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        ready.put(page, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(_DONE)
        except BaseException as error:  # noqa: BLE001  (handed to the consumer, which re-raises it)
            ready.put(error)
        finally:
            pages.close()
            connections.close_all()  # this thread's connections only

    worker = threading.Thread(target=produce, name="export-read-ahead", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a last put, then let the thread close its connection
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.1)
        worker.join()


# ---------------------------------------------------------------------------------------------
# Formats


def _json_text(raw: str) -> str:
    """The stored JSON text on one line (it always is: Django and PostgreSQL write it compactly;
    re-serialise only if something else ever stored it pretty-printed)."""
    return json.dumps(json.loads(raw), ensure_ascii=False) if "\n" in raw or "\r" in raw else raw


def _ndjson(pages: Iterable[list[tuple]], progress: Callable[[int], None] | None) -> Iterator[str]:
    for rows in pages:
        yield "\n".join([_json_text(row[_RAW]) for row in rows]) + "\n"
        if progress:
            progress(len(rows))


def _json_array(pages: Iterable[list[tuple]], progress: Callable[[int], None] | None) -> Iterator[str]:
    """`[`, the statements separated by `,\\n`, `]`: valid JSON however it is cut into chunks."""
    separator = "[\n"
    for rows in pages:
        yield separator + ",\n".join([_json_text(row[_RAW]) for row in rows])
        separator = ",\n"
        if progress:
            progress(len(rows))
    yield "[]\n" if separator == "[\n" else "\n]\n"


def _language_value(language_map: Any) -> str:
    if not isinstance(language_map, dict) or not language_map:
        return ""
    return language_map.get("en") or language_map.get("en-US") or next(iter(language_map.values()))


_DURATION = re.compile(
    r"P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?"
)
_DURATION_SECONDS = {"y": 365 * 86400, "mo": 30 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "mi": 60, "s": 1}


@lru_cache(maxsize=4096)
def duration_seconds(value: str) -> float | None:
    """An ISO 8601 duration in seconds (years as 365 days, months as 30), or None if not one."""
    match = _DURATION.fullmatch(value)
    if not match or value in ("P", "PT") or value.endswith("T"):
        return None
    return round(sum(float(v) * _DURATION_SECONDS[k] for k, v in match.groupdict().items() if v), 3)


def _utc_text(value: str) -> str:
    """Timestamps as UTC `…Z` text; Guild's already are, other producers' may carry offsets."""
    if value.endswith("Z"):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _stored_text(value: Any) -> str:
    moment = _as_datetime(value)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_FORMULA_STARTS = frozenset("=+-@\t\r")
_NEEDS_QUOTES = re.compile(r'[",\r\n]')


def _safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas: text starting with = + - @ tab or CR gets a leading apostrophe."""
    if value.__class__ is str and value[:1] in _FORMULA_STARTS:
        return "'" + value
    return value


def _bool(value: Any) -> str:
    return "" if value is None else ("true" if value else "false")


def _number(value: Any) -> str:
    """Numbers as text here, after the formula guard, so -3 stays a number and is not prefixed."""
    return repr(value) if isinstance(value, int | float) and not isinstance(value, bool) else ""


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if _NEEDS_QUOTES.search(cell) else cell


def csv_line(cells: list[str]) -> str:
    """One RFC 4180 record (as csv.writer's QUOTE_MINIMAL writes it, CRLF-terminated).

    The common case (no comma, quote or line break in any cell) is one C-level join and three
    scans, about ten times faster than csv.writer, which copies every character one by one.
    """
    line = ",".join(cells)
    if line.count(",") == len(cells) - 1 and '"' not in line and "\n" not in line and "\r" not in line:
        return line + "\r\n"
    return ",".join([_quoted(cell) for cell in cells]) + "\r\n"


def _text(value: Any) -> str:
    return value if value.__class__ is str else ("" if value is None else str(value))


# What a CSV row reads of a statement, as msgspec Structs: decoding into them parses the JSON in C and
# builds Python objects only for these fields (context activities with their definitions, most of a
# statement, are skipped), about three times faster than json.loads into dicts. Leaves are `Any`, so
# any JSON value decodes; a statement whose shape does not fit (not possible for a validated one)
# falls back to the dict path.


class _Account(msgspec.Struct):
    homePage: Any = None  # noqa: N815 (the xAPI property's name)
    name: Any = None


class _Definition(msgspec.Struct):
    name: Any = None


class _Agent(msgspec.Struct):
    objectType: Any = None  # noqa: N815
    id: Any = None
    name: Any = None
    mbox: Any = None
    mbox_sha1sum: Any = None
    openid: Any = None
    account: _Account | None = None
    definition: _Definition | None = None


class _Verb(msgspec.Struct):
    id: Any = None
    display: Any = None


class _Score(msgspec.Struct):
    raw: Any = None
    scaled: Any = None


class _Result(msgspec.Struct):
    score: _Score | None = None
    success: Any = None
    completion: Any = None
    response: Any = None
    duration: Any = None


class _Context(msgspec.Struct):
    registration: Any = None


class _CSVStatement(msgspec.Struct):
    id: Any = None
    timestamp: Any = None
    stored: Any = None
    actor: _Agent | None = None
    verb: _Verb | None = None
    object: _Agent | None = None
    result: _Result | None = None
    context: _Context | None = None


_decode_csv_statement = msgspec.json.Decoder(_CSVStatement).decode
_EMPTY_AGENT = _Agent()
_EMPTY_VERB = _Verb()
_EMPTY_RESULT = _Result()
_EMPTY_SCORE = _Score()


def _parse_for_csv(raw: str) -> _CSVStatement:
    try:
        return _decode_csv_statement(raw)
    except msgspec.ValidationError:
        data = json.loads(raw)
        if not isinstance(data, dict):  # not a statement at all: a row of empty cells, not a failed export
            data = {}
        return _CSVStatement(
            id=data.get("id"),
            timestamp=data.get("timestamp"),
            stored=data.get("stored"),
            actor=_lenient(data.get("actor"), _Agent),
            verb=_lenient(data.get("verb"), _Verb),
            object=_lenient(data.get("object"), _Agent),
            result=_lenient(data.get("result"), _Result),
            context=_lenient(data.get("context"), _Context),
        )


def _lenient(value: Any, kind: type[msgspec.Struct]) -> Any:
    """A part of an odd statement as a Struct, or None when it does not fit (its cells stay empty)."""
    try:
        return msgspec.convert(value, kind) if isinstance(value, dict) else None
    except msgspec.ValidationError:
        return None


def _csv_row(row: tuple, titles: dict[str, str], home_page: str, *, titles_guarded: bool = False) -> str:
    """One statement as a CSV line, for any shape of statement (the reference for `_csv_rows`)."""
    data = _parse_for_csv(row[_RAW])
    guard = _text if titles_guarded else _safe
    actor = data.actor or _EMPTY_AGENT
    account = actor.account
    account_name = (account.name or "") if account is not None else ""
    if account is not None and account.homePage == home_page:
        actor_ifi = ""
    elif actor.mbox is not None:
        actor_ifi = f"mbox:{actor.mbox}"
    elif actor.mbox_sha1sum is not None:
        actor_ifi = f"mbox_sha1sum:{actor.mbox_sha1sum}"
    elif actor.openid is not None:
        actor_ifi = f"openid:{actor.openid}"
    elif account is not None:
        actor_ifi = f"account:{account.homePage or ''}|{account_name}"
    else:
        actor_ifi = ""
    verb = data.verb or _EMPTY_VERB
    obj = data.object or _EMPTY_AGENT
    object_type = obj.objectType or "Activity"
    if object_type in ("Agent", "Group"):
        object_account = obj.account
        object_id = (
            obj.mbox
            or (object_account.name if object_account is not None else None)
            or obj.openid
            or obj.mbox_sha1sum
            or ""
        )
        object_name = obj.name or ""
    else:
        object_id = obj.id or ""
        object_name = _language_value(obj.definition.name) if obj.definition is not None else ""
    result = data.result or _EMPTY_RESULT
    score = result.score or _EMPTY_SCORE
    duration = result.duration or ""
    seconds = duration_seconds(duration) if duration.__class__ is str and duration else None
    course_iri, lesson_iri = row[_COURSE], row[_LESSON]
    response = _text(result.response)
    # Only cells that can hold free text get the formula guard: ids, UUIDs, timestamps and IRIs cannot
    # start with = + - @ (an IRI starts with its scheme), so checking them would only cost time.
    return csv_line(
        [
            _text(data.id),
            _utc_text(_text(data.timestamp)),
            _utc_text(_text(data.stored)) if data.stored else _stored_text(row[_STORED]),
            _safe(_text(account_name)),
            actor_ifi,
            _text(verb.id),
            _safe(_text(_language_value(verb.display))),
            _safe(_text(object_id)),
            _text(object_type),
            _safe(_text(object_name)),
            course_iri,
            guard(titles.get(course_iri, "")),
            lesson_iri,
            guard(titles.get(lesson_iri, "")),
            _text(data.context.registration if data.context is not None else None),
            _number(score.raw),
            _number(score.scaled),
            _bool(result.success),
            _bool(result.completion),
            _safe(response),
            _safe(_text(duration)),
            "" if seconds is None else repr(seconds),
            "true" if row[_VOIDED] else "false",
        ]
    )


def activity_titles() -> dict[str, str]:
    """Course and lesson IRIs to their current titles (two queries; a few thousand pages at most)."""
    from courses.models import CoursePage, LessonPage

    titles = {
        activity_iri("course", key): title for key, title in CoursePage.objects.values_list("activity_id", "title")
    }
    titles.update(
        (activity_iri("lesson", key), title) for key, title in LessonPage.objects.values_list("activity_id", "title")
    )
    return titles


# The fast path: the same fields typed as a valid statement has them (strings, numbers, booleans,
# language maps), so a row needs no per-cell type checks. A statement that does not decode into
# these types (not possible for a validated one) raises ValidationError and goes through `_csv_row`,
# which is the reference: for any statement the fast path accepts, both write the same line
# (tests/insights/test_export.py runs both over varied statements).


class _TypedAccount(msgspec.Struct):
    homePage: str | None = None  # noqa: N815
    name: str | None = None


class _TypedDefinition(msgspec.Struct):
    name: dict[str, str] | None = None


class _TypedAgent(msgspec.Struct):
    objectType: str | None = None  # noqa: N815
    id: str | None = None
    name: str | None = None
    mbox: str | None = None
    mbox_sha1sum: str | None = None
    openid: str | None = None
    account: _TypedAccount | None = None
    definition: _TypedDefinition | None = None


class _TypedVerb(msgspec.Struct):
    id: str | None = None
    display: dict[str, str] | None = None


class _TypedScore(msgspec.Struct):
    raw: int | float | None = None
    scaled: int | float | None = None


class _TypedResult(msgspec.Struct):
    score: _TypedScore | None = None
    success: bool | None = None
    completion: bool | None = None
    response: str | None = None
    duration: str | None = None


class _TypedContext(msgspec.Struct):
    registration: str | None = None


class _TypedStatement(msgspec.Struct):
    """Actor, verb and object are required (as in xAPI): their absence goes the reference way."""

    actor: _TypedAgent
    verb: _TypedVerb
    object: _TypedAgent
    id: str | None = None
    timestamp: str | None = None
    stored: str | None = None
    result: _TypedResult | None = None
    context: _TypedContext | None = None


_decode_typed_statement = msgspec.json.Decoder(_TypedStatement).decode
_EMPTY_TYPED_RESULT = _TypedResult()
_EMPTY_TYPED_SCORE = _TypedScore()


def _csv_rows(rows: list[tuple], titles: dict[str, str], home_page: str) -> str:
    """A page of rows as CSV lines: `_csv_row`'s output, inlined for typed statements.

    About half of a CSV export's CPU was helper calls per cell; this loop makes none for a
    statement of the expected types. Titles arrive already formula-guarded.
    """
    decode = _decode_typed_statement
    formula_starts = _FORMULA_STARTS
    lines = []
    append = lines.append
    for row in rows:
        try:
            data = decode(row[_RAW])
        except msgspec.ValidationError:
            append(_csv_row(row, titles, home_page, titles_guarded=True))
            continue
        actor = data.actor
        account = actor.account
        if account is not None:
            account_name = account.name or ""
            if account.homePage == home_page:
                actor_ifi = ""
            elif actor.mbox is not None:
                actor_ifi = f"mbox:{actor.mbox}"
            elif actor.mbox_sha1sum is not None:
                actor_ifi = f"mbox_sha1sum:{actor.mbox_sha1sum}"
            elif actor.openid is not None:
                actor_ifi = f"openid:{actor.openid}"
            else:
                actor_ifi = f"account:{account.homePage or ''}|{account_name}"
            if account_name[:1] in formula_starts:
                account_name = "'" + account_name
        else:
            account_name = ""
            if actor.mbox is not None:
                actor_ifi = f"mbox:{actor.mbox}"
            elif actor.mbox_sha1sum is not None:
                actor_ifi = f"mbox_sha1sum:{actor.mbox_sha1sum}"
            elif actor.openid is not None:
                actor_ifi = f"openid:{actor.openid}"
            else:
                actor_ifi = ""
        verb = data.verb
        display = verb.display
        verb_display = (display.get("en") or display.get("en-US") or next(iter(display.values()))) if display else ""
        if verb_display[:1] in formula_starts:
            verb_display = "'" + verb_display
        obj = data.object
        object_type = obj.objectType or "Activity"
        if object_type == "Agent" or object_type == "Group":
            object_account = obj.account
            object_id = (
                obj.mbox
                or (object_account.name if object_account is not None else None)
                or obj.openid
                or obj.mbox_sha1sum
                or ""
            )
            if object_id[:1] in formula_starts:
                object_id = "'" + object_id
            object_name = obj.name or ""
        else:
            object_id = obj.id or ""
            if object_id[:1] in formula_starts:
                object_id = "'" + object_id
            definition = obj.definition
            names = definition.name if definition is not None else None
            object_name = (names.get("en") or names.get("en-US") or next(iter(names.values()))) if names else ""
        if object_name[:1] in formula_starts:
            object_name = "'" + object_name
        result = data.result or _EMPTY_TYPED_RESULT
        score = result.score or _EMPTY_TYPED_SCORE
        raw, scaled, success, completion = score.raw, score.scaled, result.success, result.completion
        response = result.response or ""
        if response[:1] in formula_starts:
            response = "'" + response
        duration = result.duration or ""
        if duration:
            seconds = duration_seconds(duration)
            seconds_text = "" if seconds is None else repr(seconds)
            if duration[:1] in formula_starts:
                duration = "'" + duration
        else:
            seconds_text = ""
        timestamp = data.timestamp or ""
        if not timestamp.endswith("Z"):
            timestamp = _utc_text(timestamp)
        stored = data.stored
        if not stored:
            stored = _stored_text(row[_STORED])
        elif not stored.endswith("Z"):
            stored = _utc_text(stored)
        context = data.context
        course_iri, lesson_iri = row[_COURSE], row[_LESSON]
        cells = [
            data.id or "",
            timestamp,
            stored,
            account_name,
            actor_ifi,
            verb.id or "",
            verb_display,
            object_id,
            object_type,
            object_name,
            course_iri,
            titles.get(course_iri, ""),
            lesson_iri,
            titles.get(lesson_iri, ""),
            (context.registration or "") if context is not None else "",
            "" if raw is None else repr(raw),
            "" if scaled is None else repr(scaled),
            "" if success is None else ("true" if success else "false"),
            "" if completion is None else ("true" if completion else "false"),
            response,
            duration,
            seconds_text,
            "true" if row[_VOIDED] else "false",
        ]
        line = ",".join(cells)
        if line.count(",") == 22 and '"' not in line and "\n" not in line and "\r" not in line:
            append(line + "\r\n")
        else:
            append(",".join([_quoted(cell) for cell in cells]) + "\r\n")
    return "".join(lines)


def _csv(pages: Iterable[list[tuple]], progress: Callable[[int], None] | None) -> Iterator[str]:
    header = csv_line(list(CSV_COLUMNS))
    titles: dict[str, str] | None = None
    home_page = settings.XAPI_ACCOUNT_HOMEPAGE
    for rows in pages:
        if titles is None:
            titles = {iri: _safe(title) for iri, title in activity_titles().items()}
        yield header + _csv_rows(rows, titles, home_page)
        header = ""
        if progress:
            progress(len(rows))
    if header:
        yield header


_WRITERS = {"ndjson": _ndjson, "json": _json_array, "csv": _csv}


def export_stream(
    fmt: str,
    export: ExportFilter,
    *,
    chunk_size: int = EXPORT_CHUNK_SIZE,
    strategy: Strategy | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """The export as text chunks (one per page of statements), for a file or a StreamingHttpResponse.

    Lazy: nothing is queried until the first chunk is asked for. `progress(n)` is called after each
    chunk with the number of statements in it.
    """
    if fmt not in _WRITERS:
        raise ExportFilterError(f"Unknown format {fmt!r}: one of {', '.join(EXPORT_FORMATS)}.")
    pages = statement_pages(export.queryset(), chunk_size=chunk_size, strategy=strategy)
    return _WRITERS[fmt](pages, progress)
