"""Forwarding statements to an external LRS (downstream copy)."""

from __future__ import annotations

from django.conf import settings


def forwarding_enabled() -> bool:
    return bool(settings.XAPI_LRS_ENDPOINT)


def schedule_after_commit() -> None:
    """Called on commit after statements are stored."""
    if not forwarding_enabled():
        return
