"""Agent identity: the one inverse functional identifier (IFI) that names an agent, as a string key."""

from __future__ import annotations

from typing import Any


def agent_key(agent: dict[str, Any]) -> str:
    """A stable string for an Agent/Group's IFI, used to index and filter statements by actor.

    Exactly one IFI is allowed on a valid agent; an anonymous group (no IFI) gets an empty key.
    """
    if "mbox" in agent:
        return f"mbox:{agent['mbox'].lower()}"
    if "mbox_sha1sum" in agent:
        return f"mbox_sha1sum:{agent['mbox_sha1sum'].lower()}"
    if "openid" in agent:
        return f"openid:{agent['openid']}"
    account = agent.get("account")
    if isinstance(account, dict):
        return f"account:{account.get('homePage', '')}|{account.get('name', '')}"
    return ""
