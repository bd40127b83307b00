"""Parsing and checking LRS query parameters: every malformed value is a 400 with a reason, never a 5xx."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from insights.xapi.agents import agent_key
from insights.xapi.validation import StatementValidationError, validate_statement

from .http import bad_request

_PROBE_VERB = {"id": "http://adlnet.gov/expapi/verbs/experienced"}
_PROBE_OBJECT = {"id": "http://example.com/guild-probe"}
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]+))?)?"
    r"([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]*")


def require(params: dict[str, str], name: str) -> str:
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(f"the {name!r} parameter is required")
    return value


def reject_unknown(params: dict[str, str], allowed: frozenset[str] | set[str]) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise bad_request(f"unknown parameter(s): {', '.join(unknown)}")


def parse_iri(value: str, name: str) -> str:
    if not _IRI.fullmatch(value):
        raise bad_request(f"{name}: {value[:200]!r} is not an IRI")
    return value


def parse_uuid(value: str, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise bad_request(f"{name}: {value[:100]!r} is not a UUID") from None


def parse_bool(value: str, name: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0", ""):
        return False
    raise bad_request(f"{name}: expected true or false, got {value[:50]!r}")


def parse_limit(value: str | None, maximum: int) -> int:
    if value is None or value == "":
        return maximum
    if not value.isdigit():
        raise bad_request(f"limit: expected a non-negative integer, got {value[:50]!r}")
    number = int(value)
    return maximum if number == 0 else min(number, maximum)


def parse_timestamp(value: str, name: str) -> datetime:
    """An ISO 8601 date-time; no offset is read as UTC (as most LRSs do)."""
    match = _TIMESTAMP.fullmatch(value.strip())
    if not match:
        raise bad_request(f"{name}: {value[:100]!r} is not an ISO 8601 timestamp")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=UTC,
        )
    except ValueError:
        raise bad_request(f"{name}: {value[:100]!r} is not a valid date-time") from None
    if offset and offset not in ("Z", "z"):
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            raise bad_request(f"{name}: {value[:100]!r} has an invalid offset")
        from datetime import timedelta

        try:
            moment -= sign * timedelta(hours=hours, minutes=minutes)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before datetime.min in UTC
            raise bad_request(f"{name}: {value[:100]!r} is out of range") from None
    return moment


def parse_agent(value: str, name: str = "agent", *, allow_group: bool = True) -> tuple[dict[str, Any], str]:
    """A JSON Agent (or identified Group) parameter, checked with the statement validator; returns (agent, key)."""
    try:
        agent = json.loads(value)
    except ValueError:
        raise bad_request(f"{name}: not valid JSON") from None
    if not isinstance(agent, dict):
        raise bad_request(f"{name}: must be a JSON object (an Agent)")
    if not allow_group and agent.get("objectType", "Agent") != "Agent":
        raise bad_request(f"{name}: must be an Agent")
    try:
        validate_statement({"actor": agent, "verb": _PROBE_VERB, "object": _PROBE_OBJECT})
    except StatementValidationError as error:
        raise bad_request(f"{name}: {error.reason.removeprefix('actor').lstrip(':. ')}") from None
    key = agent_key(agent)
    if not key:
        raise bad_request(f"{name}: needs exactly one identifier (mbox, mbox_sha1sum, openid or account)")
    return agent, key
