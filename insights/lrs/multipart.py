"""multipart/mixed for statements with attachments (xAPI Communication §1.5.2), both directions."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from typing import Any

from .http import bad_request

_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_HASHES = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


def _headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.decode("utf-8", errors="replace").split("\r\n"):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise bad_request(f"malformed multipart part header: {line[:100]!r}")
        headers[name.strip().lower()] = value.strip()
    return headers


def parse(body: bytes, content_type_header: str) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """(the statements JSON from the first part, {sha2: (content type, content)} from the others).

    Each attachment part needs X-Experience-API-Hash equal to the SHA-2 of its content (the length
    of the hash picks SHA-224/256/384/512) and Content-Transfer-Encoding: binary.
    """
    match = _BOUNDARY.search(content_type_header)
    if not match:
        raise bad_request("multipart/mixed without a boundary")
    boundary = (match.group(1) or match.group(2)).encode("latin-1")
    delimiter = b"--" + boundary
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise bad_request("malformed multipart/mixed body (missing parts or closing boundary)")
    parts: list[tuple[dict[str, str], bytes]] = []
    for chunk in chunks[1:-1]:
        chunk = chunk.removeprefix(b"\r\n").removeprefix(b"\n")
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = chunk.partition(b"\n\n")
            if not sep:
                raise bad_request("a multipart part has no blank line after its headers")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        elif content.endswith(b"\n"):
            content = content[:-1]
        parts.append((_headers(head), content))
    first_headers, first = parts[0]
    if first_headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise bad_request("the first part of multipart/mixed must be application/json (the statements)")
    try:
        statements = json.loads(first.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise bad_request("the first multipart part is not valid JSON") from None
    attachments: dict[str, tuple[str, bytes]] = {}
    for headers, content in parts[1:]:
        sha2 = headers.get("x-experience-api-hash", "").lower()
        if not sha2:
            raise bad_request("an attachment part has no X-Experience-API-Hash header")
        if headers.get("content-transfer-encoding", "").lower() != "binary":
            raise bad_request("an attachment part must have Content-Transfer-Encoding: binary")
        algorithm = _HASHES.get(len(sha2))
        if algorithm is None or algorithm(content).hexdigest() != sha2:
            raise bad_request(f"attachment part {sha2[:16]}…: X-Experience-API-Hash does not match its content")
        attachments[sha2] = (headers.get("content-type", "application/octet-stream"), content)
    return statements, attachments


def build(payload: Any, attachments: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/mixed body: the JSON payload first, then each attachment; returns (body, content type)."""
    boundary = secrets.token_hex(16)
    out = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        b"\r\n",
    ]
    for sha2, (content_type, content) in attachments.items():
        out.append(
            f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode()
        )
        out.append(content)
        out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f'multipart/mixed; boundary="{boundary}"'
