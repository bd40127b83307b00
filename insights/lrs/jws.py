"""Signed statements (xAPI Data §2.6): decode the JWS, compare its payload, verify the RSA signature.

What the spec makes the LRS do (Data 2.6.s5.b3), in order:
1. decode the JWS (compact serialisation, or the discouraged JSON serialisations) and load its payload;
2. check the payload is logically equivalent to the received statement, ignoring what the LRS may set
   or what immutability allows to differ (id/timestamp when one side lacks them, authority, stored,
   version, the signature attachment itself, timestamp serialisation, mbox case, Group member order);
3. if the header carries an X.509 certificate (`x5c`), verify the signature with that certificate's
   RSA key (RFC 7515 §4.1.6); the chain must be consistent (each certificate issued by the next).
   A bare public key (`jwk`) is verified the same way;
4. the algorithm is RS256, RS384 or RS512.

Anything else is a 400 with the reason. The spec is explicit that the x5c check catches mistakes and is
not authentication: a chain is not checked against a trust store, nor its validity dates (a statement
signed years ago with a then-valid certificate stays acceptable).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .http import LRSError, bad_request
from .params import parse_timestamp

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
}
_LRS_SET = ("stored", "authority", "version")
_UNDERSTOOD_CRIT: frozenset[str] = frozenset()


def _b64url(segment: str) -> bytes:
    if not isinstance(segment, str) or "=" in segment or "+" in segment or "/" in segment:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64url_uint(segment: Any) -> int:
    return int.from_bytes(_b64url(segment), "big")


class _Signed:
    """One decoded JWS: the protected header (merged with any unprotected one), payload and signing input."""

    def __init__(self, header: dict[str, Any], payload: bytes, signing_input: bytes, signature: bytes) -> None:
        self.header = header
        self.payload = payload
        self.signing_input = signing_input
        self.signature = signature


def _decode(text: str, where: str) -> _Signed:
    malformed = bad_request(f"{where}: the signature attachment is not a JWS (RFC 7515)")
    try:
        if text.startswith("{"):
            return _decode_json(json.loads(text), where)
        header_b64, payload_b64, signature_b64 = text.split(".")
        header = json.loads(_b64url(header_b64))
        payload = _b64url(payload_b64)
        signature = _b64url(signature_b64)
    except (UnicodeDecodeError, ValueError, binascii.Error, TypeError):
        raise malformed from None
    if not isinstance(header, dict):
        raise malformed
    return _Signed(header, payload, f"{header_b64}.{payload_b64}".encode("ascii"), signature)


def _decode_json(document: Any, where: str) -> _Signed:
    """The flattened or general JWS JSON serialisation (RFC 7515 §7.2); exactly one signature."""
    if not isinstance(document, dict) or not isinstance(document.get("payload"), str):
        raise ValueError("no payload")
    if "signatures" in document:
        signatures = document["signatures"]
        if not isinstance(signatures, list) or len(signatures) != 1 or not isinstance(signatures[0], dict):
            raise bad_request(f"{where}: the JWS must carry exactly one signature")
        entry = signatures[0]
    else:
        entry = document
    protected_b64 = entry.get("protected", "")
    protected = json.loads(_b64url(protected_b64)) if protected_b64 else {}
    unprotected = entry.get("header", {})
    if not isinstance(protected, dict) or not isinstance(unprotected, dict):
        raise ValueError("header is not an object")
    if set(protected) & set(unprotected):
        raise ValueError("header parameter given twice")
    header = {**unprotected, **protected}
    payload_b64 = document["payload"]
    signing_input = f"{protected_b64}.{payload_b64}".encode("ascii")
    return _Signed(header, _b64url(payload_b64), signing_input, _b64url(entry.get("signature")))


# --- logical equivalence (Data 2.3.1 immutability exceptions, 2.3.1.s9 comparison requirements) ---------


def _normalised(value: Any) -> Any:
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in ("mbox", "mbox_sha1sum") and isinstance(item, str):
            out[key] = item.lower()
        elif key == "member" and isinstance(item, list):  # a Group's members are an unordered list
            out[key] = sorted((_normalised(m) for m in item), key=lambda m: json.dumps(m, sort_keys=True))
        else:
            out[key] = _normalised(item)
    return out


def _without_signatures(attachments: Any) -> list[Any]:
    if not isinstance(attachments, list):
        return []
    return [a for a in attachments if not (isinstance(a, dict) and a.get("usageType") == SIGNATURE_USAGE)]


def _same_instant(left: Any, right: Any) -> bool:
    if not isinstance(left, str) or not isinstance(right, str):
        return left == right
    try:
        a, b = parse_timestamp(left, "timestamp"), parse_timestamp(right, "timestamp")
    except LRSError:
        return left == right
    return a.replace(microsecond=a.microsecond // 1000) == b.replace(microsecond=b.microsecond // 1000)


def equivalence_problem(signed: dict[str, Any], received: dict[str, Any]) -> str | None:
    """Why the signed statement is not logically equivalent to the received one, or None if it is."""
    if "id" in signed and "id" in received and str(signed["id"]).lower() != str(received["id"]).lower():
        return "the JWS payload's id does not match the statement's"
    both_timed = "timestamp" in signed and "timestamp" in received
    if both_timed and not _same_instant(signed["timestamp"], received["timestamp"]):
        return "the JWS payload's timestamp does not match the statement's"
    if _without_signatures(signed.get("attachments")) != _without_signatures(received.get("attachments")):
        return "the JWS payload's attachments do not match the statement's"
    ignored = (*_LRS_SET, "id", "timestamp", "attachments")
    left = _normalised({k: v for k, v in signed.items() if k not in ignored})
    right = _normalised({k: v for k, v in received.items() if k not in ignored})
    if left != right:
        differing = sorted(k for k in set(left) | set(right) if left.get(k) != right.get(k))
        return f"the JWS payload does not match the statement (differs in: {', '.join(differing)})"
    return None


# --- cryptographic verification --------------------------------------------------------------------------


def _x5c_key(chain: Any, where: str) -> rsa.RSAPublicKey:
    if not isinstance(chain, list) or not chain or not all(isinstance(c, str) for c in chain):
        raise bad_request(f"{where}: the JWS header's x5c must be a non-empty array of certificates")
    try:
        certificates = [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in chain]
    except (ValueError, binascii.Error):
        raise bad_request(f"{where}: the JWS header's x5c holds a certificate that cannot be read") from None
    for subject, issuer in zip(certificates, certificates[1:], strict=False):
        try:
            subject.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            raise bad_request(f"{where}: the JWS header's x5c is not a certificate chain") from None
    try:
        key = certificates[0].public_key()
    except (ValueError, UnsupportedAlgorithm):
        raise bad_request(f"{where}: the x5c certificate's key cannot be read") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise bad_request(f"{where}: the x5c certificate's key is not an RSA key (RS256/384/512 need one)")
    return key


def _jwk_key(jwk: Any, where: str) -> rsa.RSAPublicKey:
    if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
        raise bad_request(f"{where}: the JWS header's jwk must be an RSA key")
    try:
        return rsa.RSAPublicNumbers(_b64url_uint(jwk.get("e")), _b64url_uint(jwk.get("n"))).public_key()
    except (ValueError, TypeError, binascii.Error):
        raise bad_request(f"{where}: the JWS header's jwk is not a valid RSA public key") from None


def _verify(signed: _Signed, algorithm: str, where: str) -> None:
    header = signed.header
    if "x5c" in header:
        key = _x5c_key(header["x5c"], where)
        source = "x5c certificate"
    elif "jwk" in header:
        key = _jwk_key(header["jwk"], where)
        source = "jwk key"
    else:
        return  # no key to check against: the spec asks for the x5c check only when a certificate is there
    try:
        key.verify(signed.signature, signed.signing_input, padding.PKCS1v15(), _HASHES[algorithm]())
    except (InvalidSignature, ValueError):
        raise bad_request(f"{where}: the JWS signature does not verify against its {source}") from None


def check_signature(statement: dict[str, Any], signature: bytes, *, where: str) -> None:
    """Raise LRSError(400) unless `signature` is a sound JWS over `statement` (see the module docstring)."""
    try:
        _check_signature(statement, signature, where)
    except RecursionError:  # a payload nested deeper than Python will parse or compare
        raise bad_request(f"{where}: the JWS payload is nested too deeply") from None


def _check_signature(statement: dict[str, Any], signature: bytes, where: str) -> None:
    try:
        text = signature.decode("ascii").strip()
    except UnicodeDecodeError:
        raise bad_request(f"{where}: the signature attachment is not a JWS (RFC 7515)") from None
    signed = _decode(text, where)
    algorithm = signed.header.get("alg")
    if algorithm not in _HASHES:
        raise bad_request(f"{where}: the JWS must use RS256, RS384 or RS512, not {str(algorithm)[:20]!r}")
    crit = signed.header.get("crit")
    if crit is not None and (not isinstance(crit, list) or not crit or set(crit) - _UNDERSTOOD_CRIT):
        raise bad_request(f"{where}: the JWS header marks parameters critical that this LRS does not understand")
    if not signed.signature:
        raise bad_request(f"{where}: the JWS has no signature")
    try:
        payload = json.loads(signed.payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise bad_request(f"{where}: the JWS payload is not a JSON serialisation of a statement") from None
    if not isinstance(payload, dict):
        raise bad_request(f"{where}: the JWS payload is not a statement")
    problem = equivalence_problem(payload, statement)
    if problem:
        raise bad_request(f"{where}: {problem}")
    _verify(signed, algorithm, where)
