"""State, Activity Profile and Agent Profile documents (xAPI Communication §2.3, §2.6, §2.7, §3.1).

Concurrency: the ETag is the quoted SHA-1 of the content. If-Match must name the current ETag (or
`*` for "exists"), If-None-Match `*` means "must not exist"; otherwise 412, nothing changed. A PUT on
an existing profile document (activity or agent) without either header is a 409 (§3.1). Each write
runs in one transaction with the row locked (SELECT … FOR UPDATE on PostgreSQL), so a check and the
write that depends on it cannot interleave with another writer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from insights.models import DocumentKind, LRSDocument

from .http import LRSError, bad_request


@dataclass(frozen=True)
class DocumentKey:
    kind: int
    activity_id: str = ""
    agent_key: str = ""
    registration: str = ""

    def set_digest(self) -> str:
        return _sha256(str(self.kind), self.activity_id, self.agent_key, self.registration)

    def key_digest(self, document_id: str) -> str:
        return _sha256(str(self.kind), self.activity_id, self.agent_key, self.registration, document_id)


def _sha256(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def etag_for(content: bytes) -> str:
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def _etags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()]


def check_preconditions(
    document: LRSDocument | None, *, if_match: str | None, if_none_match: str | None, put_profile: bool
) -> None:
    if if_match is not None:
        tags = _etags(if_match)
        if document is None or ("*" not in tags and document.etag not in tags):
            raise LRSError(412, "If-Match does not match the document's current ETag")
    if if_none_match is not None:
        tags = _etags(if_none_match)
        if document is not None and ("*" in tags or document.etag in tags):
            raise LRSError(412, "If-None-Match: the document already exists")
    if put_profile and document is not None and if_match is None and if_none_match is None:
        raise LRSError(409, "the document exists: send If-Match with its ETag (or If-None-Match: *) to change it", {})


def document_get(key: DocumentKey, document_id: str) -> LRSDocument | None:
    return LRSDocument.objects.filter(key_digest=key.key_digest(document_id)).first()


def document_ids(key: DocumentKey, since: datetime | None) -> list[str]:
    rows = LRSDocument.objects.filter(set_digest=key.set_digest())
    if since is not None:
        rows = rows.filter(updated__gt=since)
    return list(rows.order_by("updated", "id").values_list("document_id", flat=True)[:10_000])


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


def _json_object(content: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise bad_request(f"{what} is not valid JSON, so it cannot be merged") from None
    if not isinstance(value, dict):
        raise bad_request(f"{what} is not a JSON object, so it cannot be merged")
    return value


def document_write(
    *,
    key: DocumentKey,
    document_id: str,
    content: bytes,
    content_type: str,
    merge: bool,
    if_match: str | None,
    if_none_match: str | None,
) -> LRSDocument:
    """PUT (replace) or POST (`merge`: JSON object merge, top-level keys of the new document win)."""
    content_type = content_type or "application/octet-stream"
    if merge and _is_json(content_type):
        _json_object(content, "the posted document")
    with transaction.atomic():
        document = LRSDocument.objects.select_for_update().filter(key_digest=key.key_digest(document_id)).first()
        check_preconditions(
            document,
            if_match=if_match,
            if_none_match=if_none_match,
            put_profile=not merge and key.kind != DocumentKind.STATE,
        )
        if merge and document is not None:
            if not (_is_json(content_type) and _is_json(document.content_type)):
                raise bad_request("POST merges JSON documents only: both must be application/json objects")
            merged = _json_object(bytes(document.content), "the stored document")
            merged.update(_json_object(content, "the posted document"))
            content = json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            content_type = "application/json"
        now = timezone.now()
        if document is None:
            document = LRSDocument(
                kind=key.kind,
                activity_id=key.activity_id,
                agent_key=key.agent_key,
                registration=key.registration,
                document_id=document_id,
                key_digest=key.key_digest(document_id),
                set_digest=key.set_digest(),
            )
        document.content = content
        document.content_type = content_type
        document.etag = etag_for(content)
        document.updated = now
        try:
            with transaction.atomic():
                document.save()
        except IntegrityError:  # a concurrent first write of the same document won the race
            raise LRSError(409, "the document was created concurrently; retry with If-Match") from None
    return document


def document_delete(
    *, key: DocumentKey, document_id: str | None, if_match: str | None, if_none_match: str | None
) -> None:
    """Delete one document, or (State only, no stateId) every document of the set."""
    with transaction.atomic():
        if document_id is None:
            LRSDocument.objects.filter(set_digest=key.set_digest()).delete()
            return
        document = LRSDocument.objects.select_for_update().filter(key_digest=key.key_digest(document_id)).first()
        check_preconditions(document, if_match=if_match, if_none_match=if_none_match, put_profile=False)
        if document is not None:
            document.delete()
