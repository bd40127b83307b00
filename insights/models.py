"""The Statement store: Guild's one event log (DESIGN.md §2, rule 3)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models.expressions import RawSQL


class ForwardState(models.IntegerChoices):
    PENDING = 0, "Pending"
    DELIVERED = 1, "Delivered"
    REJECTED = 2, "Rejected by the external LRS"


class Statement(models.Model):
    """One xAPI statement: the full JSON as stored, plus indexed columns for what analysts filter on.

    Rows are immutable apart from `voided` (set when a voiding statement arrives) and the
    forwarding bookkeeping, which describes delivery to the downstream LRS, not the statement.
    """

    id = models.UUIDField(primary_key=True)
    verb = models.CharField(max_length=512)
    actor_key = models.CharField(max_length=512)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    object_id = models.CharField(max_length=1024)
    object_type = models.CharField(max_length=16, default="Activity")
    registration = models.UUIDField(null=True, blank=True)
    course_iri = models.CharField(max_length=512, blank=True, default="")
    lesson_iri = models.CharField(max_length=512, blank=True, default="")
    timestamp = models.DateTimeField()
    stored = models.DateTimeField()
    voided = models.BooleanField(default=False)
    data = models.JSONField()

    forward_state = models.PositiveSmallIntegerField(choices=ForwardState.choices, default=ForwardState.PENDING)
    forward_attempts = models.PositiveSmallIntegerField(default=0)
    forward_error = models.TextField(blank=True, default="")
    forwarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-stored", "-id")
        # Only what a query reads (every index costs each insert): the xAPI API's filters (stored
        # order; verb, agent, activity, registration), the learner's own export, and the
        # forwarding backlog. Exports filtered by course walk the (stored, id) index; nothing
        # filters on lesson or timestamp.
        indexes = [
            models.Index(fields=["stored", "id"], name="stmt_stored_id"),
            models.Index(fields=["verb", "stored"], name="stmt_verb_stored"),
            models.Index(fields=["actor_key", "stored"], name="stmt_actor_stored"),
            models.Index(fields=["object_id", "stored"], name="stmt_object_stored"),
            models.Index(fields=["registration"], name="stmt_registration"),
            # A learner's own download, and SET NULL when a user is deleted. Partial: statements
            # from external producers (no Guild user) never touch it.
            models.Index(
                fields=["actor_user", "stored"],
                name="stmt_user_stored",
                condition=models.Q(actor_user__isnull=False),
            ),
            models.Index(
                fields=["stored", "id"],
                name="stmt_forward_pending",
                condition=models.Q(forward_state=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.object_id} ({self.id})"

    @property
    def verb_display(self) -> str:
        display = self.data.get("verb", {}).get("display") or {}
        return display.get("en") or display.get("en-US") or next(iter(display.values()), self.verb.rsplit("/", 1)[-1])


# --- The embedded LRS (insights/lrs): credentials, filter index, activity definitions, documents ----------


class LRSScope(models.TextChoices):
    READ = "read", "Read (GET/HEAD)"
    WRITE = "write", "Write (PUT/POST/DELETE)"
    ALL = "all", "Read and write"


class LRSCredential(models.Model):
    """An HTTP Basic key/secret pair for one xAPI client (a tool, a script, another LRS).

    Only a keyed HMAC-SHA256 digest of the secret is stored: the secret is 256 random bits, so a
    slow password hash adds nothing but per-request latency (see insights/lrs/auth.py).
    """

    name = models.CharField(max_length=200)
    key = models.CharField(max_length=64, unique=True)
    secret_digest = models.CharField(max_length=64)
    scope = models.CharField(max_length=8, choices=LRSScope.choices, default=LRSScope.ALL)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created",)
        verbose_name = "LRS credential"

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    @property
    def is_active(self) -> bool:
        return self.revoked is None


class RelationKind(models.IntegerChoices):
    """What a StatementRelation row indexes: `agent`/`activity` filters, and their `related_*` variants."""

    AGENT = 1, "Actor or object agent"
    RELATED_AGENT = 2, "Any other agent (authority, instructor, team, SubStatement)"
    ACTIVITY = 3, "Object activity"
    RELATED_ACTIVITY = 4, "Any other activity (context activities, SubStatement)"


class StatementIdsField(models.Field):
    """A list of statement ids, each as 32 hex digits: `uuid[]` on PostgreSQL, which the filters unnest with
    no per-id cast (a jsonb array's elements cost a text-to-uuid cast each, 0.4 µs); a JSON array in a text
    column elsewhere (SQLite's json_each reads it, and SQLite stores UUIDs as 32 hex digits)."""

    def db_type(self, connection: Any) -> str:
        return "uuid[]" if connection.vendor == "postgresql" else "text"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> list[str] | None:
        if value is None:
            return None
        if connection.vendor == "postgresql":
            return [statement_id.hex for statement_id in value]
        return json.loads(value)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        if connection.vendor == "postgresql":
            return [uuid.UUID(statement_id) for statement_id in value]
        return json.dumps(list(value))


class StatementRelation(models.Model):
    """One agent or activity that statements stored together share, with their ids: insert-only, for the
    `agent`/`activity`/`related_*` filters.

    A batch's statements mostly share their authority and many of their parent and grouping activities,
    so one row per (kind, value) and batch, holding the ids in an array, is a seventh of the rows that
    one per (statement, value) was (`bench/lrs_load.py`: 42,727 rows for 300,000), and 12-14 µs less
    PostgreSQL CPU per ingested statement, about a tenth of ingest's (`StatementIdsField`).

    `stored` is the batch's, so a filtered page is one index range scan in stored order. Statements are
    never deleted, and these rows are written only with their statements, in their transaction.
    """

    kind = models.PositiveSmallIntegerField(choices=RelationKind.choices)
    value = models.CharField(max_length=1024)
    stored = models.DateTimeField()
    statement_ids = StatementIdsField(default=list)

    class Meta:
        indexes = [
            models.Index(fields=["value", "kind", "stored"], name="stmtrel_value_kind_stored"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class ActivityDefinition(models.Model):
    """One activity definition as one authority sent it: insert-only, merged on read.

    No canonical row is updated when statements arrive, so concurrent batches mentioning the same
    activity never contend for a row lock; identical definitions collapse on the unique digest.
    """

    activity_id = models.CharField(max_length=1024)
    authority_key = models.CharField(max_length=512)
    digest = models.CharField(max_length=64)
    definition = models.JSONField()
    stored = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["digest"], name="actdef_unique_digest")]
        indexes = [models.Index(fields=["activity_id", "stored"], name="actdef_activity_stored")]

    def __str__(self) -> str:
        return self.activity_id


class StatementAttachment(models.Model):
    """Raw attachment content sent in multipart/mixed, addressed by its SHA-2 hash (content-addressed, shared)."""

    sha2 = models.CharField(max_length=128, primary_key=True)
    content_type = models.CharField(max_length=255)
    content = models.BinaryField()
    stored = models.DateTimeField()

    def __str__(self) -> str:
        return self.sha2


class DocumentKind(models.IntegerChoices):
    STATE = 1, "State"
    ACTIVITY_PROFILE = 2, "Activity profile"
    AGENT_PROFILE = 3, "Agent profile"


class LRSDocument(models.Model):
    """A State, Activity Profile or Agent Profile document (xAPI Communication §2.3, 2.6, 2.7).

    One table for the three resources. Ids and agents can be long IRIs, so uniqueness and the
    "multiple documents" listing go through SHA-256 digests of the key (`key_digest`) and of the
    set the key belongs to (`set_digest`: kind + activity + agent + registration), which keeps the
    B-tree entries small on PostgreSQL.
    """

    kind = models.PositiveSmallIntegerField(choices=DocumentKind.choices)
    activity_id = models.CharField(max_length=2048, blank=True, default="")
    agent_key = models.CharField(max_length=2048, blank=True, default="")
    registration = models.CharField(max_length=36, blank=True, default="")
    document_id = models.CharField(max_length=2048)
    key_digest = models.CharField(max_length=64, unique=True)
    set_digest = models.CharField(max_length=64)
    content = models.BinaryField()
    content_type = models.CharField(max_length=255)
    etag = models.CharField(max_length=40)
    updated = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["set_digest", "updated"], name="lrsdoc_set_updated")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.document_id}"


class StatementReference(models.Model):
    """A statement whose object is a StatementRef, and the id it targets (insert-only).

    Serves the filter rule "statements that target a matching statement match too" (xAPI
    Communication §2.1.3) and voiding that arrives before its target, without casting ids to text.
    """

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="references", db_index=False)
    target = models.UUIDField(db_index=True)
    voiding = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["statement"], name="stmtref_statement")]

    def __str__(self) -> str:
        return f"{self.statement_id} → {self.target}"


# --- People insights: the expert finder (insights/experts.py) --------------------------------------


class ExpertiseScope(models.TextChoices):
    LESSON = "lesson", "Lesson"
    COURSE = "course", "Course"
    TAG = "tag", "Tag"


class ExpertiseScore(models.Model):
    """How much evidence one person has of knowing one lesson, course or tag: a projection of the store.

    Filled by `insights.experts.expertise_refresh` from statements, never written per request.
    `score` is time-decayed and expressed at a fixed reference instant (see `experts.EPOCH`), so rows
    refreshed at different times compare directly and the ranking never needs rewriting as time passes;
    `evidence` holds the raw counts behind it, for the "why" shown next to each person.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope_kind = models.CharField(max_length=8, choices=ExpertiseScope.choices)
    scope_key = models.CharField(max_length=100, help_text="The lesson's or course's activity UUID, or the tag slug.")
    course_key = models.CharField(max_length=36, blank=True, help_text="For lesson rows: the course's activity UUID.")
    score = models.FloatField()
    evidence = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope_kind", "scope_key"], name="expertise_user_scope"),
        ]
        indexes = [
            models.Index(fields=["scope_kind", "scope_key", "-score"], name="expertise_scope_rank"),
            models.Index(fields=["course_key"], name="expertise_course"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.scope_kind}:{self.scope_key} = {self.score:.2f}"


class ExpertiseCursor(models.Model):
    """The refresh's high-water mark on `Statement.stored` (one row)."""

    name = models.CharField(max_length=32, unique=True)
    high_water = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.high_water}"


# --- Dashboards: pre-aggregated tables, filled from the store (insights/dashboards/models.py) ------------
from .dashboards.models import (  # noqa: E402
    ActiveDay,
    AggregateFillState,
    BlockSignal,
    CheckOutcome,
    DailyCount,
    HelperEdge,
    LearnerCourse,
    LearnerFact,
    LearnerLesson,
    RatingFact,
    ReplyFact,
    ThreadFact,
)

__all__ = [
    "ActiveDay",
    "ActivityDefinition",
    "AggregateFillState",
    "BlockSignal",
    "CheckOutcome",
    "DailyCount",
    "DocumentKind",
    "ExpertiseCursor",
    "ExpertiseScope",
    "ExpertiseScore",
    "ForwardState",
    "HelperEdge",
    "LRSCredential",
    "LRSDocument",
    "LRSScope",
    "LearnerCourse",
    "LearnerFact",
    "LearnerLesson",
    "RatingFact",
    "RelationKind",
    "ReplyFact",
    "Statement",
    "StatementAttachment",
    "StatementReference",
    "StatementRelation",
    "ThreadFact",
]


def after_in_stored_order(stored: Any, statement_id: Any, *, descending: bool = False, raw: bool = False) -> models.Q:
    """Statements strictly after (stored, id) in (stored, id) order, or before it when `descending`:
    the keyset step of every walk over the store (LRS pages, exports, the stream, the dashboards' fill).

    A row-value comparison `(stored, id) > (%s, %s)` is an index condition on the (stored, id) index in
    PostgreSQL and SQLite alike, so a page starts at the cursor whatever the planner's statistics say;
    `stored > s OR (stored = s AND id > i)` let PostgreSQL read and sort every row after the cursor
    (150 ms a page at 20k statements, O(N²) to walk N). The plain bound on `stored` is for planners that
    split row values. `raw=True`: the values are the database's own, just read, passed as they are.
    """
    if not raw:
        stored = Statement._meta.get_field("stored").get_db_prep_value(stored, connection)
        statement_id = Statement._meta.get_field("id").get_db_prep_value(statement_id, connection)
    table = connection.ops.quote_name(Statement._meta.db_table)
    operator = "<" if descending else ">"
    sql = f"{table}.stored {operator}= %s AND ({table}.stored, {table}.id) {operator} (%s, %s)"  # noqa: S608
    return models.Q(RawSQL(sql, (stored, stored, statement_id), output_field=models.BooleanField()))  # noqa: S611
