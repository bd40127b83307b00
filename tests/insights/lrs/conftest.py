"""Fixtures for the embedded LRS tests: a credential and a test client speaking xAPI."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from django.test import Client

from insights.lrs.auth import forget_cached_credentials, lrs_credential_create

VERSION = "1.0.3"


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


class XAPIClient:
    """Django's test client with the xAPI headers set on every request (the test's own LRS client)."""

    def __init__(self, auth: str | None, version: str | None = VERSION) -> None:
        self.client = Client()
        self.auth = auth
        self.version = version

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.auth:
            headers["Authorization"] = self.auth
        if self.version:
            headers["X-Experience-API-Version"] = self.version
        headers.update(extra or {})
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        raw: bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ):
        from urllib.parse import urlencode

        url = f"/xapi/{path}"
        if params:
            url += "?" + urlencode({k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        return self.client.generic(method, url, data=data, content_type=content_type, headers=self.headers(headers))

    def get(self, path: str, **kwargs: Any):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any):
        return self.request("POST", path, body=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any):
        return self.request("PUT", path, body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def credential(db):
    forget_cached_credentials()
    credential, secret = lrs_credential_create(name="Test analyst tool", scope="all")
    return credential, secret


@pytest.fixture
def xapi(credential) -> XAPIClient:
    cred, secret = credential
    return XAPIClient(basic(cred.key, secret))


def make_statement(**overrides: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "actor": {"objectType": "Agent", "mbox": "mailto:ada@example.com", "name": "Ada"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {
            "objectType": "Activity",
            "id": "http://example.com/activities/one",
            "definition": {"name": {"en-US": "One", "fr": "Un"}, "type": "http://adlnet.gov/expapi/activities/lesson"},
        },
    }
    statement.update(overrides)
    return statement


def new_id() -> str:
    return str(uuid.uuid4())
