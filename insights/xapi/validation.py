"""Strict validation of statements against the xAPI 1.0.3 Data rules, and IEEE 9274.1.1 (xAPI 2.0).

It runs on every statement Guild records and on every statement an external producer sends to the
embedded LRS, so it is plain Python over precompiled regular expressions (no schema walk per call)
and stops at the first problem. The reason names the offending path, e.g.
`object.definition.interactionType: 'foo' is not a valid interaction type`, so it can go straight
into a 400 body or a log line.

Where the spec leaves room, we follow the ADL LRS conformance test suite: empty language maps, an
empty contextActivities and an empty Activity Definition are rejected; version "1.0" (no patch) is
accepted; timestamps need a time and an offset, and the "unknown local offset" `-00`, `-0000` and
`-00:00` is rejected; mbox is
`mailto:` (lowercase scheme) plus an address whose case is free; a voiding verb needs a
StatementRef object, in a SubStatement as well. Language tags are checked for well-formedness
against the RFC 5646 grammar (not against the IANA registry). UUIDs may be any version or variant.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

__all__ = ["SIGNATURE_USAGE", "VOIDED", "StatementValidationError", "validate_statement"]


class StatementValidationError(ValueError):
    """A statement breaks the xAPI rules; `reason` says which, for a 400 body or a log line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"

_STATEMENT_KEYS = frozenset(
    ("id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version", "attachments")
)
_SUBSTATEMENT_KEYS = frozenset(
    ("objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments")
)
_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
_AGENT_KEYS = frozenset(("objectType", "name", *_IFIS))
_GROUP_KEYS = frozenset((*_AGENT_KEYS, "member"))
_ACCOUNT_KEYS = frozenset(("homePage", "name"))
_VERB_KEYS = frozenset(("id", "display"))
_ACTIVITY_KEYS = frozenset(("objectType", "id", "definition"))
_STATEMENT_REF_KEYS = frozenset(("objectType", "id"))
_INTERACTION_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
_DEFINITION_KEYS = frozenset(
    (
        "name",
        "description",
        "type",
        "moreInfo",
        "extensions",
        "interactionType",
        "correctResponsesPattern",
        *_INTERACTION_COMPONENT_LISTS,
    )
)
_INTERACTION_COMPONENT_KEYS = frozenset(("id", "description"))
_COMPONENTS_FOR_TYPE: dict[str, frozenset[str]] = {
    "true-false": frozenset(),
    "choice": frozenset(("choices",)),
    "fill-in": frozenset(),
    "long-fill-in": frozenset(),
    "matching": frozenset(("source", "target")),
    "performance": frozenset(("steps",)),
    "sequencing": frozenset(("choices",)),
    "likert": frozenset(("scale",)),
    "numeric": frozenset(),
    "other": frozenset(),
}
_RESULT_KEYS = frozenset(("score", "success", "completion", "response", "duration", "extensions"))
_SCORE_KEYS = frozenset(("scaled", "raw", "min", "max"))
_CONTEXT_KEYS = frozenset(
    ("registration", "instructor", "team", "contextActivities", "revision", "platform", "language", "statement")
    + ("extensions",)
)
_CONTEXT_KEYS_2 = _CONTEXT_KEYS | {"contextAgents", "contextGroups"}
_CONTEXT_ACTIVITIES_KEYS = frozenset(("parent", "grouping", "category", "other"))
_CONTEXT_AGENT_KEYS = frozenset(("objectType", "agent", "relevantTypes"))
_CONTEXT_GROUP_KEYS = frozenset(("objectType", "group", "relevantTypes"))
_ATTACHMENT_KEYS = frozenset(("usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"))
_OBJECT_TYPES = ("Activity", "Agent", "Group", "StatementRef", "SubStatement")

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# RFC 3987 in practice: a scheme, then no whitespace, controls or characters IRIs exclude, and only
# well-formed percent-escapes (checked separately, only when there is a '%': one character class is
# several times faster than an alternation per character).
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]+")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_MBOX = re.compile(
    r"mailto:[^\s@\"(),:;<>\[\\\]]+@[^\s@\"(),:;<>\[\\\].]+(?:\.[^\s@\"(),:;<>\[\\\].]+)+",
)
_SHA1 = re.compile(r"[0-9a-fA-F]{40}")
_SHA2 = re.compile(r"[0-9a-fA-F]{56}(?:[0-9a-fA-F]{8}(?:[0-9a-fA-F]{32}(?:[0-9a-fA-F]{32})?)?)?")
_MIME_NAME = r"[A-Za-z0-9!#$&^_.+\-]+"
_CONTENT_TYPE = re.compile(rf"{_MIME_NAME}/{_MIME_NAME}(?:\s*;\s*{_MIME_NAME}=(?:{_MIME_NAME}|\"[^\"]*\"))*\s*;?\s*")
# "1.0" alone is accepted too: the conformance suite (XAPI-00101) requires it.
_VERSION_1 = re.compile(r"1\.0(?:\.[0-9]+)?")
_VERSION_2 = re.compile(r"[12]\.0(?:\.[0-9]+)?")
# RFC 5646 well-formed language tags (section 2.1), including the grandfathered ones.
_LANGUAGE_TAG = re.compile(
    r"(?:(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})"  # language, extlang
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"  # variants
    r"(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*"  # extensions
    r"(?:-x(?:-[a-z0-9]{1,8})+)?"  # private use
    r"|x(?:-[a-z0-9]{1,8})+"
    r"|en-gb-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao|i-tay"
    r"|i-tsu|sgn-be-fr|sgn-be-nl|sgn-ch-de|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min"
    r"|zh-min-nan|zh-xiang)",
    re.ASCII | re.IGNORECASE,
)
# ISO 8601 date-time, extended or basic, with a time and an offset (the offset may be ±hh, ±hhmm or ±hh:mm).
_TIMESTAMP_EXTENDED = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2})(?::([0-9]{2})(?::([0-9]{2})(?:[.,][0-9]+)?)?)?"
    r"(Z|([+-])([0-9]{2})(?::?([0-9]{2}))?)"
)
_TIMESTAMP_BASIC = re.compile(
    r"([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})(?:([0-9]{2})(?:([0-9]{2})(?:[.,][0-9]+)?)?)?"
    r"(Z|([+-])([0-9]{2})(?:([0-9]{2}))?)"
)
# The form nearly every producer sends (UTC, extended format): `_timestamp` checks it with this and
# `datetime.fromisoformat` (C), and leaves everything else to the general patterns above.
_TIMESTAMP_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?Z")
_N = r"([0-9]+(?:[.,][0-9]+)?)"
_DURATION = re.compile(
    rf"P(?:{_N}W|(?=[0-9]|T[0-9])(?:{_N}Y)?(?:{_N}M)?(?:{_N}D)?(?:T(?=[0-9])(?:{_N}H)?(?:{_N}M)?(?:{_N}S)?)?)"
)


def validate_statement(data: Any, *, version: str = "1.0.3") -> None:
    """Raise `StatementValidationError` unless `data` is a valid statement under `version`.

    `version` is the spec to apply: "1.0.x" (the default) or "2.0.x" (IEEE 9274.1.1). Anything that
    is not a valid statement, including non-dict input, raises `StatementValidationError` and
    nothing else.
    """
    if version.startswith("2.0"):
        v2 = True
    elif version.startswith("1.0"):
        v2 = False
    else:
        raise ValueError(f"unsupported xAPI version {version!r}")
    try:
        if _fast_statement(data, v2):
            return
    except StatementValidationError:  # a shared check refused a value: the reference path says where
        pass
    try:
        _statement(data, "", v2=v2, sub=False)
    except RecursionError:  # pragma: no cover - structures are bounded; this is belt and braces
        raise StatementValidationError("statement: nested too deeply") from None


# --- helpers ------------------------------------------------------------------------------------


def _fail(path: str, message: str) -> None:
    raise StatementValidationError(f"{path or 'statement'}: {message}")


def _show(value: Any) -> str:
    """A short repr for reasons: enough to recognise the value, never a huge body echoed back."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001  (a hostile __repr__ must not escape as something else)
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _object(value: Any, path: str, allowed: frozenset[str], what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        _fail(path, f"must be {what} (a JSON object), not {_kind(value)}")
    if not allowed.issuperset(value):
        key = next(key for key in value if key not in allowed)
        _fail(_join(path, key), f"is not an allowed property of {what} (allowed: {', '.join(sorted(allowed))})")
    return value


def _join(path: str, key: Any) -> str:
    name = key if isinstance(key, str) else _show(key)
    return f"{path}.{name}" if path else name


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        _fail(path, f"must be a string, not {_kind(value)}")
    return value


def _boolean(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        _fail(path, f"must be a boolean, not {_kind(value)}")


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(path, f"must be a number, not {_kind(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        _fail(path, f"{_show(value)} is not a finite number")
    return value


def _array(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        _fail(path, f"must be an array, not {_kind(value)}")
    return value


def _uuid(value: Any, path: str) -> None:
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        _fail(path, f"{_show(value)} is not a UUID in standard string form")


# Valid IRIs and language tags seen recently. Statements repeat them (verbs, activity ids and types,
# "en"), and a set lookup is much cheaper than a regex; bounded so hostile input cannot grow it.
_KNOWN_LIMIT = 8192
_known_iris: set[str] = set()
_known_tags: set[str] = set()


def _remember(known: set[str], value: str) -> None:
    if len(known) >= _KNOWN_LIMIT:
        known.clear()
    known.add(value)


def _is_iri(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if value in _known_iris:
        return True
    if _IRI.fullmatch(value) is None or ("%" in value and _BAD_PERCENT.search(value) is not None):
        return False
    _remember(_known_iris, value)
    return True


def _is_language_tag(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if value in _known_tags:
        return True
    if _LANGUAGE_TAG.fullmatch(value) is None:
        return False
    _remember(_known_tags, value)
    return True


def _iri(value: Any, path: str, what: str = "IRI") -> None:
    if not _is_iri(value):
        _fail(path, f"{_show(value)} is not a valid absolute {what} (it needs a scheme, and no spaces)")


def _language_tag(value: Any, path: str) -> None:
    if not _is_language_tag(value):
        _fail(path, f"{_show(value)} is not a valid RFC 5646 language tag")


def _language_map(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        _fail(path, f"must be a language map (a JSON object), not {_kind(value)}")
    if not value:
        _fail(path, "a language map needs at least one entry")
    for tag, text in value.items():
        if not _is_language_tag(tag):
            _fail(f"{path}[{_show(tag)}]", f"{_show(tag)} is not a valid RFC 5646 language tag")
        if not isinstance(text, str):
            _fail(f"{path}[{_show(tag)}]", f"must be a string, not {_kind(text)}")


def _extensions(value: Any, path: str) -> None:
    """Keys are IRIs; values are any JSON, null included (the one place null is allowed)."""
    if not isinstance(value, dict):
        _fail(path, f"must be an extensions object, not {_kind(value)}")
    for key in value:
        if not _is_iri(key):
            _fail(f"{path}[{_show(key)}]", f"extension key {_show(key)} is not a valid absolute IRI")


def _timestamp(value: Any, path: str) -> None:
    if not isinstance(value, str):
        _fail(path, f"must be an ISO 8601 timestamp string, not {_kind(value)}")
    if _TIMESTAMP_UTC.fullmatch(value) is not None:
        try:  # a real date and time (month, day of month, hour ≤ 23, minute and second ≤ 59)
            datetime.fromisoformat(value)
            return
        except ValueError:  # not a real date-time, or year 0000 (which ISO 8601 allows): the long way
            pass
    _timestamp_general(value, path)


def _timestamp_general(value: str, path: str) -> None:
    match = _TIMESTAMP_EXTENDED.fullmatch(value) or _TIMESTAMP_BASIC.fullmatch(value)
    if match is None:
        _fail(path, f"{_show(value)} is not an ISO 8601 date-time with a time zone offset")
    year, month, day, hour, minute, second, zone, sign, zone_hours, zone_minutes = match.groups()
    month_number = int(month)
    if not (
        1 <= month_number <= 12
        and 1 <= int(day) <= _days_in_month(int(year), month_number)
        and int(hour) <= 23
        and int(minute or 0) <= 59
        and int(second or 0) <= 59
    ):
        _fail(path, f"{_show(value)} is not a real date and time")
    if zone != "Z":
        if int(zone_hours) > 23 or int(zone_minutes or 0) > 59:
            _fail(path, f"{_show(value)} has an invalid time zone offset")
        if sign == "-" and int(zone_hours) == 0 and int(zone_minutes or 0) == 0:
            _fail(path, f"{_show(value)} uses the negative zero offset (unknown local offset), which xAPI rejects")


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    leap = month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return _DAYS_IN_MONTH[month - 1] + leap


def _duration(value: Any, path: str) -> None:
    if not isinstance(value, str):
        _fail(path, f"must be an ISO 8601 duration string, not {_kind(value)}")
    match = _DURATION.fullmatch(value)
    if match is None:
        _fail(path, f"{_show(value)} is not an ISO 8601 duration (e.g. PT1H30M or PT4.5S)")
    seen_fraction = False
    for part in match.groups():
        if part is None:
            continue
        if seen_fraction:
            _fail(path, f"{_show(value)}: only the smallest component of a duration may have a fraction")
        seen_fraction = "." in part or "," in part


# --- agents and groups ----------------------------------------------------------------------------


def _ifis(value: dict[str, Any], path: str) -> int:
    """Check each IFI present; return how many there are."""
    count = 0
    if "mbox" in value:
        count += 1
        mbox = value["mbox"]
        if not isinstance(mbox, str) or not _MBOX.fullmatch(mbox):
            _fail(f"{path}.mbox", f"{_show(mbox)} is not 'mailto:' followed by an e-mail address")
    if "mbox_sha1sum" in value:
        count += 1
        digest = value["mbox_sha1sum"]
        if not isinstance(digest, str) or not _SHA1.fullmatch(digest):
            _fail(f"{path}.mbox_sha1sum", f"{_show(digest)} is not a SHA-1 hex digest (40 hex digits)")
    if "openid" in value:
        count += 1
        _iri(value["openid"], f"{path}.openid", "URI")
    if "account" in value:
        count += 1
        account = _object(value["account"], f"{path}.account", _ACCOUNT_KEYS, "an account")
        if "homePage" not in account:
            _fail(f"{path}.account", "an account needs 'homePage'")
        if "name" not in account:
            _fail(f"{path}.account", "an account needs 'name'")
        _iri(account["homePage"], f"{path}.account.homePage", "IRL")
        _string(account["name"], f"{path}.account.name")
    return count


def _agent(value: Any, path: str, *, object_type_required: bool = False) -> None:
    agent = _object(value, path, _AGENT_KEYS, "an Agent")
    if "objectType" in agent:
        if agent["objectType"] != "Agent":
            _fail(f"{path}.objectType", f"{_show(agent['objectType'])} must be 'Agent' here")
    elif object_type_required:
        _fail(path, "an Agent used as a statement's object needs objectType 'Agent'")
    if "name" in agent:
        _string(agent["name"], f"{path}.name")
    count = _ifis(agent, path)
    if count != 1:
        _fail(path, f"an Agent needs exactly one of mbox, mbox_sha1sum, openid, account (it has {count})")


def _group(value: Any, path: str, *, authority: bool = False) -> None:
    group = _object(value, path, _GROUP_KEYS, "a Group")
    if group.get("objectType") != "Group":
        _fail(f"{path}.objectType", "a Group needs objectType 'Group'")
    if "name" in group:
        _string(group["name"], f"{path}.name")
    count = _ifis(group, path)
    if count > 1:
        _fail(path, f"a Group has at most one of mbox, mbox_sha1sum, openid, account (it has {count})")
    members = group.get("member")
    if members is not None or "member" in group:
        members = _array(members, f"{path}.member")
        for index, member in enumerate(members):
            member_path = f"{path}.member[{index}]"
            if isinstance(member, dict) and member.get("objectType") == "Group":
                _fail(member_path, "a Group's members must be Agents, not Groups")
            _agent(member, member_path)
    if authority:
        if count:
            _fail(path, "a Group authority must be anonymous (no mbox, mbox_sha1sum, openid or account)")
        if members is None or len(members) != 2:
            _fail(f"{path}.member", "a Group authority (OAuth 3-legged) has exactly two Agents")
    elif count == 0 and not members:
        _fail(path, "an anonymous Group (no identifier) needs a non-empty 'member' array")


def _actor(value: Any, path: str, *, as_object: bool = False) -> None:
    """An Agent or a Group: objectType picks which (absent means Agent)."""
    if isinstance(value, dict) and value.get("objectType") == "Group":
        _group(value, path)
    else:
        _agent(value, path, object_type_required=as_object)


# --- verb, activity, object -----------------------------------------------------------------------


def _verb(value: Any, path: str) -> None:
    verb = _object(value, path, _VERB_KEYS, "a Verb")
    if "id" not in verb:
        _fail(path, "a Verb needs 'id'")
    _iri(verb["id"], f"{path}.id")
    if "display" in verb:
        _language_map(verb["display"], f"{path}.display")


def _interaction_components(value: Any, path: str) -> None:
    seen: set[str] = set()
    for index, component in enumerate(_array(value, path)):
        item_path = f"{path}[{index}]"
        component = _object(component, item_path, _INTERACTION_COMPONENT_KEYS, "an interaction component")
        if "id" not in component:
            _fail(item_path, "an interaction component needs 'id'")
        component_id = _string(component["id"], f"{item_path}.id")
        if component_id in seen:
            _fail(f"{item_path}.id", f"{_show(component_id)} is repeated; ids within a list must be distinct")
        seen.add(component_id)
        if "description" in component:
            _language_map(component["description"], f"{item_path}.description")


def _definition(value: Any, path: str) -> None:
    definition = _object(value, path, _DEFINITION_KEYS, "an Activity Definition")
    if not definition:
        # ADL's suite (Data 2.4.4.1.s2): a definition says at least one thing, so `{}` is a 400.
        _fail(
            path,
            "an Activity Definition needs at least one of name, description, type, moreInfo, "
            "interactionType or extensions (leave definition out instead)",
        )
    for key in ("name", "description"):
        if key in definition:
            _language_map(definition[key], f"{path}.{key}")
    if "type" in definition:
        _iri(definition["type"], f"{path}.type")
    if "moreInfo" in definition:
        _iri(definition["moreInfo"], f"{path}.moreInfo", "IRL")
    if "extensions" in definition:
        _extensions(definition["extensions"], f"{path}.extensions")
    interaction_type = definition.get("interactionType")
    if "interactionType" in definition:
        if not isinstance(interaction_type, str) or interaction_type not in _COMPONENTS_FOR_TYPE:
            _fail(f"{path}.interactionType", f"{_show(interaction_type)} is not a valid interaction type")
        allowed = _COMPONENTS_FOR_TYPE[interaction_type]
    else:
        allowed = frozenset()
        if "correctResponsesPattern" in definition:
            _fail(f"{path}.correctResponsesPattern", "is only allowed with an interactionType")
    if "correctResponsesPattern" in definition:
        patterns_path = f"{path}.correctResponsesPattern"
        for index, pattern in enumerate(_array(definition["correctResponsesPattern"], patterns_path)):
            _string(pattern, f"{patterns_path}[{index}]")
    for key in _INTERACTION_COMPONENT_LISTS:
        if key in definition:
            if key not in allowed:
                kind = f"interactionType {interaction_type!r}" if interaction_type else "no interactionType"
                _fail(f"{path}.{key}", f"is not allowed with {kind}")
            _interaction_components(definition[key], f"{path}.{key}")


def _activity(value: Any, path: str) -> None:
    if isinstance(value, dict) and value.get("objectType", "Activity") != "Activity":
        _fail(f"{path}.objectType", f"{_show(value['objectType'])} must be 'Activity' here")
    activity = _object(value, path, _ACTIVITY_KEYS, "an Activity")
    if "id" not in activity:
        _fail(path, "an Activity needs 'id'")
    _iri(activity["id"], f"{path}.id")
    if "definition" in activity:
        _definition(activity["definition"], f"{path}.definition")


def _statement_ref(value: Any, path: str) -> None:
    ref = _object(value, path, _STATEMENT_REF_KEYS, "a StatementRef")
    if ref.get("objectType") != "StatementRef":
        _fail(f"{path}.objectType", "a StatementRef needs objectType 'StatementRef'")
    if "id" not in ref:
        _fail(path, "a StatementRef needs 'id'")
    _uuid(ref["id"], f"{path}.id")


def _object_property(value: Any, path: str, *, v2: bool, sub: bool) -> str:
    """The statement's object; returns its objectType."""
    if not isinstance(value, dict):
        _fail(path, f"must be an object (Activity, Agent, Group, StatementRef or SubStatement), not {_kind(value)}")
    object_type = value.get("objectType", "Activity")
    if object_type == "Activity":
        _activity(value, path)
    elif object_type == "Agent":
        _agent(value, path, object_type_required=True)
    elif object_type == "Group":
        _group(value, path)
    elif object_type == "StatementRef":
        _statement_ref(value, path)
    elif object_type == "SubStatement":
        if sub:
            _fail(f"{path}.objectType", "a SubStatement cannot contain another SubStatement")
        _statement(value, path, v2=v2, sub=True)
    else:
        _fail(f"{path}.objectType", f"{_show(object_type)} is not one of {', '.join(_OBJECT_TYPES)}")
    return object_type


# --- result, context, attachments -----------------------------------------------------------------


def _result(value: Any, path: str) -> None:
    result = _object(value, path, _RESULT_KEYS, "a Result")
    if "score" in result:
        _score(result["score"], f"{path}.score")
    for key in ("success", "completion"):
        if key in result:
            _boolean(result[key], f"{path}.{key}")
    if "response" in result:
        _string(result["response"], f"{path}.response")
    if "duration" in result:
        _duration(result["duration"], f"{path}.duration")
    if "extensions" in result:
        _extensions(result["extensions"], f"{path}.extensions")


def _score(value: Any, path: str) -> None:
    score = _object(value, path, _SCORE_KEYS, "a Score")
    numbers = {key: _number(score[key], f"{path}.{key}") for key in ("scaled", "raw", "min", "max") if key in score}
    scaled = numbers.get("scaled")
    if scaled is not None and not -1 <= scaled <= 1:
        _fail(f"{path}.scaled", f"{_show(scaled)} is outside [-1, 1]")
    low, high, raw = numbers.get("min"), numbers.get("max"), numbers.get("raw")
    if low is not None and high is not None and not low < high:
        _fail(f"{path}.max", f"max {_show(high)} must be greater than min {_show(low)}")
    if raw is not None and low is not None and raw < low:
        _fail(f"{path}.raw", f"raw {_show(raw)} is below min {_show(low)}")
    if raw is not None and high is not None and raw > high:
        _fail(f"{path}.raw", f"raw {_show(raw)} is above max {_show(high)}")


def _context(value: Any, path: str, *, v2: bool, object_type: str) -> None:
    context = _object(value, path, _CONTEXT_KEYS_2 if v2 else _CONTEXT_KEYS, "a Context")
    if "registration" in context:
        _uuid(context["registration"], f"{path}.registration")
    if "instructor" in context:
        _actor(context["instructor"], f"{path}.instructor")
    if "team" in context:
        team = context["team"]
        if not isinstance(team, dict) or team.get("objectType") != "Group":
            _fail(f"{path}.team", "must be a Group (objectType 'Group')")
        _group(team, f"{path}.team")
    if "contextActivities" in context:
        _context_activities(context["contextActivities"], f"{path}.contextActivities", v2=v2)
    for key in ("revision", "platform"):
        if key in context:
            if object_type != "Activity":
                _fail(f"{path}.{key}", f"is only allowed when the object is an Activity (it is a {object_type})")
            _string(context[key], f"{path}.{key}")
    if "language" in context:
        _language_tag(context["language"], f"{path}.language")
    if "statement" in context:
        _statement_ref(context["statement"], f"{path}.statement")
    if "extensions" in context:
        _extensions(context["extensions"], f"{path}.extensions")
    if "contextAgents" in context:
        for index, item in enumerate(_array(context["contextAgents"], f"{path}.contextAgents")):
            _context_agent(item, f"{path}.contextAgents[{index}]", "contextAgent", "agent")
    if "contextGroups" in context:
        for index, item in enumerate(_array(context["contextGroups"], f"{path}.contextGroups")):
            _context_agent(item, f"{path}.contextGroups[{index}]", "contextGroup", "group")


def _context_activities(value: Any, path: str, *, v2: bool) -> None:
    activities = _object(value, path, _CONTEXT_ACTIVITIES_KEYS, "contextActivities")
    if not activities:
        _fail(path, "contextActivities needs at least one of parent, grouping, category, other")
    for key, items in activities.items():
        key_path = f"{path}.{key}"
        if isinstance(items, list):
            for index, item in enumerate(items):
                _activity(item, f"{key_path}[{index}]")
        elif v2:
            _fail(key_path, f"must be an array of Activities under xAPI 2.0, not {_kind(items)}")
        else:
            _activity(items, key_path)


def _context_agent(value: Any, path: str, object_type: str, member: str) -> None:
    """xAPI 2.0 contextAgents / contextGroups entries: who else took part, and in what role."""
    item = _object(value, path, _CONTEXT_AGENT_KEYS if member == "agent" else _CONTEXT_GROUP_KEYS, object_type)
    if item.get("objectType") != object_type:
        _fail(f"{path}.objectType", f"must be {object_type!r}")
    if member not in item:
        _fail(path, f"a {object_type} needs {member!r}")
    if member == "agent":
        _agent(item["agent"], f"{path}.agent")
    else:
        _group(item["group"], f"{path}.group")
    if "relevantTypes" in item:
        types = _array(item["relevantTypes"], f"{path}.relevantTypes")
        if not types:
            _fail(f"{path}.relevantTypes", "must not be empty when present")
        for index, iri in enumerate(types):
            _iri(iri, f"{path}.relevantTypes[{index}]")


def _attachment(value: Any, path: str) -> None:
    attachment = _object(value, path, _ATTACHMENT_KEYS, "an Attachment")
    for key in ("usageType", "display", "contentType", "length", "sha2"):
        if key not in attachment:
            _fail(path, f"an Attachment needs {key!r}")
    _iri(attachment["usageType"], f"{path}.usageType")
    _language_map(attachment["display"], f"{path}.display")
    if "description" in attachment:
        _language_map(attachment["description"], f"{path}.description")
    content_type = attachment["contentType"]
    if not isinstance(content_type, str) or not _CONTENT_TYPE.fullmatch(content_type):
        _fail(f"{path}.contentType", f"{_show(content_type)} is not an Internet Media Type")
    length = attachment["length"]
    if isinstance(length, bool) or not isinstance(length, int | float):
        _fail(f"{path}.length", f"must be an integer, not {_kind(length)}")
    if isinstance(length, float) and not (math.isfinite(length) and length.is_integer()):
        _fail(f"{path}.length", f"{_show(length)} is not an integer")
    if length < 0:
        _fail(f"{path}.length", f"{_show(length)} must not be negative")
    sha2 = attachment["sha2"]
    if not isinstance(sha2, str) or not _SHA2.fullmatch(sha2):
        _fail(f"{path}.sha2", f"{_show(sha2)} is not a SHA-2 hex digest")
    if "fileUrl" in attachment:
        _iri(attachment["fileUrl"], f"{path}.fileUrl", "IRL")
    if attachment["usageType"] == SIGNATURE_USAGE and content_type != "application/octet-stream":
        _fail(f"{path}.contentType", "a signature attachment must have contentType 'application/octet-stream'")


# --- the statement --------------------------------------------------------------------------------


def _statement(data: Any, path: str, *, v2: bool, sub: bool) -> None:
    if sub:
        statement = _object(data, path, _SUBSTATEMENT_KEYS, "a SubStatement")
    else:
        statement = _object(data, path, _STATEMENT_KEYS, "a Statement")
    for required in ("actor", "verb", "object"):
        if required not in statement:
            _fail(path, f"a {'SubStatement' if sub else 'Statement'} needs {required!r}")
    if not sub and "id" in statement:
        _uuid(statement["id"], _join(path, "id"))
    _actor(statement["actor"], _join(path, "actor"))
    _verb(statement["verb"], _join(path, "verb"))
    object_type = _object_property(statement["object"], _join(path, "object"), v2=v2, sub=sub)
    if statement["verb"]["id"] == VOIDED and object_type != "StatementRef":
        _fail(_join(path, "object"), "a voiding statement (verb 'voided') must have a StatementRef as its object")
    if "result" in statement:
        _result(statement["result"], _join(path, "result"))
    if "context" in statement:
        _context(statement["context"], _join(path, "context"), v2=v2, object_type=object_type)
    if "timestamp" in statement:
        _timestamp(statement["timestamp"], _join(path, "timestamp"))
    if "attachments" in statement:
        for index, attachment in enumerate(_array(statement["attachments"], _join(path, "attachments"))):
            _attachment(attachment, f"{_join(path, 'attachments')}[{index}]")
    if sub:
        return
    if "stored" in statement:
        _timestamp(statement["stored"], "stored")
    if "authority" in statement:
        authority = statement["authority"]
        if isinstance(authority, dict) and authority.get("objectType") == "Group":
            _group(authority, "authority", authority=True)
        else:
            _agent(authority, "authority")
    if "version" in statement:
        version = statement["version"]
        pattern = _VERSION_2 if v2 else _VERSION_1
        if not isinstance(version, str) or not pattern.fullmatch(version):
            allowed = "'1.0', '1.0.x', '2.0' or '2.0.x'" if v2 else "'1.0' or '1.0.x'"
            _fail("version", f"{_show(version)} is not a supported version ({allowed})")


# --- the fast path ----------------------------------------------------------------------------------
#
# Most statements have the same few shapes: an Agent actor, a verb, an Activity object, a plain result
# and context. `_fast_statement` checks exactly those shapes, with the same rules as above but without
# building a path string for every property it visits (the reference path's main cost), and answers
# True only when the statement is certainly valid. Anything else, valid or not (Groups, SubStatements,
# attachments, interactions, authority, a problem of any kind), returns False, and `_statement` then
# decides and words the reason. So the fast path can make validation faster but never change its
# outcome; tests/insights/test_validation_fast_path.py checks it against `_statement` on odd inputs.

_FAST_STATEMENT_KEYS = frozenset(("id", "actor", "verb", "object", "result", "context", "timestamp", "version"))
_FAST_DEFINITION_KEYS = frozenset(("name", "description", "type", "moreInfo", "extensions"))
_known_mboxes: set[str] = set()


def _fast_language_map(value: Any) -> bool:
    if value.__class__ is not dict or not value:
        return False
    for tag, text in value.items():
        if text.__class__ is not str or (tag not in _known_tags and not _is_language_tag(tag)):
            return False
    return True


def _fast_agent(agent: Any) -> bool:
    """An Agent (objectType absent or 'Agent') with exactly one IFI, mbox or account."""
    if agent.__class__ is not dict or not _AGENT_KEYS.issuperset(agent):
        return False
    if agent.get("objectType", "Agent") != "Agent" or ("name" in agent and agent["name"].__class__ is not str):
        return False
    if "mbox_sha1sum" in agent or "openid" in agent:
        return False
    if "mbox" in agent:
        if "account" in agent:
            return False
        mbox = agent["mbox"]
        if mbox.__class__ is not str:
            return False
        if mbox not in _known_mboxes:
            if _MBOX.fullmatch(mbox) is None:
                return False
            _remember(_known_mboxes, mbox)
        return True
    account = agent.get("account")
    if account.__class__ is not dict or len(account) != 2 or "homePage" not in account or "name" not in account:
        return False
    return account["name"].__class__ is str and _is_iri(account["homePage"])


def _fast_activity(activity: Any) -> bool:
    """An Activity whose definition, if any, has no interaction properties."""
    if activity.__class__ is not dict or not _ACTIVITY_KEYS.issuperset(activity):
        return False
    if activity.get("objectType", "Activity") != "Activity" or "id" not in activity:
        return False
    if not _is_iri(activity["id"]):
        return False
    if "definition" not in activity:
        return True
    definition = activity["definition"]
    if definition.__class__ is not dict or not definition or not _FAST_DEFINITION_KEYS.issuperset(definition):
        return False
    for key in ("name", "description"):
        if key in definition and not _fast_language_map(definition[key]):
            return False
    for key in ("type", "moreInfo"):
        if key in definition and not _is_iri(definition[key]):
            return False
    if "extensions" in definition:
        _extensions(definition["extensions"], "")
    return True


def _fast_uuid(value: Any) -> bool:
    return value.__class__ is str and _UUID.fullmatch(value) is not None


def _fast_number(value: Any) -> bool:
    return value.__class__ is int or (value.__class__ is float and math.isfinite(value))


def _fast_result(result: Any) -> bool:
    if result.__class__ is not dict or not _RESULT_KEYS.issuperset(result):
        return False
    if "score" in result:
        score = result["score"]
        if score.__class__ is not dict or not _SCORE_KEYS.issuperset(score):
            return False
        if not all(_fast_number(number) for number in score.values()):
            return False
        scaled, low, high, raw = score.get("scaled"), score.get("min"), score.get("max"), score.get("raw")
        if scaled is not None and not -1 <= scaled <= 1:
            return False
        if low is not None and high is not None and not low < high:
            return False
        if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
            return False
    for key in ("success", "completion"):
        if key in result and result[key] is not True and result[key] is not False:
            return False
    if "response" in result and result["response"].__class__ is not str:
        return False
    if "duration" in result:
        _duration(result["duration"], "")
    if "extensions" in result:
        _extensions(result["extensions"], "")
    return True


def _fast_context(context: Any, *, v2: bool, object_type: str) -> bool:
    if context.__class__ is not dict or not _CONTEXT_KEYS.issuperset(context):  # no 2.0 contextAgents/Groups
        return False
    if "registration" in context and not _fast_uuid(context["registration"]):
        return False
    if "instructor" in context and not _fast_agent(context["instructor"]):
        return False
    if "team" in context:
        return False
    if "contextActivities" in context:
        activities = context["contextActivities"]
        if activities.__class__ is not dict or not activities or not _CONTEXT_ACTIVITIES_KEYS.issuperset(activities):
            return False
        for items in activities.values():
            if items.__class__ is list:
                for item in items:
                    if not _fast_activity(item):
                        return False
            elif v2 or not _fast_activity(items):
                return False
    for key in ("revision", "platform"):
        if key in context and (object_type != "Activity" or context[key].__class__ is not str):
            return False
    if "language" in context and not _is_language_tag(context["language"]):
        return False
    if "statement" in context:
        ref = context["statement"]
        if ref.__class__ is not dict or len(ref) != 2 or ref.get("objectType") != "StatementRef":
            return False
        if not _fast_uuid(ref.get("id")):
            return False
    if "extensions" in context:
        _extensions(context["extensions"], "")
    return True


def _fast_statement(data: Any, v2: bool) -> bool:
    """True when `data` is a valid statement of a common shape; False means "ask `_statement`"."""
    if data.__class__ is not dict or not _FAST_STATEMENT_KEYS.issuperset(data):
        return False
    if "actor" not in data or "verb" not in data or "object" not in data:
        return False
    if "id" in data and not _fast_uuid(data["id"]):
        return False
    if not _fast_agent(data["actor"]):
        return False
    verb = data["verb"]
    if verb.__class__ is not dict or not _VERB_KEYS.issuperset(verb) or "id" not in verb:
        return False
    if not _is_iri(verb["id"]) or ("display" in verb and not _fast_language_map(verb["display"])):
        return False
    obj = data["object"]
    if obj.__class__ is not dict:
        return False
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        if not _fast_activity(obj):
            return False
    elif object_type == "StatementRef":
        if len(obj) != 2 or not _fast_uuid(obj.get("id")):
            return False
    elif object_type != "Agent" or not _fast_agent(obj):
        return False
    if verb["id"] == VOIDED and object_type != "StatementRef":
        return False
    if "result" in data and not _fast_result(data["result"]):
        return False
    if "context" in data and not _fast_context(data["context"], v2=v2, object_type=object_type):
        return False
    if "timestamp" in data:
        _timestamp(data["timestamp"], "")
    if "version" in data:
        version = data["version"]
        if version.__class__ is not str or (_VERSION_2 if v2 else _VERSION_1).fullmatch(version) is None:
            return False
    return True
