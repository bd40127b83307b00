"""The incremental fill: new statements → the pre-aggregated dashboard tables (insights/dashboards/models.py).

Contract of `aggregates_fill`:
- Resumable: a high-water mark (stored, id) in AggregateFillState; each batch reads the statements
  after it in (stored, id) order, adds their deltas and moves the mark, in one transaction. A crash
  loses at most the batch in flight, which the next run redoes. The mark row is locked
  (select_for_update), so concurrent runs (a beat tick and an on-commit task) serialise instead of
  double-counting.
- A lag: only statements stored at least `lag` ago are read. `stored` is set before the writing
  transaction commits, so a statement can appear "in the past" of a mark that already moved; the
  lag (INSIGHTS_FILL_LAG_SECONDS, default 5) is longer than Guild's transactions take.
- Voiding, decided by order alone so the result never depends on when the fill ran: a statement
  counts unless a voiding statement of it comes before it in (stored, id) order; the first voiding
  statement that comes after it subtracts exactly what it added. Counters are exact; "first moment"
  facts (first answer, first post) keep the moment even if the statement behind it is voided later.
- Speed: the JSON the aggregates need is extracted by the database (#>> on PostgreSQL, json_extract on
  SQLite), each value only for the verbs that read it; facts are loaded per batch with one query per
  table; deltas are merged per row in Python and each table is written with one
  INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n per batch (unnest of arrays on PostgreSQL,
  executemany on SQLite). Counter tables have fillfactor 70 on PostgreSQL so rewrites stay heap-only.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, TextField, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from insights.models import Statement, after_in_stored_order
from insights.xapi import vocabulary as xapi

from .models import (
    NEW_LEARNER_DAYS,
    ActiveDay,
    AggregateFillState,
    BlockSignal,
    CheckOutcome,
    Cohort,
    DailyCount,
    HelperEdge,
    LearnerCourse,
    LearnerFact,
    LearnerLesson,
    RatingFact,
    ReplyFact,
    SignalKind,
    ThreadFact,
)

logger = logging.getLogger(__name__)

FILL_STATE = "statements"
DEFAULT_BATCH_SIZE = 50_000  # larger batches merge more deltas per row: fewer rows written per statement
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
# Verbs that say a learner did something (not an author publishing, a moderator acting or a routing robot).
NON_LEARNER_VERBS = frozenset(
    verb.iri
    for verb in (
        xapi.PUBLISHED, xapi.HID, xapi.RESTORED, xapi.PINNED, xapi.UNPINNED, xapi.CLOSED, xapi.REOPENED,
        xapi.DISMISSED, xapi.MUTED, xapi.ROUTED,
    )
) | {VOIDED}  # fmt: skip
_DURATION = re.compile(
    r"P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<weeks>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<days>\d+(?:\.\d+)?)D)?(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)
_SECONDS = {"years": 31_536_000, "months": 2_592_000, "weeks": 604_800, "days": 86_400, "hours": 3600,
            "minutes": 60, "seconds": 1}  # fmt: skip


def duration_seconds(value: str | None) -> float:
    """An ISO 8601 duration (xAPI result.duration) in seconds; 0 for anything unreadable."""
    if not value:
        return 0.0
    match = _DURATION.fullmatch(value)
    if not match:
        return 0.0
    return sum(float(amount) * _SECONDS[unit] for unit, amount in match.groupdict().items() if amount)


def _kinds() -> dict[str, str]:
    return {activity_type.iri: activity_type.key for activity_type in xapi.ACTIVITY_TYPES}


@dataclass(frozen=True, slots=True)
class _Verbs:
    """The IRIs `_apply` tells apart, looked up once per fill: minted IRIs are built from settings per access."""

    registered: str
    unregistered: str
    completed: str
    experienced: str
    answered: str
    rated: str
    annotated: str
    posted: str
    accepted: str
    routed: str
    flagged: str

    @classmethod
    def current(cls) -> _Verbs:
        return cls(*(verb.iri for verb in (
            xapi.REGISTERED, xapi.UNREGISTERED, xapi.COMPLETED, xapi.EXPERIENCED, xapi.ANSWERED, xapi.RATED,
            xapi.ANNOTATED, xapi.POSTED, xapi.ACCEPTED, xapi.ROUTED, xapi.FLAGGED,
        )))  # fmt: skip


@dataclass
class FillReport:
    statements: int = 0
    voided: int = 0
    batches: int = 0
    seconds: float = 0.0
    stored: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "statements": self.statements,
            "voided": self.voided,
            "batches": self.batches,
            "seconds": round(self.seconds, 3),
            "stored": self.stored.isoformat() if self.stored else None,
        }


@dataclass(slots=True)
class _Row:
    """One statement as the fill reads it: indexed columns plus the few JSON values extracted in SQL."""

    id: str  # as the database gives it as text: hex on SQLite, dashed on PostgreSQL (see `_uuid`)
    stored: datetime
    timestamp: datetime
    verb: str
    actor_key: str
    actor_user_id: int | None
    object_id: str
    object_type: str
    course_iri: str
    lesson_iri: str
    voided: bool
    type_iri: str | None
    name: str | None
    score: Any
    success: Any
    duration: str | None
    response: str | None
    parent: str | None
    block: str | None
    routed_to: Any


_KEY_LENGTH = 512  # the aggregate tables' IRI and key columns

_COLUMNS = ("id", "stored", "timestamp", "verb", "actor_key", "actor_user_id", "object_id", "object_type",
            "course_iri", "lesson_iri", "voided")  # fmt: skip


def _extracts() -> dict[str, Any]:
    """The JSON values `_apply` reads, each extracted only for the verbs that read it.

    Every extraction decompresses or re-parses the statement's JSON (PostgreSQL keeps `data`
    compressed inline; SQLite's json_extract parses the text), so asking only where needed is most
    of the read's cost. The definition type decides the kind, so every statement needs it.
    """

    def only(verbs: Iterable[str], path: str) -> Case:
        return Case(When(verb__in=list(verbs), then=KT(path)), default=Value(None), output_field=TextField())

    return {
        "x_type": KT("data__object__definition__type"),
        "x_name": only((xapi.ANSWERED.iri, xapi.POSTED.iri), "data__object__definition__name__en"),
        "x_score": only((xapi.RATED.iri,), "data__result__score__raw"),
        "x_success": only((xapi.ANSWERED.iri,), "data__result__success"),
        "x_duration": only((xapi.COMPLETED.iri,), "data__result__duration"),
        "x_response": only((xapi.RATED.iri,), "data__result__response"),
        "x_parent": only((xapi.POSTED.iri,), "data__context__contextActivities__parent__0__id"),
        "x_block": only((xapi.ANNOTATED.iri, xapi.POSTED.iri), f"data__context__extensions__{xapi.BLOCK_ID.iri}"),
        "x_routed": only((xapi.ROUTED.iri,), f"data__context__extensions__{xapi.ROUTED_TO.iri}"),
    }


_EXTRACT_NAMES = ("x_type", "x_name", "x_score", "x_success", "x_duration", "x_response", "x_parent", "x_block",
                  "x_routed")  # fmt: skip


def _rows(queryset) -> list[_Row]:
    """The ORM writes the SQL (JSON extraction differs per database); a plain cursor runs it.

    Skipping the ORM's per-value converters halves the fill's read time: only `timestamp` needs a
    Python type for every row; `id` and `stored` stay as the database gave them (hex text on SQLite)
    and are converted where they are compared (`_uuid`, `_dt`), which is rare. All three are read as
    text on PostgreSQL too: its UUID and Django's timestamp loaders are pure Python, fromisoformat is C.
    """
    columns = ("x_id", "x_stored", "x_timestamp", *_COLUMNS[3:])
    queryset = queryset.annotate(
        x_id=Cast("id", TextField()),
        x_stored=Cast("stored", TextField()),
        x_timestamp=Cast("timestamp", TextField()),
        **_extracts(),
    )
    sql, params = queryset.values_list(*columns, *_EXTRACT_NAMES).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    rows = []
    for values in raw:
        row = _Row(*values)
        if len(row.object_id) > _KEY_LENGTH:
            # An outside producer's activity id may run to the store's 1,024 characters; the aggregates'
            # keys hold 512. Cut here, once, so the batch merges such keys before writing them (an
            # over-long key would otherwise stop every fill at the database).
            row.object_id = row.object_id[:_KEY_LENGTH]
        row.timestamp = _dt(row.timestamp)
        row.voided = bool(row.voided)
        rows.append(row)
    return rows


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def _dt(value: Any) -> datetime:
    """A database datetime as an aware datetime: PostgreSQL's text has an offset, SQLite's is naive UTC."""
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _truthy(value: Any) -> bool:
    return value in (True, 1, "true", "1")


def _routed_key(value: Any) -> str:
    """The routed-to extension as an actor key: an Agent, an account object, or a key/IRI string."""
    from insights.xapi.agents import agent_key

    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value[:512]
    if isinstance(value, dict):
        if "account" in value or "mbox" in value or "openid" in value or "mbox_sha1sum" in value:
            return agent_key(value)[:512]
        if "homePage" in value and "name" in value:
            return agent_key({"account": value})[:512]
    return str(value)[:512]


_NEW_LEARNER = timedelta(days=NEW_LEARNER_DAYS)


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _last_segment(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1][:64]


class _Batch:
    """Deltas for one batch, keyed like the tables' unique constraints, written at the end in bulk."""

    def __init__(self, kinds: dict[str, str], verbs: _Verbs) -> None:
        self.kinds = kinds
        self.verbs = verbs
        self.weeks: dict[date, date] = {}
        self.daily: defaultdict[tuple, int] = defaultdict(int)
        self.active: dict[tuple, list] = {}
        self.courses: dict[tuple, list] = {}
        self.lessons: dict[tuple, list] = {}
        self.checks: dict[tuple, list] = {}
        self.signals: defaultdict[tuple, int] = defaultdict(int)
        self.edges: dict[tuple, list] = {}
        self.ratings: dict[tuple, tuple] = {}
        self.unrate: set[uuid.UUID] = set()
        self.learners: dict[str, LearnerFact] = {}
        self.learners_changed: set[str] = set()
        self.threads: dict[str, ThreadFact] = {}
        self.threads_changed: set[str] = set()
        self.replies: dict[str, ReplyFact] = {}
        self.replies_new: set[str] = set()
        self.teams: dict[int, str] = {}


def _load(batch: _Batch, rows: Sequence[_Row], targets: dict[uuid.UUID, _Row]) -> None:
    """One query per fact table (chunked) for everything this batch touches."""
    from accounts.models import User

    every = [*rows, *targets.values()]
    keys = {row.actor_key for row in every}
    user_ids = {row.actor_user_id for row in every if row.actor_user_id}
    thread_iris: set[str] = set()
    reply_iris: set[str] = set()
    for row in every:
        kind = batch.kinds.get(row.type_iri or "")
        if kind == "thread":
            thread_iris.add(row.object_id)
        elif kind == "reply":
            reply_iris.add(row.object_id)
            if row.parent:
                thread_iris.add(row.parent)
    for chunk in _chunks(sorted(user_ids)):
        batch.teams.update(User.objects.filter(pk__in=chunk).values_list("pk", "team"))
    for chunk in _chunks(sorted(keys)):
        batch.learners.update((fact.actor_key, fact) for fact in LearnerFact.objects.filter(actor_key__in=chunk))
    for chunk in _chunks(sorted(reply_iris)):
        for reply in ReplyFact.objects.filter(reply_iri__in=chunk):
            batch.replies[reply.reply_iri] = reply
            thread_iris.add(reply.thread_iri)
    for chunk in _chunks(sorted(thread_iris)):
        batch.threads.update((thread.thread_iri, thread) for thread in ThreadFact.objects.filter(thread_iri__in=chunk))


def _chunks(items: Sequence[Any], size: int = 900) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _learner(batch: _Batch, row: _Row) -> LearnerFact:
    fact = batch.learners.get(row.actor_key)
    if fact is None:
        fact = LearnerFact(
            actor_key=row.actor_key,
            user_id=row.actor_user_id,
            team=batch.teams.get(row.actor_user_id or 0, ""),
            first_seen=row.timestamp,
        )
        batch.learners[row.actor_key] = fact
        batch.learners_changed.add(row.actor_key)
    elif row.timestamp < fact.first_seen:
        fact.first_seen = row.timestamp
        batch.learners_changed.add(row.actor_key)
    return fact


def _add(table: dict[tuple, list], key: tuple, deltas: Sequence[float], extra: Sequence[Any] = ()) -> None:
    current = table.get(key)
    if current is None:
        table[key] = [*deltas, *extra]
        return
    for index, delta in enumerate(deltas):
        current[index] += delta
    for offset, value in enumerate(extra, start=len(deltas)):
        if value is not None and (current[offset] is None or value < current[offset]):
            current[offset] = value


def _thread(batch: _Batch, iri: str) -> ThreadFact:
    thread = batch.threads.get(iri)
    if thread is None:
        thread = ThreadFact(thread_iri=iri[:512])
        batch.threads[iri] = thread
    batch.threads_changed.add(iri)
    return thread


def _apply(batch: _Batch, row: _Row, sign: int) -> None:
    """Add one statement's deltas (sign -1: take them back, for a voided statement)."""
    learner = _learner(batch, row)
    team = batch.teams.get(row.actor_user_id, learner.team) if row.actor_user_id else learner.team
    cohort = Cohort.NEW if row.timestamp - learner.first_seen < _NEW_LEARNER else Cohort.ESTABLISHED
    day = _day(row.timestamp)
    kind = batch.kinds.get(row.type_iri or "") or ("agent" if row.object_type in ("Agent", "Group") else "other")
    verb = row.verb
    v = batch.verbs
    batch.daily[(day, row.course_iri, row.lesson_iri, verb[:512], kind, team, cohort)] += sign
    if verb not in NON_LEARNER_VERBS:
        week = batch.weeks.get(day)
        if week is None:
            week = batch.weeks[day] = day - timedelta(days=day.weekday())
        _add(batch.active, (day, row.actor_key, row.course_iri), (sign,), (team, week))

    if verb == v.registered and kind == "course":
        _add(batch.courses, (row.course_iri or row.object_id, row.actor_key), (sign, 0, 0),
             (row.timestamp, None, row.actor_user_id, team))  # fmt: skip
    elif verb == v.unregistered and kind == "course":
        _add(batch.courses, (row.course_iri or row.object_id, row.actor_key), (0, sign, 0),
             (None, None, row.actor_user_id, team))  # fmt: skip
    elif verb == v.completed and kind == "course":
        _add(batch.courses, (row.course_iri or row.object_id, row.actor_key), (0, 0, sign),
             (None, row.timestamp, row.actor_user_id, team))  # fmt: skip
    elif verb == v.experienced and kind == "lesson":
        _add(batch.lessons, (row.object_id, row.actor_key), (sign, 0, 0.0), (row.timestamp, None, row.course_iri, team))
    elif verb == v.completed and kind == "lesson":
        seconds = duration_seconds(row.duration) * sign
        _add(batch.lessons, (row.object_id, row.actor_key), (0, sign, seconds),
             (None, row.timestamp, row.course_iri, team))  # fmt: skip
    elif verb == v.answered and kind == "question":
        success = _truthy(row.success)
        _add(batch.checks, (day, row.object_id, team), (sign, sign if success else 0),
             (row.lesson_iri, row.course_iri, (row.name or "")[:300]))  # fmt: skip
        if not success and row.lesson_iri:
            batch.signals[(day, row.lesson_iri, _last_segment(row.object_id), team, SignalKind.FAILED_CHECK,
                           row.course_iri)] += sign  # fmt: skip
    elif verb == v.rated and kind == "lesson" and row.score is not None:
        if sign > 0:
            key = (row.object_id, row.actor_key)
            current = batch.ratings.get(key)
            if current is None or row.timestamp >= current[2]:
                batch.ratings[key] = (float(row.score), (row.response or "")[:2000], row.timestamp, _uuid(row.id),
                                      row.course_iri, team)  # fmt: skip
        else:
            batch.unrate.add(_uuid(row.id))
    elif verb == v.annotated and kind == "lesson":
        batch.signals[(day, row.object_id, (row.block or "")[:64], team, SignalKind.NOTE, row.course_iri)] += sign
    elif verb == v.posted and kind == "thread":
        _thread_posted(batch, row, sign, learner, cohort)
    elif verb == v.posted and kind == "reply" and row.parent:
        _reply_posted(batch, row, sign, learner, day)
    elif verb == v.accepted and kind == "reply":
        _accepted(batch, row, sign, day)
    elif verb == v.routed and kind == "thread" and sign > 0:
        thread = _thread(batch, row.object_id)
        if thread.routed_at is None or row.timestamp < thread.routed_at:
            thread.routed_at = row.timestamp
            thread.routed_to_key = _routed_key(row.routed_to)
    elif verb == v.flagged and kind in ("thread", "reply"):
        thread_iri = row.object_id if kind == "thread" else getattr(batch.replies.get(row.object_id), "thread_iri", "")
        thread = batch.threads.get(thread_iri)
        if thread is not None and thread.lesson_iri:
            batch.signals[(day, thread.lesson_iri, thread.block_id, team, SignalKind.FLAG, thread.course_iri)] += sign


def _thread_posted(batch: _Batch, row: _Row, sign: int, learner: LearnerFact, cohort: str) -> None:
    thread = _thread(batch, row.object_id)
    if sign < 0:
        thread.voided = True
    else:
        thread.title = (row.name or "")[:300]
        thread.course_iri, thread.lesson_iri = row.course_iri, row.lesson_iri or (row.parent or "")[:512]
        thread.block_id = (row.block or "")[:64]
        thread.asker_key, thread.asker_user_id = row.actor_key, row.actor_user_id
        thread.asker_team, thread.asker_cohort = learner.team, cohort
        thread.posted_at = row.timestamp
        _first_post(batch, learner, row)
    if thread.lesson_iri:
        block_key = (_day(row.timestamp), thread.lesson_iri, thread.block_id, learner.team, SignalKind.THREAD)
        batch.signals[(*block_key, thread.course_iri)] += sign


def _first_post(batch: _Batch, learner: LearnerFact, row: _Row) -> None:
    if learner.first_posted_at is None or row.timestamp < learner.first_posted_at:
        learner.first_posted_at = row.timestamp
        batch.learners_changed.add(learner.actor_key)


def _reply_posted(batch: _Batch, row: _Row, sign: int, learner: LearnerFact, day: date) -> None:
    thread = _thread(batch, row.parent or "")
    thread.replies += sign
    if sign > 0:
        _first_post(batch, learner, row)
        if row.object_id not in batch.replies:
            batch.replies[row.object_id] = ReplyFact(
                reply_iri=row.object_id[:512],
                thread_iri=thread.thread_iri,
                author_key=row.actor_key,
                author_user_id=row.actor_user_id,
                author_team=learner.team,
                posted_at=row.timestamp,
            )
            batch.replies_new.add(row.object_id)
    if not thread.asker_key or thread.asker_key == row.actor_key:
        return  # an unknown thread, or the asker adding to their own question: nobody was helped
    if sign > 0:
        if thread.first_answer_at is None or row.timestamp < thread.first_answer_at:
            thread.first_answer_at = row.timestamp
        if thread.routed_to_key == row.actor_key and thread.routed_answered_at is None:
            thread.routed_answered_at = row.timestamp
    _edge(batch, day, thread, row.actor_key, row.actor_user_id, learner.team, answers=sign, accepted=0)


def _edge(batch: _Batch, day: date, thread: ThreadFact, helper_key: str, helper_user_id: int | None,
          helper_team: str, *, answers: int, accepted: int) -> None:  # fmt: skip
    _add(
        batch.edges,
        (day, thread.course_iri, helper_key, thread.asker_key),
        (answers, accepted),
        (helper_user_id, thread.asker_user_id, helper_team, thread.asker_team, thread.asker_cohort or Cohort.NEW),
    )


def _accepted(batch: _Batch, row: _Row, sign: int, day: date) -> None:
    reply = batch.replies.get(row.object_id)
    if reply is None:
        return
    thread = _thread(batch, reply.thread_iri)
    if sign > 0 and (thread.accepted_at is None or row.timestamp < thread.accepted_at):
        thread.accepted_at = row.timestamp
    elif sign < 0:
        thread.accepted_at = None
    if thread.asker_key and thread.asker_key != reply.author_key:
        _edge(batch, day, thread, reply.author_key, reply.author_user_id, reply.author_team, answers=0, accepted=sign)


# --- writing --------------------------------------------------------------------------------------------


def _prep(value: Any) -> Any:
    """SQLite stores datetimes as naive UTC text, dates as ISO text and UUIDs as hex, like Django does."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    return value


def _array_type(field) -> str:
    """The PostgreSQL array element type a column's values are sent as.

    Text columns go as unbounded text: a cast to varchar(n) would silently truncate (and could merge
    two keys), where the assignment to the column raises, as a plain INSERT does.
    """
    if field.get_internal_type() in ("CharField", "TextField"):
        return "text"
    return field.db_type(connection)


def _array_literal(values: Iterable[Any], internal_type: str) -> str:
    """A PostgreSQL array literal ('{"a","b",NULL}') for one column of a batch.

    Built here because psycopg adapts a list element by element in Python (a regular expression
    each), which cost more than the upsert itself. Every element is double-quoted with \\ and "
    escaped, so any text survives; floats use repr (exact round trip), datetimes their ISO form
    with the offset. A column with no NULL and no text needing an escape (nearly every one) is joined in
    one call.
    """
    values = tuple(values)
    if internal_type not in ("FloatField", "BooleanField", "DateField", "DateTimeField") and None not in values:
        joined = '","'.join(values if internal_type in ("CharField", "TextField") else map(str, values))
        if joined.count('"') == 2 * (len(values) - 1) and "\\" not in joined:  # only the separators' quotes
            return '{"' + joined + '"}' if values else "{}"
    if internal_type == "FloatField":
        items = ("NULL" if v is None else f'"{float(v)!r}"' for v in values)
    elif internal_type == "BooleanField":
        items = ("NULL" if v is None else ('"t"' if v else '"f"') for v in values)
    elif internal_type in ("DateField", "DateTimeField"):
        items = ("NULL" if v is None else f'"{v.isoformat()}"' for v in values)
    elif internal_type in ("CharField", "TextField"):
        items = ("NULL" if v is None else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    else:  # integers, UUIDs
        items = ("NULL" if v is None else f'"{v}"' for v in values)
    return "{" + ",".join(items) + "}"


def _execute_rows(model, columns: Sequence[str], tail: str, rows: list[tuple]) -> None:
    """INSERT `rows` into `model`'s `columns`, then `tail` (the ON CONFLICT clause): one statement a table.

    PostgreSQL gets one array per column and unnests them: a single statement, parsed and planned
    once, whatever the batch holds (a VALUES list has a parameter per value, each adapted and parsed).
    SQLite is in-process: one prepared single-row statement run with executemany is its fastest path.
    Keys are unique within a batch, so ON CONFLICT never meets the same row twice in one statement.
    """
    table = model._meta.db_table
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            values = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({values}) {tail}"  # noqa: S608
            cursor.executemany(sql, [tuple(_prep(value) for value in row) for row in rows])
            return
        fields = [model._meta.get_field(c) for c in columns]
        arrays = ", ".join(f"%s::{_array_type(field)}[]" for field in fields)
        sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {tail}"  # noqa: S608
        cursor.execute(
            sql,
            [
                _array_literal(values, field.get_internal_type())
                for field, values in zip(fields, zip(*rows, strict=True), strict=True)
            ],
        )


def _upsert(model, key: Sequence[str], adds: Sequence[str], rest: Sequence[str], rows: list[tuple], *,
            least: Sequence[str] = (), replace: Sequence[str] = (), where: str = "") -> None:  # fmt: skip
    """INSERT … ON CONFLICT (key) DO UPDATE SET add = add + excluded.add, least = the earlier non-null,
    replace = excluded's value [WHERE where]; DO NOTHING when there is nothing to update."""
    if not rows:
        return
    table = model._meta.db_table
    quote = connection.ops.quote_name
    smaller = "LEAST" if connection.vendor == "postgresql" else "MIN"
    sets = [f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in adds]
    sets += [f"{quote(c)} = COALESCE({smaller}({table}.{quote(c)}, excluded.{quote(c)}), {table}.{quote(c)}, "
             f"excluded.{quote(c)})" for c in least]  # fmt: skip
    sets += [f"{quote(c)} = excluded.{quote(c)}" for c in replace]
    action = f"DO UPDATE SET {', '.join(sets)}{f' WHERE {where}' if where else ''}" if sets else "DO NOTHING"
    tail = f"ON CONFLICT ({', '.join(quote(c) for c in key)}) {action}"
    _execute_rows(model, [*key, *adds, *rest], tail, rows)


def _write(batch: _Batch) -> None:
    _upsert(
        DailyCount,
        ("day", "course_iri", "lesson_iri", "verb", "kind", "team", "cohort"),
        ("count",),
        (),
        [(*key, n) for key, n in batch.daily.items() if n],
    )
    _upsert(
        ActiveDay,
        ("day", "actor_key", "course_iri"),
        ("count",),
        ("team", "week"),
        [(*key, *values) for key, values in batch.active.items() if values[0]],
    )
    _upsert(
        LearnerCourse,
        ("course_iri", "actor_key"),
        ("registered", "unregistered", "completed"),
        ("enrolled_at", "completed_at", "user_id", "team"),
        [(*key, *values) for key, values in batch.courses.items()],
        least=("enrolled_at", "completed_at"),
    )
    _upsert(
        LearnerLesson,
        ("lesson_iri", "actor_key"),
        ("viewed", "completed", "duration_seconds"),
        ("first_viewed_at", "completed_at", "course_iri", "team"),
        [(*key, *values) for key, values in batch.lessons.items()],
        least=("first_viewed_at", "completed_at"),
    )
    _upsert(
        CheckOutcome,
        ("day", "question_iri", "team"),
        ("attempts", "successes"),
        ("lesson_iri", "course_iri", "name"),
        [(*key, *values) for key, values in batch.checks.items()],
    )
    _upsert(
        BlockSignal,
        ("day", "lesson_iri", "block_id", "team", "kind"),
        ("count",),
        ("course_iri",),
        [(*key[:5], n, key[5]) for key, n in batch.signals.items() if n],
    )
    _upsert(
        HelperEdge,
        ("day", "course_iri", "helper_key", "asker_key"),
        ("answers", "accepted"),
        ("helper_user_id", "asker_user_id", "helper_team", "asker_team", "asker_cohort"),
        [(*key, *values) for key, values in batch.edges.items()],
    )
    _write_ratings(batch)
    _write_facts(batch)


def _write_ratings(batch: _Batch) -> None:
    if batch.unrate:
        RatingFact.objects.filter(statement_id__in=batch.unrate).delete()
    columns = ("score", "review", "rated_at", "statement_id", "course_iri", "team")
    _upsert(RatingFact, ("lesson_iri", "actor_key"), (), columns,
            [(*key, *values) for key, values in batch.ratings.items()],
            replace=columns, where=f"excluded.rated_at >= {RatingFact._meta.db_table}.rated_at")  # fmt: skip


_THREAD_FIELDS = [f.name for f in ThreadFact._meta.concrete_fields if f.name not in ("id", "thread_iri")]


def _write_facts(batch: _Batch) -> None:
    """Facts are loaded for the batch first, so writing the whole row back (upsert) is correct."""
    _upsert(LearnerFact, ("actor_key",), (), ("user_id", "team", "first_seen", "first_posted_at"),
            [(key, f.user_id, f.team, f.first_seen, f.first_posted_at)
             for key in sorted(batch.learners_changed) if (f := batch.learners[key])],
            replace=("first_seen", "first_posted_at"))  # fmt: skip
    _upsert(ReplyFact, ("reply_iri",), (), ("thread_iri", "author_key", "author_user_id", "author_team", "posted_at"),
            [(r.reply_iri, r.thread_iri, r.author_key, r.author_user_id, r.author_team, r.posted_at)
             for iri in sorted(batch.replies_new) if (r := batch.replies[iri])])  # fmt: skip
    _upsert(ThreadFact, ("thread_iri",), (), _THREAD_FIELDS,
            [(t.thread_iri, *(getattr(t, name) for name in _THREAD_FIELDS))
             for iri in sorted(batch.threads_changed) if (t := batch.threads[iri])],
            replace=_THREAD_FIELDS)  # fmt: skip


# --- the service ----------------------------------------------------------------------------------------


def _voiding(rows: Sequence[_Row]) -> tuple[dict[uuid.UUID, _Row], set[uuid.UUID]]:
    """(target to subtract, by voiding statement id; ids of statements to skip).

    One query for the targets of this batch's voiding statements and one for the voiders of this
    batch's voided statements; both are rare.
    """
    voiders = [row for row in rows if row.verb == VOIDED and row.object_type == "StatementRef"]
    voided_rows = [row for row in rows if row.voided and row.verb != VOIDED]
    target_ids: set[uuid.UUID] = set()
    for row in voiders:
        try:
            target_ids.add(uuid.UUID(row.object_id))
        except ValueError:
            continue
    mentioned = target_ids | {_uuid(row.id) for row in voided_rows}
    all_voiders: dict[uuid.UUID, list[tuple[datetime, uuid.UUID]]] = defaultdict(list)
    if mentioned:
        for stored, statement_id, object_id in Statement.objects.filter(
            verb=VOIDED, object_type="StatementRef", object_id__in=[str(i) for i in mentioned]
        ).values_list("stored", "id", "object_id"):
            try:
                all_voiders[uuid.UUID(object_id)].append((_dt(stored), statement_id))
            except ValueError:
                continue
    skip = {
        row.id for row in voided_rows if any(v <= (_dt(row.stored), _uuid(row.id)) for v in all_voiders[_uuid(row.id)])
    }
    subtract: dict[uuid.UUID, _Row] = {}
    if target_ids:
        loaded = {_uuid(row.id): row for row in _rows(Statement.objects.filter(id__in=target_ids).exclude(verb=VOIDED))}
        for voider in voiders:
            try:
                target = loaded.get(uuid.UUID(voider.object_id))
            except ValueError:
                continue
            if target is None:
                continue
            mine = (_dt(voider.stored), _uuid(voider.id))
            first = min(all_voiders[_uuid(target.id)], default=mine)
            if first == mine and (_dt(target.stored), _uuid(target.id)) < first:
                subtract[voider.id] = target
    return subtract, skip


@contextlib.contextmanager
def _pipelined() -> Iterator[None]:
    """PostgreSQL: a batch's upserts sent without waiting for each one's result (psycopg's pipeline mode),
    so the server runs one while this process builds the next. A failing statement still raises, as
    Django's error, on leaving at the latest, and the batch's transaction rolls back."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


def aggregates_fill(
    *, batch_size: int = DEFAULT_BATCH_SIZE, limit: int | None = None, lag: timedelta | None = None
) -> FillReport:
    """Fill the dashboard aggregates with every statement stored since the high-water mark (see module doc).

    Each batch is one transaction holding the mark's row lock. `limit` bounds the statements read in
    this call (the inline on-commit run uses it to stay short); None means until caught up.
    """
    lag = timedelta(seconds=getattr(settings, "INSIGHTS_FILL_LAG_SECONDS", 5)) if lag is None else lag
    report = FillReport()
    started = timezone.now()
    kinds, verbs = _kinds(), _Verbs.current()
    while limit is None or report.statements < limit:
        size = batch_size if limit is None else min(batch_size, limit - report.statements)
        with transaction.atomic():
            AggregateFillState.objects.get_or_create(name=FILL_STATE)
            state = AggregateFillState.objects.select_for_update().get(name=FILL_STATE)
            queryset = Statement.objects.filter(stored__lte=timezone.now() - lag)
            if state.stored is not None:
                queryset = queryset.filter(after_in_stored_order(state.stored, state.statement_id))
            rows = _rows(queryset.order_by("stored", "id")[:size])
            if not rows:
                break
            subtract, skip = _voiding(rows)
            batch = _Batch(kinds, verbs)
            _load(batch, rows, {row.id: row for row in subtract.values()})
            for row in rows:
                if row.verb == VOIDED:
                    target = subtract.get(row.id)
                    if target is not None:
                        _apply(batch, target, -1)
                        report.voided += 1
                    else:
                        _learner(batch, row)
                    continue
                if row.id in skip:
                    continue
                _apply(batch, row, 1)
            with _pipelined():
                _write(batch)
            last = rows[-1]
            state.stored, state.statement_id = _dt(last.stored), _uuid(last.id)
            state.statements += len(rows)
            state.updated_at = timezone.now()
            state.save()
        report.statements += len(rows)
        report.batches += 1
        report.stored = state.stored
        if len(rows) < size:
            break
    report.seconds = (timezone.now() - started).total_seconds()
    if report.statements:
        logger.info("Insights fill: %s", report.as_dict())
    return report


# Every table the fill writes (the mark, AggregateFillState, apart).
AGGREGATE_MODELS = (DailyCount, ActiveDay, LearnerFact, LearnerCourse, LearnerLesson, CheckOutcome, RatingFact,
                    ThreadFact, ReplyFact, HelperEdge, BlockSignal)  # fmt: skip


def aggregates_reset() -> None:
    """Empty every aggregate and the mark, so the next fill recomputes from the first statement."""
    with transaction.atomic():
        for model in (*AGGREGATE_MODELS, AggregateFillState):
            model.objects.all().delete()
