"""Forwarding statements to an external LRS: the downstream copy of the Statement store (DESIGN.md §2, rule 3).

Delivery state lives in the database, on each Statement row:

- PENDING: not yet accepted downstream. `forward_attempts` counts runs that failed to deliver it
  (5xx, timeouts, refused connections, 401/403…), `forward_error` says why the last one failed.
  While a worker is sending it, `forwarded_at` holds the time of that worker's claim: a lease of
  `lease_seconds()`; a claim older than that is considered abandoned (a worker died) and is claimed
  again. A pending row with `forwarded_at` NULL is free.
- DELIVERED: the LRS answered 200 with ids (or 204, Ralph's answer when it already has them all),
  or 409 for the statement alone (it already holds a statement with that id). `forwarded_at` is when.
- REJECTED: the LRS refused the statement alone as invalid (400/413/422); `forward_error` has its
  answer. Never retried automatically; `forward_statements --retry-rejected` puts them back.

The flow of one run is claim → send → record, and no database transaction is open during an HTTP
request: claiming is one short transaction (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so
concurrent workers take disjoint batches; SQLite's IMMEDIATE transactions serialize claims), each
outcome is recorded by short UPDATEs filtered on PENDING. Statement ids are deterministic and an LRS
treats a resent id with the same content as a no-op, so the rare double send (an expired lease, a
crash between sending and recording) is harmless: delivery is at-least-once on the wire and
exactly-once in the LRS.

A batch the LRS refuses as invalid (400/413/422, or 409 because one statement in it conflicts) is
bisected until each invalid statement stands alone, so one bad statement never blocks the others.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any
from uuid import UUID

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Least
from django.utils import timezone

from .models import ForwardState, Statement

logger = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
# Properties an LRS sets itself (xAPI 1.0.3 Data §2.4.8–2.4.10): not sent, the downstream LRS
# stamps its own `stored` and `authority` (our credential), and `version` follows the header.
LRS_SET_PROPERTIES = frozenset({"stored", "authority", "version"})
# Responses that condemn the content of the batch rather than the LRS's health.
INVALID_STATUSES = frozenset({400, 413, 422})
CONFLICT_STATUS = 409
# Responses worth another try within the same run; others (401, 403, 404…) fail the run at once.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_ERROR_LENGTH = 2000
# While set in the cache, commits do not forward inline (no broker): the LRS just failed, so a
# user's request should not wait for it again. Statements stay pending for the next trigger.
INLINE_PAUSE_CACHE_KEY = "insights:forwarding:inline-paused"
MAX_ATTEMPTS_FIELD_VALUE = 32767  # PositiveSmallIntegerField


def forwarding_enabled() -> bool:
    """Forwarding is on when an endpoint is configured (credentials are sent when a key is set)."""
    return bool(settings.XAPI_LRS_ENDPOINT)


def statements_url() -> str:
    return f"{settings.XAPI_LRS_ENDPOINT.rstrip('/')}/statements"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def backoff_base_seconds() -> float:
    return float(_setting("XAPI_FORWARD_BACKOFF_SECONDS", 0.5))


def backoff_cap_seconds() -> float:
    return float(_setting("XAPI_FORWARD_BACKOFF_MAX_SECONDS", 8.0))


def lease_seconds() -> float:
    """How long a claim protects a batch from other workers; a run stops sending before it ends.

    XAPI_FORWARD_LEASE_SECONDS (default 10 minutes), but never less than two full request budgets,
    so a long XAPI_LRS_TIMEOUT cannot make every claim expire before its first request is done.
    """
    floor = 2 * request_budget_seconds(int(settings.XAPI_FORWARD_MAX_ATTEMPTS)) + 60
    return max(float(_setting("XAPI_FORWARD_LEASE_SECONDS", 600)), floor)


def request_budget_seconds(max_attempts: int) -> float:
    """The longest one POST with its retries can take: connect + read timeouts and capped backoff."""
    timeout = float(settings.XAPI_LRS_TIMEOUT)
    return max(1, max_attempts) * 2 * timeout + max(0, max_attempts - 1) * backoff_cap_seconds()


def outgoing(data: dict[str, Any]) -> dict[str, Any]:
    """The statement as sent downstream: what the producer asserted, without what an LRS sets."""
    return {key: value for key, value in data.items() if key not in LRS_SET_PROPERTIES}


# --- HTTP ------------------------------------------------------------------------------------------------


class Verdict(Enum):
    ACCEPTED = "accepted"  # 200 with a list of ids, or 204
    CONFLICT = "conflict"  # 409: the LRS holds a different statement with an id in the batch
    INVALID = "invalid"  # 400/413/422: something in the batch is refused
    FAILED = "failed"  # anything else: the LRS is down, overloaded, misconfigured or unreachable


@dataclass(frozen=True)
class LRSAnswer:
    verdict: Verdict
    status: int | None
    detail: str

    def describe(self) -> str:
        prefix = f"HTTP {self.status}" if self.status is not None else "no response"
        return f"{prefix}: {self.detail}"[:MAX_ERROR_LENGTH] if self.detail else prefix


class LRSClient:
    """A small xAPI client for POST /statements with bounded retries.

    One `requests.Session` per client (keep-alive across the batches of a run). Every request has
    connect and read timeouts of XAPI_LRS_TIMEOUT seconds; a failed request is retried up to
    `max_attempts` times in all with full-jitter exponential backoff, so one `post_statements`
    call takes at most `request_budget_seconds(max_attempts)`. Not thread-safe: one per run.
    """

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        key: str | None = None,
        secret: str | None = None,
        timeout: float | None = None,
        max_attempts: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = f"{(endpoint or settings.XAPI_LRS_ENDPOINT).rstrip('/')}/statements"
        self.timeout = float(timeout if timeout is not None else settings.XAPI_LRS_TIMEOUT)
        self.max_attempts = max(1, int(max_attempts or settings.XAPI_FORWARD_MAX_ATTEMPTS))
        self.sleep = sleep
        self.session = requests.Session()
        key = settings.XAPI_LRS_KEY if key is None else key
        secret = settings.XAPI_LRS_SECRET if secret is None else secret
        if key:
            self.session.auth = (key, secret)
        self.session.headers.update(
            {
                "X-Experience-API-Version": XAPI_VERSION,
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": "Guild statement forwarder",
            }
        )
        self.requests_made = 0

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> LRSClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def post_statements(self, statements: Sequence[dict[str, Any]]) -> LRSAnswer:
        body = json.dumps(list(statements), separators=(",", ":"), ensure_ascii=False).encode()
        answer = LRSAnswer(Verdict.FAILED, None, "not sent")
        for attempt in range(1, self.max_attempts + 1):
            answer, retry_after = self._post_once(body)
            if answer.verdict is not Verdict.FAILED or attempt == self.max_attempts:
                break
            if answer.status is not None and answer.status not in RETRYABLE_STATUSES:
                break
            delay = random.uniform(0, min(backoff_cap_seconds(), backoff_base_seconds() * 2 ** (attempt - 1)))  # noqa: S311
            if retry_after is not None:
                delay = max(delay, min(retry_after, backoff_cap_seconds()))
            logger.info(
                "LRS attempt %d/%d failed (%s); retrying in %.2fs", attempt, self.max_attempts, answer.describe(), delay
            )
            self.sleep(delay)
        return answer

    def _post_once(self, body: bytes) -> tuple[LRSAnswer, float | None]:
        self.requests_made += 1
        try:
            response = self.session.post(
                self.url, data=body, timeout=(self.timeout, self.timeout), allow_redirects=False
            )
        except requests.Timeout as error:
            return LRSAnswer(Verdict.FAILED, None, f"timed out after {self.timeout:g}s ({type(error).__name__})"), None
        except requests.RequestException as error:
            return LRSAnswer(Verdict.FAILED, None, f"{type(error).__name__}: {error}"), None
        return _classify(response), _retry_after(response)


def _classify(response: requests.Response) -> LRSAnswer:
    status = response.status_code
    detail = response.text[:MAX_ERROR_LENGTH].strip()
    if status == 204:
        return LRSAnswer(Verdict.ACCEPTED, status, "")
    if status == 200:
        try:
            ids = response.json()
        except ValueError:
            return LRSAnswer(Verdict.FAILED, status, f"200 without a JSON list of ids: {detail[:200]}")
        if isinstance(ids, list):
            # Ralph lists only the ids it newly stored; ids it already held (same content) are dropped
            # from the list, so every statement of an accepted batch is in the LRS.
            return LRSAnswer(Verdict.ACCEPTED, status, "")
        return LRSAnswer(Verdict.FAILED, status, f"200 without a JSON list of ids: {detail[:200]}")
    if status == CONFLICT_STATUS:
        return LRSAnswer(Verdict.CONFLICT, status, detail)
    if status in INVALID_STATUSES:
        return LRSAnswer(Verdict.INVALID, status, detail)
    return LRSAnswer(Verdict.FAILED, status, detail or response.reason or "")


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


# --- Claim → send → record -------------------------------------------------------------------------------


@dataclass
class ForwardingReport:
    """What one run did. `failed` statements are still pending; `last_error` is the last failure seen."""

    delivered: int = 0
    rejected: int = 0
    failed: int = 0
    batches: int = 0
    requests: int = 0
    last_error: str = ""
    stopped: str = ""  # why the run stopped before the backlog was empty, if it did
    rejected_ids: list[UUID] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "rejected": self.rejected,
            "failed": self.failed,
            "batches": self.batches,
            "requests": self.requests,
            "last_error": self.last_error,
            "stopped": self.stopped,
        }


def claim_batch(*, size: int, now: datetime | None = None) -> list[tuple[UUID, dict[str, Any]]]:
    """Claim up to `size` pending statements, oldest first, for this worker; return (id, data) pairs.

    One short transaction. On PostgreSQL the rows are read with FOR UPDATE SKIP LOCKED, so workers
    claiming at the same moment take disjoint batches instead of waiting on each other; the claim
    itself is the lease written to `forwarded_at` (see the module docstring), which other workers
    respect once this transaction commits, so no lock is held while sending.
    """
    now = now or timezone.now()
    expired = now - timedelta(seconds=lease_seconds())
    with transaction.atomic():
        rows = Statement.objects.filter(forward_state=ForwardState.PENDING).filter(
            Q(forwarded_at__isnull=True) | Q(forwarded_at__lt=expired)
        )
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        # Lock ids only: if the planner ever sorts instead of walking the partial index (stale
        # statistics after a burst), it sorts narrow rows, not every pending statement's JSON.
        ids = list(rows.order_by("stored", "id").values_list("id", flat=True)[:size])
        if not ids:
            return []
        Statement.objects.filter(id__in=ids).update(forwarded_at=now)
        data = dict(Statement.objects.filter(id__in=ids).values_list("id", "data"))
    return [(pk, data[pk]) for pk in ids]


def _record_delivered(ids: Sequence[UUID], *, note: str = "") -> int:
    return Statement.objects.filter(id__in=ids, forward_state=ForwardState.PENDING).update(
        forward_state=ForwardState.DELIVERED, forwarded_at=timezone.now(), forward_error=note[:MAX_ERROR_LENGTH]
    )


def _record_rejected(pk: UUID, error: str) -> int:
    return Statement.objects.filter(id=pk, forward_state=ForwardState.PENDING).update(
        forward_state=ForwardState.REJECTED, forwarded_at=timezone.now(), forward_error=error[:MAX_ERROR_LENGTH]
    )


def _record_failed(ids: Sequence[UUID], error: str) -> int:
    return Statement.objects.filter(id__in=ids, forward_state=ForwardState.PENDING).update(
        forward_attempts=Least(F("forward_attempts") + 1, Value(MAX_ATTEMPTS_FIELD_VALUE)),
        forward_error=error[:MAX_ERROR_LENGTH],
        forwarded_at=None,
    )


def _release(ids: Sequence[UUID]) -> None:
    """Give back a claim on statements this run did not get to send (not a failed attempt)."""
    if ids:
        Statement.objects.filter(id__in=ids, forward_state=ForwardState.PENDING).update(forwarded_at=None)


class _BatchSender:
    """Sends one claimed batch, bisecting refused batches, recording each outcome as it is known."""

    def __init__(self, client: LRSClient, report: ForwardingReport, deadline: float) -> None:
        self.client = client
        self.report = report
        self.deadline = deadline
        self.failed = False

    def send(self, batch: list[tuple[UUID, dict[str, Any]]]) -> None:
        if self.failed or time.monotonic() + request_budget_seconds(self.client.max_attempts) > self.deadline:
            if not self.failed:
                self.report.stopped = self.report.stopped or "the claim's lease was running out"
            _release([pk for pk, _ in batch])
            return
        ids = [pk for pk, _ in batch]
        answer = self.client.post_statements([outgoing(data) for _, data in batch])
        if answer.verdict is Verdict.ACCEPTED:
            self.report.delivered += _record_delivered(ids)
        elif answer.verdict is Verdict.FAILED:
            self.failed = True
            self.report.last_error = answer.describe()
            self.report.failed += _record_failed(ids, answer.describe())
            self.report.stopped = f"the LRS failed: {answer.describe()}"
            logger.warning("Forwarding %d statements failed: %s", len(ids), answer.describe())
        elif len(batch) == 1:
            if answer.verdict is Verdict.CONFLICT:
                # The LRS already holds a statement with this id; ids are deterministic, so it is ours.
                note = f"The LRS already holds a statement with this id ({answer.describe()})"
                self.report.delivered += _record_delivered(ids, note=note)
                logger.info("Statement %s conflicts downstream; counted as delivered", ids[0])
            else:
                self.report.last_error = answer.describe()
                if _record_rejected(ids[0], answer.describe()):
                    self.report.rejected += 1
                    self.report.rejected_ids.append(ids[0])
                logger.warning("The LRS rejected statement %s: %s", ids[0], answer.describe())
        else:
            middle = len(batch) // 2
            self.send(batch[:middle])
            self.send(batch[middle:])


def forward_pending(
    *,
    limit: int | None = None,
    batch_size: int | None = None,
    max_attempts: int | None = None,
    client: LRSClient | None = None,
) -> ForwardingReport:
    """Send pending statements to the external LRS, oldest first, until none are left (or `limit`).

    Idempotent and safe to run concurrently (see the module docstring). Holds no transaction while
    sending. Stops at the first batch the LRS fails on (down, timing out, refusing our credentials):
    that batch stays pending with `forward_attempts` incremented and `forward_error` set, and the
    report says why. Never raises for LRS trouble; database errors propagate.
    """
    report = ForwardingReport()
    if not forwarding_enabled():
        report.stopped = "forwarding is not configured (XAPI_LRS_ENDPOINT is empty)"
        return report
    batch_size = max(1, int(batch_size or settings.XAPI_FORWARD_BATCH_SIZE))
    own_client = client is None
    client = client or LRSClient(max_attempts=max_attempts)
    try:
        remaining = limit
        while remaining is None or remaining > 0:
            size = batch_size if remaining is None else min(batch_size, remaining)
            batch = claim_batch(size=size)
            if not batch:
                break
            report.batches += 1
            sender = _BatchSender(client, report, deadline=time.monotonic() + lease_seconds() * 0.9)
            sender.send(batch)
            if remaining is not None:
                remaining -= len(batch)
            if sender.failed or report.stopped:
                break
    finally:
        report.requests = client.requests_made
        if own_client:
            client.close()
    logger.info("Forwarding run: %s", report.as_dict())
    return report


def reset_rejected() -> int:
    """Put every REJECTED statement back to PENDING (after fixing the LRS or the statements)."""
    return Statement.objects.filter(forward_state=ForwardState.REJECTED).update(
        forward_state=ForwardState.PENDING, forward_attempts=0, forward_error="", forwarded_at=None
    )


# --- Triggers --------------------------------------------------------------------------------------------


def forward_after_commit() -> None:
    """After a commit that stored statements (`insights.after_commit`): enqueue one forwarding run, or forward inline.

    With a broker (CELERY_BROKER_URL), the task is queued and a worker drains the backlog. Without
    one, tasks are eager and this runs inline in the request that committed, so it is kept short:
    one batch, one attempt, and no attempt at all for a while after the LRS just failed (statements
    stay pending; the next commit, `forward_statements` or the sweep sends them). Never raises:
    forwarding trouble must not break the user's request, which has already committed.
    """
    if not forwarding_enabled():
        return
    from .tasks import forward_pending_statements

    try:
        if forward_pending_statements.app.conf.task_always_eager:
            if cache.get(INLINE_PAUSE_CACHE_KEY):
                return
            report = forward_pending_statements(limit=settings.XAPI_FORWARD_BATCH_SIZE, max_attempts=1)
            if report and report.get("failed"):
                cache.set(INLINE_PAUSE_CACHE_KEY, True, timeout=int(_setting("XAPI_FORWARD_INLINE_PAUSE_SECONDS", 60)))
        else:
            forward_pending_statements.delay()
    except Exception:  # noqa: BLE001 — the user's action committed; forwarding catches up later
        logger.exception("Could not start forwarding after commit; statements stay pending")


# --- Reads for the admin and the command -----------------------------------------------------------------


@dataclass(frozen=True)
class Backlog:
    configured: bool
    endpoint: str
    pending: int
    rejected: int | None
    delivered: int | None
    oldest_pending: datetime | None
    last_error: str


def forwarding_backlog(*, with_totals: bool = True) -> Backlog:
    """Counts for the admin and `forward_statements`. No permission check: callers restrict it to analysts.

    Pending figures read the partial index on pending rows. `with_totals` adds the delivered and
    rejected counts, which scan the table: the admin page and the command ask for them, the admin
    dashboard panel does not. The last error is the current trouble if there is one (the newest
    pending statement with an error), else the latest rejection.
    """
    pending_rows = Statement.objects.filter(forward_state=ForwardState.PENDING)
    oldest = pending_rows.order_by("stored", "id").values_list("stored", flat=True).first()
    rejected = delivered = None
    if with_totals:
        counts = dict(Statement.objects.order_by().values_list("forward_state").annotate(n=Count("id")))
        pending = counts.get(ForwardState.PENDING, 0)
        rejected = counts.get(ForwardState.REJECTED, 0)
        delivered = counts.get(ForwardState.DELIVERED, 0)
    else:
        pending = pending_rows.count()
    last_error = (
        pending_rows.exclude(forward_error="")
        .order_by("-stored", "-id")
        .values_list("forward_error", flat=True)
        .first()
    )
    if last_error is None and with_totals:
        last_error = (
            Statement.objects.filter(forward_state=ForwardState.REJECTED)
            .order_by("-forwarded_at", "-id")
            .values_list("forward_error", flat=True)
            .first()
        )
    return Backlog(
        configured=forwarding_enabled(),
        endpoint=settings.XAPI_LRS_ENDPOINT,
        pending=pending,
        rejected=rejected,
        delivered=delivered,
        oldest_pending=oldest,
        last_error=last_error or "",
    )


def recent_rejections(*, limit: int = 20) -> list[Statement]:
    return list(
        Statement.objects.filter(forward_state=ForwardState.REJECTED)
        .order_by("-forwarded_at", "-id")
        .only("id", "verb", "object_id", "stored", "forwarded_at", "forward_error")[:limit]
    )
