"""What follows a commit that stored statements, whoever stored them (Guild's services or the LRS).

One hook per transaction, however many statements it stored, runs the store's downstream work:
the dashboards' aggregates and the expert finder's scores catch up (each debounced), and the
external LRS gets its copy. Each step is its own never-raising call: the user's action has
already committed, and the periodic sweeps catch up on anything a step misses.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction


def schedule() -> None:
    """Ask for `statements_committed` once when the current transaction commits.

    Called for every statement stored; a hook is registered only if the transaction has none yet.
    One is enough wherever it was registered: Django drops the hooks of a savepoint that rolls back,
    and a savepoint still open around an earlier hook is open around us too, so any hook still queued
    runs exactly when our statement commits.

    Test cases wrap each test in atomic blocks that never commit, where hooks pile up across service
    calls; there "the transaction" is the outermost block the test did not open, so each service call
    still gets its hook (and `django_capture_on_commit_callbacks` sees it).
    """
    conn = transaction.get_connection()
    if conn.in_atomic_block:
        real_transaction, root_savepoint = _transaction_root(conn)
        for savepoint_ids, func, _robust in conn.run_on_commit:
            if func is statements_committed and (
                real_transaction or (root_savepoint is not None and root_savepoint in savepoint_ids)
            ):
                return
    transaction.on_commit(statements_committed, robust=True)


def _transaction_root(conn: Any) -> tuple[bool, str | None]:
    """(True, None) inside a real transaction; inside a test case, (False, the savepoint of the outermost
    atomic block the test case did not open). Uses Django's `atomic_blocks` and `_from_testcase`."""
    for index, block in enumerate(getattr(conn, "atomic_blocks", [])):
        if not getattr(block, "_from_testcase", False):
            return index == 0, (conn.savepoint_ids[index - 1] if index else None)
    return False, None


def statements_committed() -> None:
    """The downstream work of one committed transaction that stored statements."""
    from . import experts, forwarding
    from .dashboards.tasks import schedule_fill

    schedule_fill()
    experts.schedule_refresh()
    forwarding.forward_after_commit()
