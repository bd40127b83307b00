"""Celery tasks for the Statement store. Tasks take ids or limits, load, and call one service."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from . import forwarding


@shared_task(ignore_result=True)
def forward_pending_statements(limit: int | None = None, max_attempts: int | None = None) -> dict[str, Any]:
    """Forward pending statements to the external LRS (enqueued once per committing transaction).

    Safe to run many at once and to re-run: workers claim disjoint batches and delivery is recorded
    per statement (see `insights.forwarding`). Never raises for LRS trouble, so Celery does not
    retry it: statements that could not be sent stay pending for the next run or the sweep.
    """
    return forwarding.forward_pending(limit=limit, max_attempts=max_attempts).as_dict()


@shared_task(ignore_result=True)
def forward_statements_sweep() -> dict[str, Any]:
    """Periodic (CELERY_BEAT_SCHEDULE): send whatever is still pending after outages or lost enqueues."""
    return forwarding.forward_pending().as_dict()


@shared_task(ignore_result=True)
def expertise_refresh_task(full: bool = False) -> dict[str, Any]:
    """Recompute "who knows this" for courses with new statements (queued on commit, debounced; and beat).

    Idempotent and incremental (see `insights.experts.expertise_refresh`); `full` redoes everything.
    """
    from .experts import expertise_refresh

    return expertise_refresh(full=full).as_dict()


from .dashboards.tasks import fill_insights  # noqa: E402,F401  (registers the dashboards' task with Celery)
