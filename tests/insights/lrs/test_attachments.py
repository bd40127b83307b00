"""multipart/mixed attachments (sha2 checks) and signed statements (JWS)."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from insights.lrs import multipart

from .conftest import XAPIClient, make_statement, new_id

pytestmark = pytest.mark.django_db
SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"


def _attachment(content: bytes, content_type: str = "text/plain", usage: str = "http://example.com/usage/doc"):
    return {
        "usageType": usage,
        "display": {"en": "file"},
        "contentType": content_type,
        "length": len(content),
        "sha2": hashlib.sha256(content).hexdigest(),
    }


def _multipart(statements, parts: list[tuple[bytes, str]], boundary: str = "xapi-boundary") -> tuple[bytes, str]:
    out = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), json.dumps(statements).encode(), b"\r\n"]
    for content, content_type in parts:
        sha2 = hashlib.sha256(content).hexdigest()
        out.append(
            f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode()
        )
        out += [content, b"\r\n"]
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/mixed; boundary={boundary}"


def test_attachment_round_trip(xapi: XAPIClient):
    content = b"hello attachment \x00\xff"
    statement = make_statement(id=new_id(), attachments=[_attachment(content)])
    body, content_type = _multipart([statement], [(content, "text/plain")])
    response = xapi.post("statements", raw=body, content_type=content_type)
    assert response.status_code == 200, response.content
    got = xapi.get("statements", params={"statementId": statement["id"], "attachments": "true"})
    assert got["Content-Type"].startswith("multipart/mixed")
    payload, parts = multipart.parse(got.content, got["Content-Type"])
    assert payload["id"] == statement["id"]
    assert parts[hashlib.sha256(content).hexdigest()][1] == content
    listing = xapi.get("statements", params={"attachments": "true"})
    payload, parts = multipart.parse(listing.content, listing["Content-Type"])
    assert payload["statements"][0]["id"] == statement["id"]


def test_attachment_rules(xapi: XAPIClient):
    content = b"data"
    statement = make_statement(attachments=[_attachment(content)])
    # No part for an attachment without fileUrl.
    assert xapi.post("statements", statement).status_code == 400
    body, content_type = _multipart([statement], [])
    assert xapi.post("statements", raw=body, content_type=content_type).status_code == 400
    # A part whose hash does not match its content.
    body, content_type = _multipart([statement], [(content, "text/plain")])
    assert (
        xapi.post(
            "statements", raw=body.replace(b"\r\ndata\r\n", b"\r\nDATA\r\n"), content_type=content_type
        ).status_code
        == 400
    )
    # A part that no attachment references.
    body, content_type = _multipart([make_statement()], [(content, "text/plain")])
    assert xapi.post("statements", raw=body, content_type=content_type).status_code == 400
    # fileUrl attachments need no part.
    with_url = make_statement(attachments=[{**_attachment(content), "fileUrl": "http://example.com/f"}])
    assert xapi.post("statements", with_url).status_code == 200


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jws(payload: dict, alg: str = "RS256") -> bytes:
    header = _b64(json.dumps({"alg": alg}).encode())
    return f"{header}.{_b64(json.dumps(payload).encode())}.{_b64(b'signature-bytes')}".encode()


def test_signed_statement(xapi: XAPIClient):
    statement = make_statement(id=new_id())
    signature = _jws(statement)
    signed = {**statement, "attachments": [_attachment(signature, "application/octet-stream", SIGNATURE)]}
    body, content_type = _multipart([signed], [(signature, "application/octet-stream")])
    assert xapi.post("statements", raw=body, content_type=content_type).status_code == 200


@pytest.mark.parametrize(
    "signature",
    [
        b"not a jws",
        _jws(make_statement(verb={"id": "http://example.com/other"})),
        _jws(make_statement(), alg="none"),
    ],
)
def test_bad_signatures_rejected(xapi: XAPIClient, signature):
    statement = make_statement(id=new_id())
    signed = {**statement, "attachments": [_attachment(signature, "application/octet-stream", SIGNATURE)]}
    body, content_type = _multipart([signed], [(signature, "application/octet-stream")])
    assert xapi.post("statements", raw=body, content_type=content_type).status_code == 400
