"""Signed statements (xAPI Data §2.6): the signature attachment must be a well-formed JWS over the statement.

We check what the spec makes the LRS responsible for: the attachment is a JWS compact serialisation,
its header names an RS256/RS384/RS512 algorithm, and its payload is the statement that carries it
(ignoring what the LRS sets and the attachments, which are added after signing). Cryptographic
verification against the signer's key (x5c) is left to consumers, as the spec allows.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from .http import bad_request

_ALGORITHMS = ("RS256", "RS384", "RS512")
_IGNORED = ("id", "stored", "authority", "version", "attachments")


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _comparable(data: dict[str, Any], *, with_id: bool) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in _IGNORED or (with_id and k == "id")}


def check_signature(statement: dict[str, Any], signature: bytes, *, where: str) -> None:
    """Raise LRSError(400) unless `signature` is a JWS whose payload is `statement`."""
    try:
        text = signature.decode("ascii").strip()
        header_b64, payload_b64, signature_b64 = text.split(".")
        header = json.loads(_b64url(header_b64))
        payload = json.loads(_b64url(payload_b64))
        _b64url(signature_b64)
    except (UnicodeDecodeError, ValueError, binascii.Error):
        raise bad_request(f"{where}: the signature attachment is not a JWS compact serialisation") from None
    if not isinstance(header, dict) or header.get("alg") not in _ALGORITHMS:
        raise bad_request(f"{where}: the JWS must use RS256, RS384 or RS512")
    if not signature_b64:
        raise bad_request(f"{where}: the JWS has no signature")
    if not isinstance(payload, dict):
        raise bad_request(f"{where}: the JWS payload is not a statement")
    with_id = "id" in payload
    if with_id and str(payload.get("id", "")).lower() != str(statement.get("id", "")).lower():
        raise bad_request(f"{where}: the JWS payload's id does not match the statement's")
    if _comparable(payload, with_id=False) != _comparable(statement, with_id=False):
        raise bad_request(f"{where}: the JWS payload does not match the statement")
