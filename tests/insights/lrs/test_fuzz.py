"""Property-based fuzzing: malformed statements, parameters, headers and bodies at every resource.

Properties: never a 5xx (the test client re-raises server exceptions, so a crash fails loudly), and a
rejected request (4xx) changes nothing that is stored.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.models import LRSDocument, Statement, StatementRelation

from .conftest import XAPIClient, make_statement

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
RESOURCES = (
    "statements",
    "activities",
    "activities/state",
    "activities/profile",
    "agents",
    "agents/profile",
    "about",
)
PARAMS = (
    "statementId",
    "voidedStatementId",
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
    "more",
    "activityId",
    "stateId",
    "profileId",
    "method",
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
interesting_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "null",
            "{}",
            "[]",
            '{"mbox":"mailto:a@b.c"}',
            '{"mbox":"mailto:a@b.c","account":{"homePage":"http://x","name":"n"}}',
            "00000000-0000-0000-0000-000000000000",
            "2026-13-45T25:61:61Z",
            "2026-01-01T00:00:00Z",
            "http://example.com/a",
            "true",
            "-1",
            "0",
            "99999999999999999999",
            "\x00",
            "%ZZ",
            "ids",
            "canonical",
        ]
    ),
)


def snapshot() -> tuple[Any, ...]:
    statements = sorted(
        (str(pk), json.dumps(data, sort_keys=True), voided)
        for pk, data, voided in Statement.objects.values_list("id", "data", "voided")
    )
    documents = sorted(LRSDocument.objects.values_list("key_digest", "etag"))
    digest = hashlib.sha256(repr((statements, documents)).encode()).hexdigest()
    return digest, StatementRelation.objects.count()


def _mutate(statement: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    out = json.loads(json.dumps(statement))
    node = out
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = value
    return out


statement_paths = st.sampled_from(
    [
        ["id"],
        ["actor"],
        ["actor", "mbox"],
        ["actor", "objectType"],
        ["actor", "member"],
        ["verb"],
        ["verb", "id"],
        ["verb", "display"],
        ["object"],
        ["object", "id"],
        ["object", "objectType"],
        ["object", "definition"],
        ["object", "definition", "interactionType"],
        ["result", "score", "scaled"],
        ["result", "duration"],
        ["context", "registration"],
        ["context", "contextActivities"],
        ["context", "statement"],
        ["timestamp"],
        ["stored"],
        ["authority"],
        ["version"],
        ["attachments"],
        ["unexpected"],
    ]
)


@pytest.fixture(autouse=True)
def _seed(xapi: XAPIClient):
    assert xapi.post("statements", [make_statement(), make_statement()]).status_code == 200


@FUZZ
@given(path=statement_paths, value=json_values, batch=st.booleans())
def test_malformed_statements(xapi: XAPIClient, path, value, batch):
    statement = _mutate(make_statement(), path, value)
    before = snapshot()
    response = xapi.post("statements", [make_statement(), statement] if batch else statement)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert snapshot() == before
    put = xapi.put("statements", statement, params={"statementId": "3f1c1b9e-2d4b-4f5a-9a7c-1e2d3c4b5a69"})
    assert put.status_code < 500


@FUZZ
@given(body=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_bodies(xapi: XAPIClient, body):
    before = snapshot()
    for content_type in ("application/json", "multipart/mixed; boundary=x", "text/plain"):
        response = xapi.post("statements", raw=body, content_type=content_type)
        assert response.status_code < 500
        if response.status_code >= 400:
            assert snapshot() == before


@FUZZ
@given(
    resource=st.sampled_from(RESOURCES),
    method=st.sampled_from(["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"]),
    params=st.dictionaries(st.sampled_from(PARAMS) | st.text(max_size=8), interesting_text, max_size=5),
    body=st.binary(max_size=60),
)
def test_params_at_every_resource(xapi: XAPIClient, resource, method, params, body):
    before = snapshot()
    url = f"/xapi/{resource}?{urlencode(params)}"
    response = xapi.client.generic(method, url, data=body, content_type="application/json", headers=xapi.headers())
    assert response.status_code < 500
    if response.status_code >= 400:
        assert snapshot() == before


@FUZZ
@given(
    resource=st.sampled_from(RESOURCES),
    version=interesting_text,
    authorization=interesting_text,
    content_type=interesting_text,
    if_match=interesting_text,
    accept_language=interesting_text,
)
def test_headers(xapi: XAPIClient, resource, version, authorization, content_type, if_match, accept_language):
    before = snapshot()
    params = {
        "activityId": "http://example.com/a",
        "agent": '{"mbox":"mailto:a@b.c"}',
        "stateId": "s",
        "profileId": "p",
    }
    for method in ("GET", "PUT", "POST"):
        for auth in (xapi.auth, authorization):
            headers = {
                "X-Experience-API-Version": version,
                "Authorization": auth,
                "If-Match": if_match,
                "Accept-Language": accept_language,
            }
            response = xapi.client.generic(
                method,
                f"/xapi/{resource}?{urlencode(params)}",
                data=b'{"a": 1}',
                content_type=content_type or "application/json",
                headers=headers,
            )
            assert response.status_code < 500
            if response.status_code >= 400:
                assert snapshot() == before
            before = snapshot()


@FUZZ
@given(
    form=st.dictionaries(st.sampled_from(PARAMS) | st.text(max_size=8), interesting_text, max_size=6),
    method=interesting_text,
)
def test_alternate_syntax(xapi: XAPIClient, form, method):
    before = snapshot()
    body = urlencode({**form, "Authorization": xapi.auth, "X-Experience-API-Version": "1.0.3"})
    response = xapi.client.post(
        f"/xapi/statements?{urlencode({'method': method})}", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code < 500
    if response.status_code >= 400:
        assert snapshot() == before
