"""The Statement store: Guild's one event log (DESIGN.md §2, rule 3)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


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
        indexes = [
            models.Index(fields=["stored", "id"], name="stmt_stored_id"),
            models.Index(fields=["verb", "stored"], name="stmt_verb_stored"),
            models.Index(fields=["actor_key", "stored"], name="stmt_actor_stored"),
            models.Index(fields=["actor_user", "stored"], name="stmt_user_stored"),
            models.Index(fields=["object_id", "stored"], name="stmt_object_stored"),
            models.Index(fields=["registration"], name="stmt_registration"),
            models.Index(fields=["course_iri", "stored"], name="stmt_course_stored"),
            models.Index(fields=["lesson_iri", "stored"], name="stmt_lesson_stored"),
            models.Index(fields=["timestamp"], name="stmt_timestamp"),
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


def new_statement_id() -> uuid.UUID:
    return uuid.uuid4()
