"""State, Activity Profile, Agent Profile: single/multiple GET, PUT, POST merge, DELETE, ETag rules."""

from __future__ import annotations

import json

import pytest

from .conftest import XAPIClient

pytestmark = pytest.mark.django_db
ACTIVITY = "http://example.com/activities/doc"
AGENT = {"objectType": "Agent", "mbox": "mailto:ada@example.com"}
REGISTRATION = "0b9a6b1e-4a6f-4a3c-9c7e-8a1d2f3e4b5c"


def state_params(**extra):
    return {"activityId": ACTIVITY, "agent": AGENT, **extra}


def test_state_put_get_etag_and_registration(xapi: XAPIClient):
    response = xapi.put("activities/state", {"a": 1}, params=state_params(stateId="s1"))
    assert response.status_code == 204
    etag = response["ETag"]
    got = xapi.get("activities/state", params=state_params(stateId="s1"))
    assert got.status_code == 200
    assert got.json() == {"a": 1}
    assert got["ETag"] == etag
    assert "Last-Modified" in got
    xapi.put("activities/state", {"r": 1}, params=state_params(stateId="s1", registration=REGISTRATION))
    assert xapi.get("activities/state", params=state_params(stateId="s1")).json() == {"a": 1}
    assert xapi.get("activities/state", params=state_params()).json() == ["s1"]
    assert xapi.get("activities/state", params=state_params(registration=REGISTRATION)).json() == ["s1"]
    assert xapi.get("activities/state", params=state_params(stateId="missing")).status_code == 404


def test_state_post_merges_json_and_rejects_non_json(xapi: XAPIClient):
    xapi.post("activities/state", {"a": 1, "b": 1}, params=state_params(stateId="m"))
    assert xapi.post("activities/state", {"b": 2, "c": 3}, params=state_params(stateId="m")).status_code == 204
    assert xapi.get("activities/state", params=state_params(stateId="m")).json() == {"a": 1, "b": 2, "c": 3}
    response = xapi.post("activities/state", raw=b"plain", content_type="text/plain", params=state_params(stateId="m"))
    assert response.status_code == 400
    assert xapi.post("activities/state", [1, 2], params=state_params(stateId="m")).status_code == 400
    assert xapi.get("activities/state", params=state_params(stateId="m")).json() == {"a": 1, "b": 2, "c": 3}


def test_state_binary_document_round_trips(xapi: XAPIClient):
    blob = bytes(range(256))
    xapi.put("activities/state", raw=blob, content_type="application/octet-stream", params=state_params(stateId="b"))
    got = xapi.get("activities/state", params=state_params(stateId="b"))
    assert got.content == blob
    assert got["Content-Type"] == "application/octet-stream"


def test_state_delete_one_and_all(xapi: XAPIClient):
    for state_id in ("x", "y", "z"):
        xapi.put("activities/state", {"id": state_id}, params=state_params(stateId=state_id))
    assert xapi.delete("activities/state", params=state_params(stateId="x")).status_code == 204
    assert sorted(xapi.get("activities/state", params=state_params()).json()) == ["y", "z"]
    assert xapi.delete("activities/state", params=state_params()).status_code == 204
    assert xapi.get("activities/state", params=state_params()).json() == []


def test_state_since(xapi: XAPIClient):
    xapi.put("activities/state", {"v": 1}, params=state_params(stateId="old"))
    since = xapi.get("activities/state", params=state_params(stateId="old"))["X-Experience-API-Consistent-Through"]
    xapi.put("activities/state", {"v": 1}, params=state_params(stateId="new"))
    assert xapi.get("activities/state", params=state_params(since=since)).json() == ["new"]


def test_state_bad_params(xapi: XAPIClient):
    for params in (
        {"agent": AGENT, "stateId": "s"},
        {"activityId": ACTIVITY, "stateId": "s"},
        {"activityId": ACTIVITY, "agent": '{"mbox": "nope"}', "stateId": "s"},
        state_params(stateId="s", registration="not-a-uuid"),
        state_params(stateId="s", bogus="1"),
    ):
        assert xapi.get("activities/state", params=params).status_code == 400, params
    assert xapi.put("activities/state", {"a": 1}, params=state_params()).status_code == 400


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("activities/profile", {"activityId": ACTIVITY}),
        ("agents/profile", {"agent": AGENT}),
    ],
)
def test_profile_concurrency(xapi: XAPIClient, path, params):
    one = {**params, "profileId": "p1"}
    assert xapi.put(path, {"v": 1}, params=one, headers={"If-Match": '"nope"'}).status_code == 412
    created = xapi.put(path, {"v": 1}, params=one, headers={"If-None-Match": "*"})
    assert created.status_code == 204
    etag = created["ETag"]
    assert xapi.put(path, {"v": 2}, params=one).status_code == 409  # exists, no precondition
    assert xapi.put(path, {"v": 2}, params=one, headers={"If-None-Match": "*"}).status_code == 412
    assert xapi.put(path, {"v": 2}, params=one, headers={"If-Match": '"0000"'}).status_code == 412
    assert xapi.get(path, params=one).json() == {"v": 1}
    updated = xapi.put(path, {"v": 2}, params=one, headers={"If-Match": etag})
    assert updated.status_code == 204
    assert xapi.post(path, {"w": 3}, params=one).status_code == 204
    assert xapi.get(path, params=one).json() == {"v": 2, "w": 3}
    assert xapi.get(path, params=params).json() == ["p1"]
    assert xapi.delete(path, params=one, headers={"If-Match": etag}).status_code == 412
    current = xapi.get(path, params=one)["ETag"]
    assert xapi.delete(path, params=one, headers={"If-Match": current}).status_code == 204
    assert xapi.get(path, params=one).status_code == 404
    assert xapi.delete(path, params=params).status_code == 400  # profileId required


def test_etag_is_sha1_of_content(xapi: XAPIClient):
    import hashlib

    body = json.dumps({"k": "v"}).encode()
    response = xapi.put("activities/profile", raw=body, params={"activityId": ACTIVITY, "profileId": "sha"}, headers={})
    assert response["ETag"] == f'"{hashlib.sha1(body).hexdigest()}"'  # noqa: S324
