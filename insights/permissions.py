"""Who may see what the store holds in bulk."""

from __future__ import annotations

from typing import Any

ANALYSTS_GROUP = "Analysts"


def is_analyst(user: Any) -> bool:
    """Analysts and superusers: exports, forwarding and LRS credentials expose every learner's
    (pseudonymous) activity, so no other role gets them."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_insights_is_analyst", None)  # asked by every admin menu item on every admin page
    if cached is None:
        cached = user._insights_is_analyst = user.groups.filter(name=ANALYSTS_GROUP).exists()
    return cached
