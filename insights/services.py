"""Writes to the Statement store. `statement_record` is the one way Guild's own actions become statements."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from . import after_commit
from .models import Statement
from .xapi.activities import ActivityRef, StatementContext, StatementResult, parse_activity_iri
from .xapi.agents import agent_key
from .xapi.statements import build_statement, format_timestamp
from .xapi.validation import validate_statement
from .xapi.vocabulary import Verb, site_root

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


def guild_authority() -> dict[str, Any]:
    """The authority on statements Guild itself produces."""
    return {"objectType": "Agent", "account": {"homePage": site_root(), "name": "guild"}}


def _guild_activity_iris(data: dict[str, Any], prefix: str) -> list[str]:
    """The statement's activity ids (its object, then its context activities) that start with `prefix`.

    Most statements name no Guild activity: a prefix test per id, with no list of every id built, is all
    they cost (this runs for every statement the LRS ingests).
    """
    found = []
    obj = data["object"]
    if obj.get("objectType", "Activity") == "Activity":
        iri = obj.get("id", "")
        if iri.__class__ is str and iri.startswith(prefix):
            found.append(iri)
    context_activities = (data.get("context") or {}).get("contextActivities")
    if context_activities:
        for activities in context_activities.values():
            for activity in activities if activities.__class__ is list else (activities,):
                iri = activity.get("id", "")
                if iri.__class__ is str and iri.startswith(prefix):
                    found.append(iri)
    return found


def statement_columns(data: dict[str, Any]) -> dict[str, Any]:
    """The indexed columns for a statement; course and lesson come from any Guild IRI it mentions."""
    course_iri = lesson_iri = ""
    # Only Guild's own IRIs can name a course or lesson.
    for iri in _guild_activity_iris(data, site_root() + "/xapi/activities/"):
        parsed = parse_activity_iri(iri)
        if parsed and parsed[0] == "course" and not course_iri:
            course_iri = iri
        elif parsed and parsed[0] == "lesson" and not lesson_iri:
            lesson_iri = iri
    obj = data["object"]
    object_type = obj.get("objectType", "Activity")
    object_id = agent_key(obj) if object_type in ("Agent", "Group") else obj.get("id", "")
    return {
        "verb": data["verb"]["id"],
        "actor_key": agent_key(data["actor"]),
        "object_id": object_id,
        "object_type": object_type,
        "registration": (data.get("context") or {}).get("registration"),
        "course_iri": course_iri,
        "lesson_iri": lesson_iri,
    }


def statement_record(
    *,
    actor: User,
    verb: Verb,
    object: ActivityRef | User,  # noqa: A002  (the xAPI property's name)
    result: StatementResult | None = None,
    context: StatementContext | None = None,
    timestamp: datetime | None = None,
) -> Statement:
    """Build, validate and store the statement for an action, in the caller's transaction.

    Call it inside the service's `transaction.atomic()`: if the action fails afterwards, the
    statement rolls back with it. The id is deterministic, so recording the same action at the
    same moment twice stores one row (INSERT … ON CONFLICT DO NOTHING, one query).
    Raises `StatementValidationError` if a bug built an invalid statement; nothing is stored then.
    """
    now = timezone.now()
    data = build_statement(
        actor=actor, verb=verb, object=object, result=result, context=context, timestamp=timestamp or now
    )
    validate_statement(data)
    data["stored"] = format_timestamp(now)
    data["authority"] = guild_authority()
    data["version"] = "1.0.0"
    from .lrs.statements import index_statements, insert_statements, statement_row  # imports this module

    columns = statement_columns(data)
    statement = Statement(
        id=uuid.UUID(data["id"]), actor_user=actor, timestamp=timestamp or now, stored=now, data=data, **columns
    )
    if not transaction.get_connection().in_atomic_block:
        logger.warning("statement_record called outside a transaction: %s", data["verb"]["id"])
    # The LRS's raw insert (INSERT … ON CONFLICT DO NOTHING) costs a third of bulk_create's ORM path,
    # and this runs on every action a person takes. Then the LRS filter index (related_activities /
    # related_agents / StatementRef); a replay adds duplicate index rows at worst, which filters tolerate.
    insert_statements(
        [
            statement_row(
                statement_id=statement.id,
                data=data,
                columns=columns,
                timestamp=statement.timestamp,
                stored=now,
                actor_user_id=actor.pk,
            )
        ]
    )
    index_statements([statement])
    after_commit.schedule()  # aggregates, expert scores and forwarding catch up once per committed transaction
    return statement


def publication_record(*, page, user: User, revision=None) -> Statement:
    """`published` for a course or lesson, with its full definition and the revision in context."""
    from courses.models import CoursePage

    from .xapi import vocabulary as xapi

    parent: list[ActivityRef] = []
    if not isinstance(page, CoursePage):
        course = CoursePage.objects.parent_of(page).first()
        parent = [course.xapi_activity()] if course else []
    return statement_record(
        actor=user,
        verb=xapi.PUBLISHED,
        object=page.xapi_activity(),
        context=StatementContext(parent=parent, revision=str(revision.pk) if revision else None),
    )
