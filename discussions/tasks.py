"""Celery tasks for discussions. Tasks take ids, load, and call one service (DESIGN.md §2 rule 5)."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def discussion_fan_out(event: str, post_id: int, actor_id: int) -> int:
    """Notify subscribers and mentioned people about a post (enqueued on commit by the posting service).

    Idempotent: notifications are unique per event and person, e-mails go once (`emailed_at`).
    """
    from .services import notifications_fan_out

    return notifications_fan_out(event=event, post_id=post_id, actor_id=actor_id)


@shared_task(ignore_result=True)
def send_daily_digests() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): one digest e-mail per person on the daily digest with news.

    Each person's digest is its own transaction, so one bad address does not hold up the rest.
    """
    from accounts.models import User

    from .services import digest_recipients, digest_send

    sent = 0
    for user in User.objects.filter(pk__in=digest_recipients()).order_by("pk"):
        try:
            sent += bool(digest_send(user=user))
        except Exception:  # noqa: BLE001  (an SMTP failure for one person must not stop the others)
            logger.exception("Digest for user %s failed", user.pk)
    return sent


@shared_task(ignore_result=True)
def route_unanswered_questions() -> dict[str, int]:
    """Periodic (CELERY_BEAT_SCHEDULE): route questions left unanswered to people who may know. Idempotent."""
    from .services import questions_route_due

    return questions_route_due().as_dict()
