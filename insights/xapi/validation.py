"""Strict validation of statements against the xAPI 1.0.3 data rules (2.0 where it differs)."""

from __future__ import annotations

from typing import Any


class StatementValidationError(ValueError):
    """A statement breaks the xAPI rules; `reason` says which, for a 400 body or a log line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def validate_statement(data: dict[str, Any]) -> None:
    for required in ("actor", "verb", "object"):
        if required not in data:
            raise StatementValidationError(f"statement is missing '{required}'")
