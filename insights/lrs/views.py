"""The LRS resources under /xapi/: one view per resource, all through `_serve` (version, auth, CORS, errors).

CSRF is off (clients authenticate with HTTP Basic on every request) and session authentication is
never consulted, so a browser tab logged into Guild cannot be used to write statements.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from insights.models import DocumentKind
from insights.xapi.activities import parse_activity_iri
from insights.xapi.statements import format_timestamp

from . import documents, multipart
from .auth import Client, authenticate
from .http import (
    SUPPORTED_VERSIONS,
    LRSError,
    LRSRequest,
    bad_request,
    decorate,
    encode_json,
    error_response,
    http_date,
    json_response,
    negotiate_version,
    parse_request,
)
from .params import (
    parse_agent,
    parse_bool,
    parse_iri,
    parse_limit,
    parse_timestamp,
    parse_uuid,
    reject_unknown,
    require,
)
from .statements import (
    Filters,
    Parts,
    attachments_for,
    formatted,
    max_page_size,
    merged_definition,
    statement_get,
    statements_query,
    statements_store,
)

Handler = Callable[[LRSRequest, Client | None], HttpResponse]
_READ_METHODS = ("GET", "HEAD")


def _serve(request: HttpRequest, handlers: dict[str, Handler], *, public: bool = False) -> HttpResponse:
    version = SUPPORTED_VERSIONS[0]
    if request.method == "OPTIONS":  # CORS preflight: no credentials, no version header
        return decorate(HttpResponse(status=200), request, version)
    try:
        lrs_request = parse_request(request)
        negotiate_version(lrs_request, required=not public)
        version = lrs_request.version
        method = lrs_request.method
        handler = handlers.get("GET" if method == "HEAD" else method)
        if handler is None:
            allowed = ", ".join(sorted({*handlers, "HEAD"} if "GET" in handlers else handlers))
            raise LRSError(405, f"{method} is not allowed here", {"Allow": allowed})
        client = None
        if not public:
            client = authenticate(lrs_request.header("authorization"))
            if client is None:
                raise LRSError(401, "HTTP Basic credentials are required", {"WWW-Authenticate": 'Basic realm="xAPI"'})
            if method in _READ_METHODS and not client.can_read:
                raise LRSError(403, "this credential may not read")
            if method not in _READ_METHODS and not client.can_write:
                raise LRSError(403, "this credential may not write")
        response = handler(lrs_request, client)
        if method == "HEAD":
            response.content = b""
    except LRSError as error:
        response = error_response(error)
    return decorate(response, request, version)


def _no_content(headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(status=204)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# --- statements -----------------------------------------------------------------------------------------

_STATEMENT_QUERY_PARAMS = frozenset(
    (
        "agent",
        "verb",
        "activity",
        "registration",
        "related_activities",
        "related_agents",
        "since",
        "until",
        "limit",
        "format",
        "attachments",
        "ascending",
    )
)
_SINGLE_PARAMS = frozenset(("statementId", "voidedStatementId", "format", "attachments"))


def _statement_body(lrs_request: LRSRequest) -> tuple[Any, Parts]:
    content_type = lrs_request.content_type
    if content_type == "application/json":
        body, parts = lrs_request.json_body(), Parts()
    elif content_type == "multipart/mixed":
        body, attachments = multipart.parse(lrs_request.body, lrs_request.header("content-type") or "")
        parts = Parts(by_hash=attachments)
    else:
        raise bad_request(f"statements must be sent as application/json or multipart/mixed, not {content_type!r}")
    # A NUL can only arrive as the JSON escape \u0000 (raw control characters are not JSON): look for one
    # only when the body has that text, which is rare.
    if b"\\u0000" in lrs_request.body and _has_nul(body):
        raise bad_request("the statements contain a NUL character (\\u0000), which this LRS cannot store")
    return body, parts


def _has_nul(value: Any) -> bool:
    """Whether a NUL is in any string (key or value) of a decoded JSON document: PostgreSQL's text and
    jsonb cannot hold one, so storing it would fail inside the database (a 500), not as a 400."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in key or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _statements_put(lrs_request: LRSRequest, client: Client | None) -> HttpResponse:
    assert client is not None  # noqa: S101  (guaranteed by _serve)
    reject_unknown(lrs_request.params, {"statementId"})
    statement_id = parse_uuid(require(lrs_request.params, "statementId"), "statementId")
    body, parts = _statement_body(lrs_request)
    if not isinstance(body, dict):
        raise bad_request("PUT takes one statement (a JSON object)")
    if "id" in body:
        try:
            same = uuid.UUID(str(body["id"])) == statement_id
        except ValueError:
            same = False
        if not same:
            raise bad_request("the statement's id does not match the statementId parameter")
    else:
        body = {**body, "id": str(statement_id)}
    statements_store(statements=[body], authority=client.authority(), version=lrs_request.version, parts=parts)
    return _no_content()


def _statements_post(lrs_request: LRSRequest, client: Client | None) -> HttpResponse:
    assert client is not None  # noqa: S101
    if lrs_request.params:
        raise bad_request(f"unexpected parameter(s) on POST: {', '.join(sorted(lrs_request.params))}")
    body, parts = _statement_body(lrs_request)
    statements = body if isinstance(body, list) else [body]
    ids = statements_store(
        statements=statements, authority=client.authority(), version=lrs_request.version, parts=parts
    )
    return json_response(ids)


def _statements_payload_response(
    payload: Any, statements: list[dict[str, Any]], attachments: bool, last_modified: Any
) -> HttpResponse:
    headers = {"Last-Modified": http_date(last_modified)} if last_modified else {}
    if not attachments:
        return json_response(payload, headers=headers)
    body, content_type = multipart.build(payload, attachments_for(statements))
    response = HttpResponse(body, content_type=content_type)
    for name, value in headers.items():
        response[name] = value
    return response


def _statements_get(lrs_request: LRSRequest, client: Client | None) -> HttpResponse:
    params = lrs_request.params
    fmt = params.get("format", "exact")
    if fmt not in ("exact", "ids", "canonical"):
        raise bad_request("format must be ids, exact or canonical")
    attachments = parse_bool(params.get("attachments", "false"), "attachments")
    language = lrs_request.header("accept-language")
    if "statementId" in params or "voidedStatementId" in params:
        reject_unknown(params, _SINGLE_PARAMS)
        if "statementId" in params and "voidedStatementId" in params:
            raise bad_request("give statementId or voidedStatementId, not both")
        voided = "voidedStatementId" in params
        name = "voidedStatementId" if voided else "statementId"
        statement = statement_get(parse_uuid(params[name], name), voided=voided)
        if statement is None:
            raise LRSError(404, "no such statement" + (" (voided statements only by voidedStatementId)" * (not voided)))
        data = formatted([statement.data], fmt, language)[0]
        return _statements_payload_response(data, [statement.data], attachments, statement.stored)
    if "more" in params:
        reject_unknown(params, {"more"})
        filters, cursor, pinned = Filters.from_token(params["more"])
        page = statements_query(filters, cursor=cursor, pinned=pinned)
    else:
        reject_unknown(params, _STATEMENT_QUERY_PARAMS)
        filters = Filters(
            agent=parse_agent(params["agent"])[1] if "agent" in params else None,
            verb=parse_iri(params["verb"], "verb") if "verb" in params else None,
            activity=parse_iri(params["activity"], "activity") if "activity" in params else None,
            registration=str(parse_uuid(params["registration"], "registration")) if "registration" in params else None,
            related_activities=parse_bool(params.get("related_activities", "false"), "related_activities"),
            related_agents=parse_bool(params.get("related_agents", "false"), "related_agents"),
            since=parse_timestamp(params["since"], "since") if "since" in params else None,
            until=parse_timestamp(params["until"], "until") if "until" in params else None,
            limit=parse_limit(params.get("limit"), max_page_size()),
            ascending=parse_bool(params.get("ascending", "false"), "ascending"),
            format=fmt,
            attachments=attachments,
        )
        page = statements_query(filters)
    more = ""
    if page.more_token:
        more = f"{reverse('insights:lrs-statements')}?more={page.more_token}"
    if filters.format == "exact" and not filters.attachments:
        # The statements' stored JSON spliced into the result as is: no decode and re-encode per statement.
        body = b'{"statements":[' + ",".join(page.texts).encode() + b'],"more":' + encode_json(more) + b"}"
        response = HttpResponse(body, content_type="application/json")
        if page.last_stored:
            response["Last-Modified"] = http_date(page.last_stored)
        return response
    payload = {"statements": formatted(page.statements, filters.format, language), "more": more}
    return _statements_payload_response(payload, page.statements, filters.attachments, page.last_stored)


@csrf_exempt
def statements(request: HttpRequest) -> HttpResponse:
    return _serve(request, {"GET": _statements_get, "PUT": _statements_put, "POST": _statements_post})


# --- documents ------------------------------------------------------------------------------------------


def _document_response(document: Any) -> HttpResponse:
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["ETag"] = f'"{document.etag}"'
    response["Last-Modified"] = http_date(document.updated)
    return response


def _document_handlers(kind: int, id_param: str, key_params: tuple[str, ...], optional: tuple[str, ...] = ()):
    """GET/PUT/POST/DELETE for one document resource; `key_params` identify the set, `id_param` the document."""
    allowed = frozenset((*key_params, *optional, id_param, "since"))

    def key_for(params: dict[str, str]) -> documents.DocumentKey:
        reject_unknown(params, allowed)
        activity_id = parse_iri(require(params, "activityId"), "activityId") if "activityId" in key_params else ""
        agent_key = parse_agent(require(params, "agent"), allow_group=False)[1] if "agent" in key_params else ""
        registration = str(parse_uuid(params["registration"], "registration")) if params.get("registration") else ""
        return documents.DocumentKey(kind=kind, activity_id=activity_id, agent_key=agent_key, registration=registration)

    def get(lrs_request: LRSRequest, client: Client | None) -> HttpResponse:
        params = lrs_request.params
        key = key_for(params)
        if id_param in params:
            if "since" in params:
                raise bad_request(f"'since' lists documents; it cannot be combined with {id_param!r}")
            document = documents.document_get(key, params[id_param])
            if document is None:
                raise LRSError(404, "no such document")
            return _document_response(document)
        since = parse_timestamp(params["since"], "since") if "since" in params else None
        return json_response(documents.document_ids(key, since))

    def write(merge: bool) -> Handler:
        def handler(lrs_request: LRSRequest, client: Client | None) -> HttpResponse:
            params = lrs_request.params
            key = key_for(params)
            if "since" in params:
                raise bad_request("'since' is only for GET")
            document = documents.document_write(
                key=key,
                document_id=require(params, id_param),
                content=lrs_request.body,
                content_type=lrs_request.header("content-type") or "application/octet-stream",
                merge=merge,
                if_match=lrs_request.header("if-match"),
                if_none_match=lrs_request.header("if-none-match"),
            )
            return _no_content({"ETag": f'"{document.etag}"'})

        return handler

    def delete(lrs_request: LRSRequest, client: Client | None) -> HttpResponse:
        params = lrs_request.params
        key = key_for(params)
        if "since" in params:
            raise bad_request("'since' is only for GET")
        document_id = params.get(id_param)
        if document_id is None and kind != DocumentKind.STATE:
            raise bad_request(f"the {id_param!r} parameter is required")
        documents.document_delete(
            key=key,
            document_id=document_id,
            if_match=lrs_request.header("if-match"),
            if_none_match=lrs_request.header("if-none-match"),
        )
        return _no_content()

    return {"GET": get, "PUT": write(False), "POST": write(True), "DELETE": delete}


_STATE = _document_handlers(DocumentKind.STATE, "stateId", ("activityId", "agent"), ("registration",))
_ACTIVITY_PROFILE = _document_handlers(DocumentKind.ACTIVITY_PROFILE, "profileId", ("activityId",))
_AGENT_PROFILE = _document_handlers(DocumentKind.AGENT_PROFILE, "profileId", ("agent",))


@csrf_exempt
def state(request: HttpRequest) -> HttpResponse:
    return _serve(request, _STATE)


@csrf_exempt
def activity_profile(request: HttpRequest) -> HttpResponse:
    return _serve(request, _ACTIVITY_PROFILE)


@csrf_exempt
def agent_profile(request: HttpRequest) -> HttpResponse:
    return _serve(request, _AGENT_PROFILE)


# --- activities, agents, about ----------------------------------------------------------------------------


def _activities_get(lrs_request: LRSRequest, client: Client | None) -> HttpResponse:
    reject_unknown(lrs_request.params, {"activityId"})
    activity_id = parse_iri(require(lrs_request.params, "activityId"), "activityId")
    definition = merged_definition(activity_id)
    parsed = parse_activity_iri(activity_id)
    if parsed is not None:  # Guild's own activities: the live page's definition is the trusted one
        from insights.views import activity_payload

        found = activity_payload(*parsed)
        if found is not None:
            definition.update(found[1]["definition"])
    payload: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if definition:
        payload["definition"] = definition
    return json_response(payload)


def _agents_get(lrs_request: LRSRequest, client: Client | None) -> HttpResponse:
    reject_unknown(lrs_request.params, {"agent"})
    agent, _ = parse_agent(require(lrs_request.params, "agent"), allow_group=False)
    person: dict[str, Any] = {"objectType": "Person"}
    if isinstance(agent.get("name"), str):
        person["name"] = [agent["name"]]
    for ifi in ("mbox", "mbox_sha1sum", "openid", "account"):
        if ifi in agent:
            person[ifi] = [agent[ifi]]
    return json_response(person)


def _about_get(lrs_request: LRSRequest, client: Client | None) -> HttpResponse:
    if lrs_request.params:
        raise bad_request("about takes no parameters")
    return json_response({"version": list(SUPPORTED_VERSIONS), "extensions": {}})


@csrf_exempt
def activities(request: HttpRequest) -> HttpResponse:
    return _serve(request, {"GET": _activities_get})


@csrf_exempt
def agents(request: HttpRequest) -> HttpResponse:
    return _serve(request, {"GET": _agents_get})


@csrf_exempt
def about(request: HttpRequest) -> HttpResponse:
    return _serve(request, {"GET": _about_get}, public=True)


def consistent_through() -> str:
    return format_timestamp(timezone.now())


__all__ = ["about", "activities", "activity_profile", "agent_profile", "agents", "state", "statements", "json"]
