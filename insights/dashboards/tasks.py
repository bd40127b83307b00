"""Celery tasks that keep the dashboard aggregates current. Registered through insights/tasks.py."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

DEBOUNCE_CACHE_KEY = "insights:aggregates-fill-scheduled"
INLINE_LIMIT = 5_000


@shared_task(ignore_result=True)
def fill_insights(limit: int | None = None) -> dict[str, Any]:
    """Fold every statement stored since the high-water mark into the aggregates (beat tick and debounced run).

    Safe to run concurrently and to re-run: batches serialise on the mark's row lock and each moves
    the mark in the transaction that writes its counts.
    """
    from .services import aggregates_fill

    cache.delete(DEBOUNCE_CACHE_KEY)
    return aggregates_fill(limit=limit).as_dict()


def schedule_fill() -> None:
    """After a commit that stored statements: at most one fill per debounce window, never raising.

    With a broker the task is queued to run once the window (and the fill's lag) has passed, so a
    burst of commits becomes one fill. Without one (tasks run inline) a short, bounded fill runs in
    the request at most once per window; the beat tick or `fill_insights` does any remainder.
    """
    if not getattr(settings, "INSIGHTS_FILL_ON_COMMIT", True):
        return
    window = int(getattr(settings, "INSIGHTS_FILL_DEBOUNCE_SECONDS", 10))
    try:
        if not cache.add(DEBOUNCE_CACHE_KEY, True, timeout=window):
            return
        if fill_insights.app.conf.task_always_eager:
            fill_insights(limit=INLINE_LIMIT)
            cache.set(DEBOUNCE_CACHE_KEY, True, timeout=window)
        else:
            lag = int(getattr(settings, "INSIGHTS_FILL_LAG_SECONDS", 5))
            fill_insights.apply_async(countdown=window + lag)
    except Exception:  # noqa: BLE001 — the user's action committed; the beat tick catches up
        logger.exception("Could not schedule the insights fill after commit")
