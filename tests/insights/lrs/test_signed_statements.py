"""Signed statements (xAPI Data 2.6) with real RSA keys and X.509 certificates made for the test."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from insights.models import Statement

from .conftest import XAPIClient, make_statement, new_id
from .test_attachments import SIGNATURE, _attachment, _multipart

pytestmark = pytest.mark.django_db
_HASHES = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _certificate(key: rsa.RSAPrivateKey, name: str, issuer_key=None, issuer_name: str | None = None):
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name or name)])
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(issuer_key or key, hashes.SHA256())
    )


def _der64(certificate) -> str:
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


@pytest.fixture(scope="module")
def keys():
    """Two signers and a CA: (signer key, its self-signed cert), (other key, cert), (CA key, CA cert, leaf cert)."""
    signer = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_cert = _certificate(ca, "Guild test CA")
    leaf = _certificate(signer, "Signer", issuer_key=ca, issuer_name="Guild test CA")
    return {
        "signer": signer,
        "signer_cert": _certificate(signer, "Signer"),
        "other": other,
        "other_cert": _certificate(other, "Someone else"),
        "ca_cert": ca_cert,
        "leaf_cert": leaf,
    }


def sign(payload: Any, key: rsa.RSAPrivateKey, alg: str = "RS256", **header: Any) -> bytes:
    header_b64 = _b64url(json.dumps({"alg": alg, **header}).encode())
    payload_bytes = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signing_input = f"{header_b64}.{_b64url(payload_bytes)}".encode()
    signature = key.sign(signing_input, padding.PKCS1v15(), _HASHES.get(alg, hashes.SHA256)())
    return signing_input + b"." + _b64url(signature).encode()


def post_signed(xapi: XAPIClient, statement: dict[str, Any], jws: bytes, *, content_type="application/octet-stream"):
    signed = {**statement, "attachments": [_attachment(jws, content_type, SIGNATURE)]}
    body, multipart_type = _multipart([signed], [(jws, content_type)])
    return xapi.post("statements", raw=body, content_type=multipart_type)


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_signed_statement_with_x5c_is_verified_and_stored(xapi: XAPIClient, keys, alg):
    statement = make_statement(id=new_id())
    jws = sign(statement, keys["signer"], alg, x5c=[_der64(keys["signer_cert"])])
    response = post_signed(xapi, statement, jws)
    assert response.status_code == 200, response.content
    stored = xapi.get("statements", params={"statementId": statement["id"]}).json()
    assert stored["attachments"][0]["usageType"] == SIGNATURE
    assert stored["attachments"][0]["sha2"] == hashlib.sha256(jws).hexdigest()


def test_signature_without_certificate_is_accepted_when_well_formed(xapi: XAPIClient, keys):
    """What ADL's conformance suite sends: RS256, no x5c, payload = the statement before the attachment."""
    statement = make_statement(id=new_id())
    assert post_signed(xapi, statement, sign(statement, keys["signer"])).status_code == 200


def _reason(response) -> str:
    assert response.status_code == 400, response.content
    return response.json()["message"]


def test_tampered_signature_is_rejected(xapi: XAPIClient, keys):
    statement = make_statement(id=new_id())
    jws = sign(statement, keys["signer"], x5c=[_der64(keys["signer_cert"])])
    head, payload, signature = jws.split(b".")
    raw = bytearray(base64.urlsafe_b64decode(signature + b"=" * (-len(signature) % 4)))
    raw[10] ^= 0xFF
    tampered = b".".join((head, payload, _b64url(bytes(raw)).encode()))
    assert "does not verify against its x5c certificate" in _reason(post_signed(xapi, statement, tampered))
    assert not Statement.objects.filter(id=statement["id"]).exists()


def test_signature_by_another_key_than_the_certificate_is_rejected(xapi: XAPIClient, keys):
    statement = make_statement(id=new_id())
    jws = sign(statement, keys["other"], x5c=[_der64(keys["signer_cert"])])
    assert "does not verify" in _reason(post_signed(xapi, statement, jws))


def test_certificate_chain_must_link(xapi: XAPIClient, keys):
    statement = make_statement(id=new_id())
    chain = [_der64(keys["leaf_cert"]), _der64(keys["ca_cert"])]
    assert post_signed(xapi, statement, sign(statement, keys["signer"], x5c=chain)).status_code == 200
    statement = make_statement(id=new_id())
    broken = [_der64(keys["leaf_cert"]), _der64(keys["other_cert"])]
    response = post_signed(xapi, statement, sign(statement, keys["signer"], x5c=broken))
    assert "not a certificate chain" in _reason(response)


def test_unreadable_certificate_is_rejected(xapi: XAPIClient, keys):
    statement = make_statement(id=new_id())
    jws = sign(statement, keys["signer"], x5c=[base64.b64encode(b"not a certificate").decode()])
    assert "x5c" in _reason(post_signed(xapi, statement, jws))


def test_jwk_header_key_is_verified(xapi: XAPIClient, keys):
    numbers = keys["signer"].public_key().public_numbers()
    jwk = {
        "kty": "RSA",
        "n": _b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
        "e": _b64url(numbers.e.to_bytes(3, "big")),
    }
    statement = make_statement(id=new_id())
    assert post_signed(xapi, statement, sign(statement, keys["signer"], jwk=jwk)).status_code == 200
    statement = make_statement(id=new_id())
    assert "jwk" in _reason(post_signed(xapi, statement, sign(statement, keys["other"], jwk=jwk)))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}}, "differs in: verb"),
        ({"id": "00000000-0000-4000-8000-000000000000"}, "id does not match"),
        ({"timestamp": "2020-01-01T00:00:00Z"}, "timestamp does not match"),
    ],
)
def test_payload_must_match_the_statement(xapi: XAPIClient, keys, change, expected):
    statement = make_statement(id=new_id(), timestamp="2024-05-01T10:00:00.000Z")
    jws = sign({**statement, **change}, keys["signer"], x5c=[_der64(keys["signer_cert"])])
    assert expected in _reason(post_signed(xapi, statement, jws))


def test_equivalence_ignores_what_the_lrs_may_change(xapi: XAPIClient, keys):
    """No id in the payload, the same instant in another zone, Group members reordered, mbox case."""
    members = [{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}]
    statement = make_statement(
        id=new_id(),
        timestamp="2024-05-01T10:00:00.000Z",
        actor={"objectType": "Group", "name": "Pair", "member": members},
        context={"instructor": {"mbox": "mailto:Teacher@Example.com"}},
    )
    payload = {
        **{k: v for k, v in statement.items() if k != "id"},
        "timestamp": "2024-05-01T12:00:00+02:00",
        "actor": {"objectType": "Group", "name": "Pair", "member": members[::-1]},
        "context": {"instructor": {"mbox": "mailto:teacher@example.com"}},
    }
    jws = sign(payload, keys["signer"], x5c=[_der64(keys["signer_cert"])])
    assert post_signed(xapi, statement, jws).status_code == 200


@pytest.mark.parametrize("alg", ["HS256", "none", "ES256"])
def test_algorithm_must_be_rsa_sha(xapi: XAPIClient, keys, alg):
    statement = make_statement(id=new_id())
    assert "RS256, RS384 or RS512" in _reason(post_signed(xapi, statement, sign(statement, keys["signer"], alg)))


def test_payload_that_is_not_json_is_rejected(xapi: XAPIClient, keys):
    statement = make_statement(id=new_id())
    broken = json.dumps(statement).replace('"', "'", 1).encode()
    assert "JSON" in _reason(post_signed(xapi, statement, sign(broken, keys["signer"])))


def test_signature_attachment_must_be_octet_stream(xapi: XAPIClient, keys):
    statement = make_statement(id=new_id())
    jws = sign(statement, keys["signer"])
    assert "octet-stream" in _reason(post_signed(xapi, statement, jws, content_type="text/plain; charset=ascii"))


def test_critical_header_parameters_are_refused(xapi: XAPIClient, keys):
    statement = make_statement(id=new_id())
    jws = sign(statement, keys["signer"], crit=["exp"], exp=1)
    assert "critical" in _reason(post_signed(xapi, statement, jws))


def test_json_serialisation_is_accepted(xapi: XAPIClient, keys):
    statement = make_statement(id=new_id())
    head, payload, signature = sign(statement, keys["signer"], x5c=[_der64(keys["signer_cert"])]).decode().split(".")
    flattened = json.dumps({"protected": head, "payload": payload, "signature": signature}).encode()
    assert post_signed(xapi, statement, flattened).status_code == 200
    statement = make_statement(id=new_id())
    head, payload, _ = sign(statement, keys["signer"], x5c=[_der64(keys["signer_cert"])]).decode().split(".")
    bad = json.dumps({"signatures": [{"protected": head, "signature": signature}], "payload": payload}).encode()
    assert "does not verify" in _reason(post_signed(xapi, statement, bad))


def test_batch_with_one_bad_signature_stores_nothing(xapi: XAPIClient, keys):
    good = make_statement(id=new_id())
    bad = make_statement(id=new_id())
    good_jws = sign(good, keys["signer"], x5c=[_der64(keys["signer_cert"])])
    bad_jws = sign(bad, keys["other"], x5c=[_der64(keys["signer_cert"])])
    statements = [
        {**good, "attachments": [_attachment(good_jws, "application/octet-stream", SIGNATURE)]},
        {**bad, "attachments": [_attachment(bad_jws, "application/octet-stream", SIGNATURE)]},
    ]
    body, content_type = _multipart(
        statements, [(good_jws, "application/octet-stream"), (bad_jws, "application/octet-stream")]
    )
    response = xapi.post("statements", raw=body, content_type=content_type)
    assert "statements[1]" in _reason(response)
    assert not Statement.objects.filter(id__in=[good["id"], bad["id"]]).exists()


def test_deeply_nested_payload_is_400(xapi: XAPIClient, keys):
    statement = make_statement(id=new_id())
    nested = "[" * 100_000 + "]" * 100_000
    jws = sign(nested.encode(), keys["signer"])
    assert post_signed(xapi, statement, jws).status_code == 400
