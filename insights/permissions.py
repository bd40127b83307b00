"""Who may see what the store holds in bulk."""

from __future__ import annotations

from typing import Any

ANALYSTS_GROUP = "Analysts"


def is_analyst(user: Any) -> bool:
    """Analysts and superusers: exports, forwarding and LRS credentials expose every learner's
    (pseudonymous) activity, so no other role gets them."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=ANALYSTS_GROUP).exists()
