"""Building Guild's statements with tincan, normalised to the profile in DESIGN.md §4.

tincan builds and type-checks the parts; we then drop `version` (the LRS sets it), write the
timestamp as UTC milliseconds with `Z`, and derive a deterministic id so a replay is a no-op.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import tincan
from django.conf import settings

from .activities import ActivityRef, StatementContext, StatementResult
from .vocabulary import Verb, profile_iri, site_root

if TYPE_CHECKING:
    from accounts.models import User

# Namespace for statement ids: uuid5(NAMESPACE_URL, "guild:statements").
STATEMENT_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "guild:statements")


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and `Z`, valid under xAPI 1.0.3 and 2.0."""
    if moment.tzinfo is None:
        raise ValueError("statement timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def format_duration(duration: timedelta) -> str:
    """ISO 8601 duration with at most 0.01 s precision, as xAPI asks."""
    hundredths = round(duration.total_seconds() * 100)
    hours, rest = divmod(hundredths, 360000)
    minutes, rest = divmod(rest, 6000)
    seconds = rest / 100
    text = f"{seconds:.2f}".rstrip("0").rstrip(".")
    return f"PT{hours}H{minutes}M{text}S" if hours else f"PT{minutes}M{text}S"


def actor_for_user(user: User) -> dict[str, Any]:
    """The pseudonymous account actor: no name, no e-mail (erasure = deleting the mapping)."""
    return {
        "objectType": "Agent",
        "account": {"homePage": settings.XAPI_ACCOUNT_HOMEPAGE, "name": str(user.public_id)},
    }


def _language_map(text: str) -> tincan.LanguageMap:
    return tincan.LanguageMap({settings.XAPI_LANGUAGE: text})


def _tincan_activity(ref: ActivityRef, *, full: bool) -> tincan.Activity:
    if not full:
        return tincan.Activity(id=ref.iri)
    definition = tincan.ActivityDefinition(type=ref.type_iri, name=_language_map(ref.name))
    if ref.description:
        definition.description = _language_map(ref.description)
    interaction = ref.interaction or {}
    if interaction:
        definition.interaction_type = interaction["interactionType"]
        definition.correct_responses_pattern = interaction.get("correctResponsesPattern", [])
        if "choices" in interaction:
            definition.choices = tincan.InteractionComponentList(
                [
                    tincan.InteractionComponent(id=choice["id"], description=_language_map(choice["description"]))
                    for choice in interaction["choices"]
                ]
            )
    return tincan.Activity(id=ref.iri, definition=definition)


def _tincan_result(result: StatementResult) -> tincan.Result:
    built = tincan.Result()
    if result.score_raw is not None or result.score_scaled is not None:
        built.score = tincan.Score(
            raw=result.score_raw, min=result.score_min, max=result.score_max, scaled=result.score_scaled
        )
    if result.success is not None:
        built.success = result.success
    if result.completion is not None:
        built.completion = result.completion
    if result.response is not None:
        built.response = result.response
    if result.extensions:
        built.extensions = tincan.Extensions({ext.iri: value for ext, value in result.extensions.items()})
    return built


@lru_cache(maxsize=8192)
def _activity_json(ref: ActivityRef, root: str) -> str:
    """An activity's full JSON, built by tincan once per distinct ref and site root (refs are values)."""
    return json.dumps(_tincan_activity(ref, full=True).as_version("1.0.3"))


@lru_cache(maxsize=256)
def _verb_json(verb: Verb, language: str, root: str) -> str:
    return json.dumps(
        tincan.Verb(id=verb.iri, display=tincan.LanguageMap({language: verb.display})).as_version("1.0.3")
    )


@lru_cache(maxsize=1)
def _category_json(profile: str) -> str:
    return json.dumps([tincan.Activity(id=profile).as_version("1.0.3")])


def _activity(ref: ActivityRef) -> dict[str, Any]:
    return json.loads(_activity_json(ref, site_root()))


def build_statement(
    *,
    actor: User,
    verb: Verb,
    object: ActivityRef | User,  # noqa: A002  (the xAPI property's name)
    result: StatementResult | None = None,
    context: StatementContext | None = None,
    timestamp: datetime,
) -> dict[str, Any]:
    """A complete statement as a dict, ready for validation and storage.

    tincan builds every part; the immutable parts (activities, verbs) are built once and cached
    as JSON, because building them is most of the cost of recording an action.
    """
    context = context or StatementContext()
    object_is_activity = isinstance(object, ActivityRef)
    built_context: dict[str, Any] = {}
    if context.registration:
        built_context["registration"] = str(context.registration)
    context_activities: dict[str, Any] = {"category": json.loads(_category_json(profile_iri()))}
    if context.parent:
        context_activities["parent"] = [_activity(ref) for ref in context.parent]
    if context.grouping:
        context_activities["grouping"] = [_activity(ref) for ref in context.grouping]
    built_context["contextActivities"] = context_activities
    if object_is_activity:
        # platform, language and revision are only allowed when the object is an Activity.
        built_context["platform"] = settings.XAPI_PLATFORM
        built_context["language"] = settings.XAPI_LANGUAGE
        if context.revision:
            built_context["revision"] = context.revision
    if context.extensions:
        built_context["extensions"] = tincan.Extensions(
            {ext.iri: value for ext, value in context.extensions.items()}
        ).as_version("1.0.3")

    data: dict[str, Any] = {
        "actor": actor_for_user(actor),
        "verb": json.loads(_verb_json(verb, settings.XAPI_LANGUAGE, site_root())),
        "object": _activity(object) if object_is_activity else actor_for_user(object),
        "context": built_context,
        "timestamp": format_timestamp(timestamp),
    }
    if result is not None:
        data["result"] = _tincan_result(result).as_version("1.0.3")
        if result.duration is not None:
            data["result"]["duration"] = format_duration(result.duration)
    data["id"] = str(statement_id_for(data))
    return data


def statement_id_for(data: dict[str, Any]) -> uuid.UUID:
    """UUIDv5 over (verb, actor, object, timestamp): the same action at the same moment is the same statement."""
    account = data["actor"].get("account", {})
    actor_key = f"{account.get('homePage')}|{account.get('name')}"
    obj = data["object"]
    object_key = obj.get("id") or "|".join(f"{k}={v}" for k, v in sorted((obj.get("account") or {}).items()))
    return uuid.uuid5(STATEMENT_ID_NAMESPACE, f"{data['verb']['id']}\n{actor_key}\n{object_key}\n{data['timestamp']}")
