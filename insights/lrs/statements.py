"""Statement ingest and query over the one Statement store (xAPI Communication §2.1).

Ingest contract (`statements_store`): the whole request is validated first (400, nothing stored, the
reason names the statement); then, in ONE transaction, a fixed number of queries whatever the batch
size: one SELECT for stored voiding statements aimed at the batch's ids (voiding may arrive first)
and, except on PostgreSQL's first pass, for ids already held (same content → no-op, different → 409,
nothing stored); one for voiding targets when the batch voids; bulk inserts for statements and
filter-index rows (COPY on PostgreSQL), references, attachments and activity definitions
(insert-only, ON CONFLICT DO NOTHING); and one UPDATE flagging voided targets. On PostgreSQL the
statements' primary key is the first pass's check for held ids: a batch that collides runs again with
the SELECT and ON CONFLICT inserts (`statements_store`).
No shared row is updated on the hot path: canonical activity definitions are merged on read
(`activity_definition`).

Query contract (`statements_query`): a keyset page ordered by (stored, id), at most 3 queries, with
a signed `more` cursor that pins the original filters and stays valid for `LRS_MORE_MAX_AGE`
(default 48 h) and across processes (it is signed with SECRET_KEY, not held in memory).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, NamedTuple

import msgspec
from django.conf import settings
from django.core import signing
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone

from insights import after_commit
from insights.models import (
    ActivityDefinition,
    RelationKind,
    Statement,
    StatementAttachment,
    StatementReference,
    StatementRelation,
    after_in_stored_order,
)
from insights.services import guild_authority, statement_columns
from insights.xapi.agents import agent_key
from insights.xapi.statements import format_timestamp
from insights.xapi.validation import SIGNATURE_USAGE, VOIDED, StatementValidationError, validate_statement

from . import jws
from .bulk import (
    BINARY_FALSE,
    BINARY_NULL,
    BINARY_TRUE,
    binary_field_count,
    binary_int2,
    binary_length,
    binary_text,
    binary_timestamptz,
    binary_uuid,
    binary_uuid_array,
    copy_records,
    insert_rows,
    uuid_array_literal,
)
from .http import LRSError, bad_request

logger = logging.getLogger(__name__)
MORE_SALT = "guild.insights.lrs.more"
_IGNORED_IN_COMPARISON = ("id", "stored", "authority", "version")


def max_page_size() -> int:
    return int(getattr(settings, "LRS_MAX_PAGE_SIZE", 500))


def more_max_age() -> int:
    return int(getattr(settings, "LRS_MORE_MAX_AGE", 48 * 3600))


# --- what a statement mentions: filter index rows, references, activity definitions ----------------


def _add_agents(agents: set[str], agent: Any) -> None:
    """Add the keys of an Agent or Group and, for a Group, of its members to `agents` (a set filled in
    place, not a generator: this runs several times per ingested statement)."""
    if not isinstance(agent, dict):
        return
    key = agent_key(agent)
    if key:
        agents.add(key)
    members = agent.get("member")
    if members:
        for member in members:
            if isinstance(member, dict):
                key = agent_key(member)
                if key:
                    agents.add(key)


def _context_activities(context: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for activities in (context.get("contextActivities") or {}).values():
        for activity in activities if isinstance(activities, list) else [activities]:
            if isinstance(activity, dict):
                yield activity


class Authority(NamedTuple):
    """A statement's authority as the filter index and activity definitions use it: its key, and the keys
    of it and its members. Every statement of an LRS batch has the same one, so it is worked out once."""

    key: str
    agents: frozenset[str]

    @classmethod
    def of(cls, authority: Any) -> Authority:
        agents: set[str] = set()
        _add_agents(agents, authority)
        return cls(agent_key(authority or {}), frozenset(agents))


def _related(
    data: dict[str, Any], *, top: bool, authority: Authority | None = None
) -> tuple[set[str], set[str], list[dict[str, Any]]]:
    """(related agent keys, related activity ids, activities with definitions) beyond actor/object.

    `authority`: the statement's, when the caller has it already (else worked out from `data`).
    """
    agents: set[str] = set()
    activities: set[str] = set()
    defined: list[dict[str, Any]] = []
    obj = data.get("object") or {}
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity" and "definition" in obj:
        defined.append(obj)
    if not top:  # inside a SubStatement, its actor and object are "related" to the outer statement
        _add_agents(agents, data.get("actor"))
        if object_type in ("Agent", "Group"):
            _add_agents(agents, obj)
        elif object_type == "Activity" and obj.get("id"):
            activities.add(obj["id"])
    elif isinstance(data.get("actor"), dict) and data["actor"].get("member"):
        _add_agents(agents, data["actor"])
    context = data.get("context") or {}
    if context:
        _add_agents(agents, context.get("instructor"))
        _add_agents(agents, context.get("team"))
        for context_agent in context.get("contextAgents") or ():
            _add_agents(agents, (context_agent or {}).get("agent"))
        for context_group in context.get("contextGroups") or ():
            _add_agents(agents, (context_group or {}).get("group"))
        for activity in _context_activities(context):
            if activity.get("id"):
                activities.add(activity["id"])
            if "definition" in activity:
                defined.append(activity)
    if top:
        agents |= (authority or Authority.of(data.get("authority"))).agents
        if object_type == "SubStatement":
            sub_agents, sub_activities, sub_defined = _related(obj, top=False)
            agents |= sub_agents
            activities |= sub_activities
            defined.extend(sub_defined)
        elif object_type == "Group":
            _add_agents(agents, obj)
    return agents, activities, defined


def _group_members(data: dict[str, Any]) -> set[str]:
    """The member keys of the statement's actor and object, where those are Groups."""
    keys: set[str] = set()
    for agent in (data.get("actor"), data.get("object")):
        if isinstance(agent, dict) and agent.get("objectType") == "Group":
            for member in agent.get("member") or ():
                key = agent_key(member) if isinstance(member, dict) else ""
                if key and len(key) <= 1024:
                    keys.add(key)
    return keys


_decode_json = msgspec.json.Decoder().decode
# Compact JSON with sorted keys: the canonical text of an activity definition, for its digest.
_encode_sorted = msgspec.json.Encoder(order="sorted").encode
_encode_json = msgspec.json.Encoder().encode


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


# Digests of definitions seen recently: producers send the same activity's definition again and again.
_DIGESTS: dict[tuple[str, str, str], str] = {}
_DIGESTS_MAX = 50_000


def _definition_digest(activity_id: str, authority: str, canonical: str) -> str:
    """`_digest(activity_id, authority, canonical)`, remembered (bounded)."""
    key = (activity_id, authority, canonical)
    digest = _DIGESTS.get(key)
    if digest is None:
        if len(_DIGESTS) >= _DIGESTS_MAX:
            _DIGESTS.clear()
        digest = _DIGESTS[key] = _digest(activity_id, authority, canonical)
    return digest


Row = tuple[Any, ...]
_RELATED_AGENT = RelationKind.RELATED_AGENT.value
_AGENT = RelationKind.AGENT.value
_RELATED_ACTIVITY = RelationKind.RELATED_ACTIVITY.value


def index_rows(
    *,
    id_hex: str,
    data: dict[str, Any],
    columns: dict[str, Any],
    stored: datetime,
    authority: Authority | None = None,
) -> tuple[list[Row], list[Row], dict[str, Row]]:
    """The insert-only rows indexing one statement: (relations, references, definitions by digest).

    Plain tuples, not model instances: this runs for every statement on the ingest hot path. `id_hex`:
    the statement's id as 32 hex digits (`UUID.hex`), as both databases take it for a uuid column.
    `authority`: the statement's, when the caller has it already (an LRS batch's is the same for all).
    """
    authority = authority or Authority.of(data.get("authority"))
    agents, activities, defined = _related(data, top=True, authority=authority)
    actor_and_object = {columns["actor_key"], columns["object_id"]}
    relations: list[Row] = [
        (id_hex, _RELATED_AGENT, key, stored) for key in agents - actor_and_object if len(key) <= 1024
    ]
    # The `agent` filter matches Groups (actor or object) having the Agent as a member (Communication 2.1.3).
    relations += [(id_hex, _AGENT, key, stored) for key in _group_members(data)]
    object_id = columns["object_id"] if columns["object_type"] == "Activity" else None
    relations += [(id_hex, _RELATED_ACTIVITY, iri, stored) for iri in activities - {object_id} if len(iri) <= 1024]
    references: list[Row] = []
    if columns["object_type"] == "StatementRef":
        references.append((id_hex, uuid.UUID(data["object"]["id"]), columns["verb"] == VOIDED))
    definitions: dict[str, Row] = {}
    if defined:
        for activity in defined:
            canonical = _encode_sorted(activity["definition"]).decode()
            digest = _definition_digest(activity["id"], authority.key, canonical)
            definitions[digest] = (activity["id"][:1024], authority.key[:512], digest, activity["definition"], stored)
    return relations, references, definitions


_STATEMENT_COLUMNS = (
    "id",
    "verb",
    "actor_key",
    "actor_user_id",
    "object_id",
    "object_type",
    "registration",
    "course_iri",
    "lesson_iri",
    "timestamp",
    "stored",
    "voided",
    "data",
    "forward_state",
    "forward_attempts",
    "forward_error",
    "forwarded_at",
)
_RELATION_COLUMNS = ("kind", "value", "stored", "statement_ids")
_REFERENCE_COLUMNS = ("statement_id", "target", "voiding")


def statement_row(
    *,
    statement_id: uuid.UUID,
    data: dict[str, Any],
    columns: dict[str, Any],
    timestamp: datetime,
    stored: datetime,
    actor_user_id: int | None = None,
) -> Row:
    registration = columns["registration"]
    return (
        statement_id,
        columns["verb"],
        columns["actor_key"],
        actor_user_id,
        columns["object_id"],
        columns["object_type"],
        uuid.UUID(registration) if isinstance(registration, str) else registration,
        columns["course_iri"],
        columns["lesson_iri"],
        timestamp,
        stored,
        False,
        data,
        0,
        0,
        "",
        None,
    )


_RECORD_START = binary_field_count(len(_STATEMENT_COLUMNS))
# forward_state PENDING, forward_attempts 0, forward_error "", forwarded_at NULL
_RECORD_END = binary_int2(0) + binary_int2(0) + binary_text("") + BINARY_NULL
_RELATION_START = binary_field_count(len(_RELATION_COLUMNS))


def _statement_record(
    data: dict[str, Any], columns: dict[str, Any], id_field: bytes, timestamp: datetime, stored: bytes, *, voided: bool
) -> bytes:
    """`statement_row` (actor_user_id None) as one row of COPY's binary format, for `copy_records`; `id_field`
    is the statement's `binary_uuid`, `stored` the batch's `binary_timestamptz`. The same values as the
    row's INSERT stores (tests/insights/lrs/test_statements.py compares the two paths).

    Each field is written out here rather than through bulk's `binary_*` helpers: ten calls fewer per
    statement, about a sixth of this function's time (4.0 µs against 4.9).
    """
    verb = columns["verb"].encode()
    actor = columns["actor_key"].encode()
    object_id = columns["object_id"].encode()
    object_type = columns["object_type"].encode()
    course = columns["course_iri"].encode()
    lesson = columns["lesson_iri"].encode()
    registration = columns["registration"]
    json_text = _encode_json(data)
    return b"".join(
        (
            _RECORD_START,
            id_field,
            binary_length(len(verb)),
            verb,
            binary_length(len(actor)),
            actor,
            BINARY_NULL,  # actor_user_id: statements from external producers have no Guild user
            binary_length(len(object_id)),
            object_id,
            binary_length(len(object_type)),
            object_type,
            BINARY_NULL if registration is None else binary_uuid(registration),
            binary_length(len(course)),
            course,
            binary_length(len(lesson)),
            lesson,
            binary_timestamptz(timestamp),
            stored,
            BINARY_TRUE if voided else BINARY_FALSE,
            binary_length(len(json_text) + 1),
            b"\x01",  # jsonb's binary format: a version byte, then the JSON text
            json_text,
            _RECORD_END,
        )
    )


def insert_statements(rows: Sequence[Row]) -> None:
    """Raw INSERT … ON CONFLICT DO NOTHING of statement rows (see bulk.py for why not bulk_create)."""
    insert_rows(Statement, _STATEMENT_COLUMNS, rows, json_columns=("data",), ignore_conflicts=True)


def relation_rows(relations: Iterable[Row]) -> list[Row]:
    """`index_rows`' (statement id as 32 hex digits, kind, value, stored) pairs as StatementRelation rows:
    one per (kind, value, stored) with its statements' ids in a list, in the order they came."""
    grouped: dict[tuple[int, str, datetime], list[str]] = {}
    for id_hex, kind, value, stored in relations:
        key = (kind, value, stored)
        ids = grouped.get(key)
        if ids is None:
            grouped[key] = [id_hex]
        else:
            ids.append(id_hex)
    return [(kind, value, stored, ids) for (kind, value, stored), ids in grouped.items()]


def insert_index_rows(relations: Sequence[Row], references: Sequence[Row]) -> None:
    insert_rows(StatementRelation, _RELATION_COLUMNS, relation_rows(relations), json_columns=("statement_ids",))
    insert_rows(StatementReference, _REFERENCE_COLUMNS, references)


# Digests of activity definitions this process has seen committed, per database: a definition already
# held is not sent again (an ON CONFLICT no-op still costs a unique-index probe, and on the LRS path a
# transaction of its own). Bounded; a digest missing here only costs a redundant no-op insert.
_KNOWN_DEFINITIONS: dict[str, set[str]] = {}
_KNOWN_DEFINITIONS_MAX = 200_000


def _known_definitions() -> set[str]:
    return _KNOWN_DEFINITIONS.setdefault(str(connection.settings_dict["NAME"]), set())


def _remember_definitions(digests: Iterable[str]) -> None:
    """Remember digests once their insert has really committed (not merely released a savepoint)."""
    if connection.in_atomic_block:
        return
    known = _known_definitions()
    if len(known) > _KNOWN_DEFINITIONS_MAX:
        known.clear()
    known.update(digests)


def insert_definitions(definitions: dict[str, Row]) -> list[str]:
    """Insert-only activity definitions, ON CONFLICT DO NOTHING, in digest order; returns the digests sent.

    Definitions this process already saw committed are skipped. Concurrent batches mentioning the
    same activity insert the same unique digests; taking them in one global order means they can
    wait for each other briefly but never deadlock.
    """
    known = _known_definitions()
    digests = sorted(digest for digest in definitions if digest not in known)
    insert_rows(
        ActivityDefinition,
        ("activity_id", "authority_key", "digest", "definition", "stored"),
        [definitions[digest] for digest in digests],
        json_columns=("definition",),
        ignore_conflicts=True,
    )
    return digests


def index_statements(statements: Iterable[Statement]) -> None:
    """Index statements already inserted (Guild's own, via statement_record), in the caller's transaction."""
    relations: list[Row] = []
    references: list[Row] = []
    definitions: dict[str, Row] = {}
    for statement in statements:
        columns = {
            "actor_key": statement.actor_key,
            "object_id": statement.object_id,
            "object_type": statement.object_type,
            "verb": statement.verb,
        }
        statement_id = statement.id if isinstance(statement.id, uuid.UUID) else uuid.UUID(str(statement.id))
        rel, ref, defs = index_rows(
            id_hex=statement_id.hex, data=statement.data, columns=columns, stored=statement.stored
        )
        relations += rel
        references += ref
        definitions.update(defs)
    insert_index_rows(relations, references)
    digests = insert_definitions(definitions)
    if digests:
        transaction.on_commit(lambda: _remember_definitions(digests))


# --- ingest ---------------------------------------------------------------------------------------------


def _comparable(data: dict[str, Any], *, timestamp: bool = True) -> str:
    """The producer-sent content of a statement, for "same id, same statement?" (the LRS-set parts excluded).

    `timestamp=False` when the incoming statement has none: the LRS set the held one's. Context activities
    are compared as arrays, so a statement held from before they were stored that way still matches.
    """
    ignored = _IGNORED_IN_COMPARISON if timestamp else (*_IGNORED_IN_COMPARISON, "timestamp")
    data = with_context_activity_arrays(data)
    return json.dumps({k: v for k, v in data.items() if k not in ignored}, sort_keys=True)


def _context_with_arrays(context: Any) -> Any:
    activities = context.get("contextActivities") if isinstance(context, dict) else None
    if not isinstance(activities, dict) or all(isinstance(v, list) for v in activities.values()):
        return context
    arrays = {k: v if isinstance(v, list) else [v] for k, v in activities.items()}
    return {**context, "contextActivities": arrays}


def with_context_activity_arrays(data: dict[str, Any]) -> dict[str, Any]:
    """The statement with every contextActivities value an array (its own and a SubStatement's).

    xAPI 1.0.3 Data 2.4.6.2 (XAPI-00096): a single Activity may be sent, but the LRS returns every value
    as an array, so it is stored that way. Returns `data` itself when nothing changes; never mutates it.
    """
    out = data
    context = _context_with_arrays(data.get("context"))
    if context is not data.get("context"):
        out = {**out, "context": context}
    obj = data.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        sub_context = _context_with_arrays(obj.get("context"))
        if sub_context is not obj.get("context"):
            out = {**out, "object": {**obj, "context": sub_context}}
    return out


def _timestamp_of(value: Any, default: datetime) -> datetime:
    """The statement's timestamp (validated already) as an aware UTC datetime for its column, else `default`.

    `datetime.fromisoformat` (C) reads every form validation lets through, basic format included, and
    `parse_timestamp` reads none that it refuses (checked on 300,000 generated valid timestamps); the
    two it cannot hold are year 0000 and an instant before year 1 in UTC.
    """
    if value.__class__ is not str:
        return default
    try:
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return default


@dataclass
class Parts:
    """Attachment payloads from a multipart/mixed request, by SHA-2 hash: (content type, bytes)."""

    by_hash: dict[str, tuple[str, bytes]] = field(default_factory=dict)


def _check_attachments(statements: list[dict[str, Any]], parts: Parts) -> None:
    """Every attachment without fileUrl has a part, every part belongs to an attachment, signatures are sound."""
    referenced: set[str] = set()
    for index, data in enumerate(statements):
        for attachment in data.get("attachments") or ():
            sha2 = attachment["sha2"].lower()
            if sha2 in parts.by_hash:
                referenced.add(sha2)
            elif "fileUrl" not in attachment:
                raise bad_request(
                    f"statements[{index}].attachments: no multipart part has X-Experience-API-Hash {sha2}"
                    " (attachments without fileUrl must be sent as multipart/mixed)"
                )
            if attachment["usageType"] == SIGNATURE_USAGE and sha2 in parts.by_hash:
                jws.check_signature(data, parts.by_hash[sha2][1], where=f"statements[{index}]")
    extra = set(parts.by_hash) - referenced
    if extra:
        raise bad_request(f"multipart part(s) {', '.join(sorted(extra))} match no attachment of the statements")


# The widths of the indexed columns whose value comes from the producer: xAPI sets no limit, and the
# database would refuse a longer value inside the batch's transaction (a 500).
_VERB_WIDTH, _ACTOR_WIDTH, _OBJECT_WIDTH = (
    Statement._meta.get_field(column).max_length for column in ("verb", "actor_key", "object_id")
)


def _refuse_too_long(columns: dict[str, Any], where: str) -> None:
    for column, width, what in (
        ("verb", _VERB_WIDTH, "the verb's id"),
        ("actor_key", _ACTOR_WIDTH, "the actor's identifier"),
        ("object_id", _OBJECT_WIDTH, "the object's id"),
    ):
        if len(columns[column]) > width:
            raise bad_request(f"{where}: {what} is longer than this LRS stores ({width} characters)")


def _where(index: int, statements: list[Any]) -> str:
    """How a 400's reason names the statement at `index` of a request."""
    return f"statements[{index}]" if len(statements) > 1 else "statement"


def statements_store(
    *,
    statements: list[Any],
    authority: dict[str, Any],
    version: str,
    parts: Parts | None = None,
) -> list[str]:
    """Validate and store a batch atomically; returns the ids (in request order). See the module docstring."""
    if not statements:
        raise bad_request("no statements in the request")
    parts = parts or Parts()
    validation_version = "2.0.0" if version.startswith("2.") else "1.0.3"
    # Ids as their canonical text (what str(UUID) gives): validation admits only the standard
    # 8-4-4-4-12 form, so lower case is canonical, and no UUID object is built, printed or hashed.
    seen: dict[str, int] = {}
    sent_ids: list[str | None] = []
    for index, data in enumerate(statements):
        try:
            validate_statement(data, version=validation_version)
        except StatementValidationError as error:
            raise bad_request(f"{_where(index, statements)}: {error.reason}") from None
        if "id" in data:
            statement_id = data["id"].lower()
            if statement_id in seen:
                raise bad_request(f"statements[{index}]: id {data['id']} is used twice in this batch")
            seen[statement_id] = index
            sent_ids.append(statement_id)
        else:
            sent_ids.append(None)
    _check_attachments(statements, parts)

    now = timezone.now()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # the column equals the JSON's `stored`
    stored_text = format_timestamp(now)
    default_version = "2.0.0" if version.startswith("2.") else "1.0.0"
    prepared: list[Prepared] = []
    voiding_targets: dict[str, int] = {}
    for index, (sent, sent_id) in enumerate(zip(statements, sent_ids, strict=True)):
        data = dict(with_context_activity_arrays(sent))
        statement_id = sent_id or str(uuid.uuid4())
        data["id"] = statement_id
        data.setdefault("timestamp", stored_text)
        data["stored"] = stored_text
        data["authority"] = authority
        data.setdefault("version", default_version)
        columns = statement_columns(data)
        if (
            len(columns["verb"]) > _VERB_WIDTH
            or len(columns["actor_key"]) > _ACTOR_WIDTH
            or len(columns["object_id"]) > _OBJECT_WIDTH
        ):
            _refuse_too_long(columns, _where(index, statements))
        if columns["object_type"] == "StatementRef":
            target = data["object"]["id"].lower()
            columns["object_id"] = target
            if columns["verb"] == VOIDED:
                voiding_targets[target] = index
        prepared.append((statement_id, data, columns, _timestamp_of(data["timestamp"], now)))
    ids = [item[0] for item in prepared]
    try:
        fresh, definitions = _store_prepared(prepared, statements, voiding_targets, parts, now, racing=False)
    except IntegrityError:
        # An id of the batch is already stored: sent before (PostgreSQL's first pass does not look; its
        # COPY collides), or stored by another request between our check and our insert. Run the batch
        # again with the check and ON CONFLICT inserts: same content → no-op, different → 409, and
        # nothing is stored twice.
        fresh, definitions = _store_prepared(prepared, statements, voiding_targets, parts, now, racing=True)
    if fresh and definitions:
        _store_definitions(definitions)
    return ids


Prepared = tuple[str, dict[str, Any], dict[str, Any], datetime]  # (id text, data, columns, timestamp)


def _store_prepared(
    prepared: list[Prepared],
    statements: list[Any],
    voiding_targets: dict[str, int],
    parts: Parts,
    now: datetime,
    *,
    racing: bool,
) -> tuple[list[Prepared], dict[str, Row]]:
    """The batch's one transaction; returns (statements newly stored, their activity definitions).

    On PostgreSQL's first pass statements and filter-index rows go in by binary COPY (`copy_records`) without
    asking which ids are already stored: the primary key refuses a stored id (IntegrityError, the whole
    transaction rolls back), and a batch resent whole or in part is rare, while the probe cost every
    batch of 100 about 0.5 ms of PostgreSQL and 0.2 ms of Python, 3-5% of its ingest CPU
    (`bench/lrs_ingest_cpu.py`). Elsewhere, and on the retry
    (`racing=True`), ids are checked first and rows go in by INSERT … ON CONFLICT DO NOTHING.
    """
    ids = [item[0] for item in prepared]
    definitions: dict[str, Row] = {}
    # PostgreSQL, first pass: binary COPY records built here (`_statement_record`); else row tuples for INSERTs.
    by_copy = not racing and connection.vendor == "postgresql"
    with transaction.atomic():
        existing, voided_later = _held_statements(ids, statements=not by_copy)
        fresh = []
        for item, sent in zip(prepared, statements, strict=True):
            held = existing.get(item[0])
            if held is None:
                fresh.append(item)
            elif _comparable(held, timestamp="timestamp" in sent) != _comparable(
                item[1], timestamp="timestamp" in sent
            ):
                raise LRSError(409, f"statement {item[0]} is already stored with different content")
        if voiding_targets:
            _check_voiding(voiding_targets, {item[0]: item[2]["verb"] for item in prepared})
        if not fresh:
            return fresh, definitions
        fresh_ids = [item[0] for item in fresh]
        stored_field = binary_timestamptz(now)
        id_fields: dict[str, bytes] = {}  # by id hex, for the filter-index rows' arrays
        rows: list[Any] = []
        relations: list[Any] = []
        references: list[Row] = []
        authority = Authority.of(fresh[0][1]["authority"])  # statements_store gave each the credential's
        for statement_id, data, columns, timestamp in fresh:
            voided = statement_id in voided_later and columns["verb"] != VOIDED
            id_hex = statement_id.replace("-", "")
            rel, ref, defs = index_rows(
                id_hex=id_hex,
                data=data,
                columns=columns,
                stored=now,
                authority=authority,
            )
            if by_copy:
                id_field = id_fields[id_hex] = binary_uuid(id_hex)
                rows.append(_statement_record(data, columns, id_field, timestamp, stored_field, voided=voided))
            else:
                row = statement_row(
                    statement_id=uuid.UUID(statement_id), data=data, columns=columns, timestamp=timestamp, stored=now
                )
                rows.append((*row[:11], True, *row[12:]) if voided else row)
            relations += rel
            references += ref
            definitions.update(defs)
        if by_copy:
            copy_records(Statement, _STATEMENT_COLUMNS, rows)
            relation_records = [
                b"".join(
                    (
                        _RELATION_START,
                        binary_int2(kind),
                        binary_text(value),
                        stored_field,
                        binary_uuid_array([id_fields[id_hex] for id_hex in ids]),
                    )
                )
                for kind, value, _, ids in relation_rows(relations)
            ]
            copy_records(StatementRelation, _RELATION_COLUMNS, relation_records)
            insert_rows(StatementReference, _REFERENCE_COLUMNS, references)
        elif racing:
            insert_statements(rows)
            insert_index_rows(relations, references)
        else:  # SQLite: plain INSERTs (the ids were checked: nothing conflicts)
            insert_rows(Statement, _STATEMENT_COLUMNS, rows, json_columns=("data",))
            insert_index_rows(relations, references)
        if parts.by_hash:
            insert_rows(
                StatementAttachment,
                ("sha2", "content_type", "content", "stored"),
                [(sha2, ctype, content, now) for sha2, (ctype, content) in parts.by_hash.items()],
                ignore_conflicts=True,
            )
        fresh_set = set(fresh_ids)
        new_targets = [t for t, i in voiding_targets.items() if ids[i] in fresh_set]
        if new_targets:
            Statement.objects.filter(id__in=new_targets).exclude(verb=VOIDED).update(voided=True)
        after_commit.schedule()
    return fresh, definitions


class Held(NamedTuple):
    """What the store already holds about a batch's ids, from one query (`_held_statements`)."""

    statements: dict[str, dict[str, Any]]  # the statements already stored under these ids: id text → data
    voided_later: set[str]  # ids a stored voiding statement targets (voiding may arrive first)


def _held_statements(ids: list[str], *, statements: bool = True) -> Held:
    """The batch's ids already stored (unless `statements=False`), and those already voided by a stored
    statement, in one round trip.

    On PostgreSQL one short SQL text with the ids as one array literal: the ORM's `IN (…)` with a
    placeholder per id cost more CPU to build and for psycopg to quote and split than the lookups
    themselves, and the same text every time is parsed once by psycopg and planned cheaply by the
    server. Held data comes back as jsonb text, decoded with json like JSONField does.
    """
    if connection.vendor != "postgresql":
        rows = Statement.objects.filter(id__in=ids).values_list("id", "data") if statements else ()
        voided = StatementReference.objects.filter(target__in=ids, voiding=True).values_list("target", flat=True)
        return Held({str(statement_id): data for statement_id, data in rows}, {str(target) for target in voided})
    array = uuid_array_literal(ids)
    with connection.cursor() as cursor:
        if statements:
            cursor.execute(_held_sql(), [array, array])
        else:
            cursor.execute(_voided_sql(), [array])
        rows = cursor.fetchall()
    held = {}
    voided = set()
    for statement_id, text in rows:
        if text is None:
            voided.add(str(statement_id))
        else:
            held[str(statement_id)] = json.loads(text)
    return Held(held, voided)


@functools.cache
def _held_sql() -> str:
    statements = connection.ops.quote_name(Statement._meta.db_table)
    return (
        f"SELECT id, data::text FROM {statements} WHERE id = ANY(%s::uuid[]) "  # noqa: S608 (table names)
        f"UNION ALL {_voided_sql()}"
    )


@functools.cache
def _voided_sql() -> str:
    references = connection.ops.quote_name(StatementReference._meta.db_table)
    return f"SELECT target, NULL FROM {references} WHERE voiding AND target = ANY(%s::uuid[])"  # noqa: S608


def _store_definitions(definitions: dict[str, Row]) -> None:
    """After the statements commit, in a short transaction of its own: the canonical-definition cache.

    Kept out of the batch transaction so concurrent batches never hold each other's unique-index
    locks for a whole batch. Statements keep their own copy of each definition, so a failure here
    (logged) loses nothing but a merge input; the request still succeeds.
    """
    known = _known_definitions()
    if not any(digest not in known for digest in definitions):
        return
    try:
        with transaction.atomic():
            digests = insert_definitions(definitions)
    except DatabaseError:
        logger.exception("Storing %d activity definitions failed; the statements are stored", len(definitions))
        return
    _remember_definitions(digests)


def _check_voiding(targets: dict[str, int], in_batch: dict[str, str]) -> None:
    """A voiding statement must not target a voiding statement (already stored or in the same batch)."""
    held = {str(pk): verb for pk, verb in Statement.objects.filter(id__in=list(targets)).values_list("id", "verb")}
    for target, index in targets.items():
        verb = in_batch.get(target) or held.get(target)
        if verb == VOIDED:
            raise bad_request(f"statements[{index}]: a voiding statement cannot target a voiding statement ({target})")


# --- query ----------------------------------------------------------------------------------------------


def related_statements(value: str, kinds: Sequence[int]) -> RawSQL:
    """The ids of statements related to `value` in any of `kinds`, as a subquery for `id__in`: the
    StatementRelation rows' id arrays unnested (a uuid[] on PostgreSQL, a JSON array read by json_each
    on SQLite; `StatementIdsField`)."""
    table = connection.ops.quote_name(StatementRelation._meta.db_table)
    if connection.vendor == "postgresql":
        ids = f"SELECT unnest(r.statement_ids) FROM {table} r"  # noqa: S608
    else:
        ids = f"SELECT j.value FROM {table} r, json_each(r.statement_ids) j"  # noqa: S608
    placeholders = ", ".join(["%s"] * len(kinds))
    sql = f"{ids} WHERE r.value = %s AND r.kind IN ({placeholders})"  # noqa: S608 (table name; values are params)
    return RawSQL(sql, (value, *[int(kind) for kind in kinds]))  # noqa: S611


@dataclass
class Filters:
    """The filter parameters of GET /statements, already parsed; serialisable into a `more` cursor."""

    agent: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 0
    ascending: bool = False
    format: str = "exact"
    attachments: bool = False

    def data_filter(self) -> Q | None:
        """The part of the filter that the StatementRef rule propagates (agent, verb, activity, registration)."""
        q = Q()
        used = False
        if self.agent is not None:
            used = True
            # The Agent (or identified Group) as actor or object, or a member of a Group that is; with
            # related_agents, also as authority, instructor, team, context agent/group, or any of those
            # in a SubStatement (Communication 2.1.3).
            agent_q = Q(actor_key=self.agent) | Q(object_id=self.agent, object_type__in=("Agent", "Group"))
            kinds = [RelationKind.RELATED_AGENT] if self.related_agents else []
            if self.related_agents or self._in_a_group():
                kinds.append(RelationKind.AGENT)
                agent_q |= Q(id__in=related_statements(self.agent, kinds))
            q &= agent_q
        if self.verb is not None:
            used = True
            q &= Q(verb=self.verb)
        if self.activity is not None:
            used = True
            activity_q = Q(object_id=self.activity, object_type="Activity")
            if self.related_activities:
                activity_q |= Q(id__in=related_statements(self.activity, [RelationKind.RELATED_ACTIVITY]))
            q &= activity_q
        if self.registration is not None:
            used = True
            q &= Q(registration=uuid.UUID(self.registration))
        return q if used else None

    def _in_a_group(self) -> bool:
        """Whether the agent is a member of any Group that is a statement's actor or object (one index probe).

        Only then does the plain `agent` filter need the membership subquery; without it the filter
        stays two index lookups (actor, object), which the planner combines cheaply.
        """
        return StatementRelation.objects.filter(value=self.agent, kind=RelationKind.AGENT).exists()

    def to_token(self, cursor: tuple[datetime, uuid.UUID], pinned: datetime) -> str:
        payload = {
            "g": self.agent,
            "v": self.verb,
            "a": self.activity,
            "r": self.registration,
            "ra": self.related_activities,
            "rg": self.related_agents,
            "s": self.since.isoformat() if self.since else None,
            "u": self.until.isoformat() if self.until else None,
            "l": self.limit,
            "asc": self.ascending,
            "f": self.format,
            "att": self.attachments,
            "c": [cursor[0].isoformat(), str(cursor[1])],
            "p": pinned.isoformat(),
        }
        return signing.dumps(payload, salt=MORE_SALT, compress=True)

    @classmethod
    def from_token(cls, token: str) -> tuple[Filters, tuple[datetime, uuid.UUID], datetime]:
        try:
            payload = signing.loads(token, salt=MORE_SALT, max_age=more_max_age())
            filters = cls(
                agent=payload["g"],
                verb=payload["v"],
                activity=payload["a"],
                registration=payload["r"],
                related_activities=payload["ra"],
                related_agents=payload["rg"],
                since=datetime.fromisoformat(payload["s"]) if payload["s"] else None,
                until=datetime.fromisoformat(payload["u"]) if payload["u"] else None,
                limit=payload["l"],
                ascending=payload["asc"],
                format=payload["f"],
                attachments=payload["att"],
            )
            cursor = (datetime.fromisoformat(payload["c"][0]), uuid.UUID(payload["c"][1]))
            return filters, cursor, datetime.fromisoformat(payload["p"])
        except signing.SignatureExpired:
            raise bad_request("this 'more' link has expired; run the query again") from None
        except (signing.BadSignature, KeyError, TypeError, ValueError, IndexError):
            raise bad_request("the 'more' parameter is not a link this LRS issued") from None


@dataclass
class Page:
    """A page of statements as their stored JSON text: a page in the exact format is served without
    decoding and re-encoding each statement (`statements` decodes them for the other formats)."""

    texts: list[str]
    more_token: str | None
    last_stored: datetime | None

    @cached_property
    def statements(self) -> list[dict[str, Any]]:
        return [_decode_json(text) for text in self.texts]


def statements_query(
    filters: Filters, *, cursor: tuple[datetime, uuid.UUID] | None = None, pinned: datetime | None = None
) -> Page:
    """One page of non-voided statements matching `filters`, after `cursor`, ordered by (stored, id)."""
    pinned = pinned or timezone.now()
    limit = filters.limit or max_page_size()
    frame = Q(voided=False)
    if filters.since is not None:
        frame &= Q(stored__gt=filters.since)
    if filters.until is not None:
        frame &= Q(stored__lte=filters.until)
    frame &= Q(stored__lte=pinned)
    if cursor is not None:
        stored, last_id = cursor
        frame &= after_in_stored_order(stored, last_id, descending=not filters.ascending)
    order = ("stored", "id") if filters.ascending else ("-stored", "-id")
    data_q = filters.data_filter()
    main = Statement.objects.filter(frame & data_q if data_q is not None else frame)
    # (stored, id) first, the JSON text of the page's rows after: a plan that reads more rows than the
    # page (a planner without fresh statistics sorting every row after the cursor) then sorts keys,
    # not the text of every statement it read.
    rows = list(main.order_by(*order).values_list("stored", "id")[: limit + 1])
    if data_q is not None:
        # Statements targeting (StatementRef) a matching statement match too (Communication §2.1.3).
        targets = Statement.objects.filter(data_q).values("id")
        referencing = StatementReference.objects.filter(target__in=targets).values("statement_id")
        refs = Statement.objects.filter(frame, id__in=referencing).order_by(*order)
        extra = list(refs.values_list("stored", "id")[: limit + 1])
        if extra:
            merged = {row[1]: row for row in rows + extra}
            rows = sorted(merged.values(), key=lambda r: (r[0], r[1]), reverse=not filters.ascending)[: limit + 1]
    more = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        more = filters.to_token((last[0], last[1]), pinned)
    last_stored = max((row[0] for row in rows), default=None)
    as_text = Cast("data", output_field=TextField())  # the stored JSON text, undecoded
    texts = dict(Statement.objects.filter(id__in=[row[1] for row in rows]).values_list("id", as_text)) if rows else {}
    return Page(texts=[texts[row[1]] for row in rows], more_token=more, last_stored=last_stored)


def statement_get(statement_id: uuid.UUID, *, voided: bool) -> Statement | None:
    """The statement by id: voided ones only when `voided` (voidedStatementId), the others only when not."""
    return Statement.objects.filter(id=statement_id, voided=voided).only("id", "data", "stored").first()


def attachments_for(statements: list[dict[str, Any]]) -> dict[str, tuple[str, bytes]]:
    """The attachment payloads held for these statements (one query)."""
    wanted = {
        a["sha2"].lower()
        for data in statements
        for a in (data.get("attachments") or ())
        if isinstance(a, dict) and "sha2" in a
    }
    if not wanted:
        return {}
    return {
        row.sha2: (row.content_type, bytes(row.content)) for row in StatementAttachment.objects.filter(sha2__in=wanted)
    }


# --- formats --------------------------------------------------------------------------------------------


def _ids_agent(agent: Any) -> Any:
    if not isinstance(agent, dict):
        return agent
    reduced: dict[str, Any] = {}
    if "objectType" in agent:
        reduced["objectType"] = agent["objectType"]
    for ifi in ("mbox", "mbox_sha1sum", "openid", "account"):
        if ifi in agent:
            reduced[ifi] = agent[ifi]
            break
    else:
        if "member" in agent:
            reduced["member"] = [_ids_agent(m) for m in agent["member"]]
    return reduced


def _ids_object(obj: dict[str, Any]) -> dict[str, Any]:
    object_type = obj.get("objectType", "Activity")
    if object_type in ("Agent", "Group"):
        return _ids_agent(obj)
    if object_type == "SubStatement":
        return _ids_statement(obj)
    if object_type == "Activity":
        # Only the identifier (XAPI-00171): an Activity's objectType is not one, and "Activity" is the default.
        return {"id": obj.get("id")}
    return {"objectType": object_type, "id": obj.get("id")}


def _ids_statement(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    out["actor"] = _ids_agent(data.get("actor"))
    out["verb"] = {"id": data["verb"]["id"]}
    out["object"] = _ids_object(data.get("object") or {})
    if "authority" in data:
        out["authority"] = _ids_agent(data["authority"])
    if isinstance(data.get("context"), dict):
        context = dict(data["context"])
        for key in ("instructor", "team"):
            if key in context:
                context[key] = _ids_agent(context[key])
        if isinstance(context.get("contextActivities"), dict):
            context["contextActivities"] = {
                k: [{"id": a.get("id")} for a in (v if isinstance(v, list) else [v])]
                for k, v in context["contextActivities"].items()
            }
        out["context"] = context
    return out


def _languages(accept_language: str | None) -> tuple[list[str], set[str]]:
    """(acceptable language ranges, most preferred first; ranges refused with q=0), RFC 2616 §14.4."""
    ranked: list[tuple[float, int, str]] = []
    refused: set[str] = set()
    for position, item in enumerate((accept_language or "").split(",")):
        tag, *parameters = item.strip().split(";")
        tag = tag.strip().lower()
        if not tag:
            continue
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    weight = 0.0
        if weight <= 0:
            refused.add(tag)
        else:
            ranked.append((-weight, position, tag))
    return [tag for _, _, tag in sorted(ranked)], refused


def _range_matches(language_range: str, tag: str) -> bool:
    """RFC 2616: the range equals the tag, or a prefix of it followed by '-'."""
    return language_range == tag or tag.startswith(language_range + "-")


def pick_language(language_map: dict[str, Any], accept_language: tuple[list[str], set[str]]) -> dict[str, Any]:
    """The one entry of a language map the client prefers (Communication 2.1.3, format=canonical).

    Ranges are tried in preference order, matched per RFC 2616; then the same primary language
    (en-GB wanted, en-US held); then, for `*` or no match, the first entry not refused with q=0.
    """
    if len(language_map) <= 1:
        return language_map
    ranges, refused = accept_language
    lowered = [(key.lower(), key) for key in language_map]
    for language_range in ranges:
        if language_range == "*":
            continue
        for tag, key in lowered:
            if _range_matches(language_range, tag):
                return {key: language_map[key]}
    for language_range in ranges:
        primary = language_range.split("-")[0]
        for tag, key in lowered:
            if primary != "*" and tag.split("-")[0] == primary:
                return {key: language_map[key]}
    acceptable = [key for tag, key in lowered if not any(_range_matches(r, tag) for r in refused)]
    key = (acceptable or [lowered[0][1]])[0]
    return {key: language_map[key]}


_LANGUAGE_MAPS = ("display", "name", "description")


def _one_language(value: Any, languages: tuple[list[str], set[str]]) -> Any:
    """Every language map in `value` (not inside extensions, whose content is the extension owner's) cut to one."""
    if isinstance(value, list):
        return [_one_language(v, languages) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "extensions":
            out[key] = item
        elif key in _LANGUAGE_MAPS and isinstance(item, dict):
            out[key] = pick_language(item, languages)
        else:
            out[key] = _one_language(item, languages)
    return out


def _activities_of(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The Activity objects of a statement: its object, its context activities, and a SubStatement's."""
    obj = data.get("object")
    if isinstance(obj, dict):
        object_type = obj.get("objectType", "Activity")
        if object_type == "Activity" and isinstance(obj.get("id"), str):
            yield obj
        elif object_type == "SubStatement":
            yield from _activities_of(obj)
    context = data.get("context")
    if isinstance(context, dict):
        yield from (a for a in _context_activities(context) if isinstance(a.get("id"), str))


def _with_canonical_definitions(data: dict[str, Any], definitions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A copy of the statement whose Activities carry the LRS's canonical definitions."""
    out = copy.deepcopy(data)
    for activity in _activities_of(out):
        canonical = definitions.get(activity["id"])
        if canonical:
            activity["definition"] = copy.deepcopy(canonical)
    return out


def formatted(statements: list[dict[str, Any]], fmt: str, accept_language: str | None) -> list[dict[str, Any]]:
    """The statements in the requested format (Communication 2.1.3): exact, ids, or canonical.

    canonical: every Activity gets the LRS's canonical definition (merged from all the definitions
    received, one query for the page) and every language map keeps one language, chosen from
    Accept-Language for each map separately; Agents are returned as in exact.
    """
    if fmt == "ids":
        return [_ids_statement(s) for s in statements]
    if fmt == "canonical":
        languages = _languages(accept_language)
        ids = {activity["id"] for s in statements for activity in _activities_of(s)}
        definitions = canonical_definitions(ids)
        return [_one_language(_with_canonical_definitions(s, definitions), languages) for s in statements]
    return statements


_MAX_DEFINITION_ROWS = 20_000


def canonical_definitions(activity_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The canonical definition of each activity (one query): every definition received, merged oldest
    first, with the ones Guild itself recorded applied last so an external producer cannot rename Guild's
    activities. Activities never defined are absent."""
    wanted = sorted(set(activity_ids))
    if not wanted:
        return {}
    guild = agent_key(guild_authority())
    rows = (
        ActivityDefinition.objects.filter(activity_id__in=wanted)
        .order_by("stored", "id")
        .values_list("activity_id", "authority_key", "definition")[:_MAX_DEFINITION_ROWS]
    )
    by_activity: dict[str, list[tuple[bool, dict[str, Any]]]] = {}
    for activity_id, authority_key, definition in rows:
        by_activity.setdefault(activity_id, []).append((authority_key == guild, definition))
    merged: dict[str, dict[str, Any]] = {}
    for activity_id, received in by_activity.items():
        into: dict[str, Any] = {}
        for _, definition in sorted(received, key=lambda item: item[0]):  # stable: Guild's last, else in order
            if isinstance(definition, dict):
                _merge_definition(into, definition)
        merged[activity_id] = into
    return merged


def merged_definition(activity_id: str) -> dict[str, Any]:
    """The canonical definition of one activity (see `canonical_definitions`); {} if never defined."""
    return canonical_definitions([activity_id]).get(activity_id, {})


def _merge_definition(into: dict[str, Any], definition: dict[str, Any]) -> None:
    """Language maps and extensions merge key by key (newer wins); anything else is replaced."""
    for key, value in definition.items():
        mergeable = key in ("name", "description", "extensions")
        if mergeable and isinstance(value, dict) and isinstance(into.get(key), dict):
            into[key] = {**into[key], **value}
        else:
            into[key] = copy.deepcopy(value)
