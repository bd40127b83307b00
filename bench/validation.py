"""Statement validation throughput: statements/s and µs per statement for `validate_statement`.

Validation runs on every statement Guild records and on every statement an external producer POSTs
to the embedded LRS, so it must stay far below 0.1 ms for a typical statement. Prints numbers for a
typical Guild statement (an `answered` with a full cmi.interaction definition, parent and grouping),
the spec's long example (Group team, instructor, extensions, 1.0.3 single-activity contextActivities),
a SubStatement, and an invalid statement (rejection cost).

    python bench/validation.py [N]
"""

from __future__ import annotations

import contextlib
import copy
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from insights.xapi.validation import StatementValidationError, validate_statement  # noqa: E402
from tests.insights.test_validation import LONG_EXAMPLE as SPEC_LONG_EXAMPLE  # noqa: E402

SITE = "https://guild.example.com"
ACTIVITY = f"{SITE}/xapi/activities"


def _definition(name: str, kind: str) -> dict:
    return {
        "name": {"en": name},
        "description": {"en": "What this covers."},
        "type": f"http://adlnet.gov/expapi/activities/{kind}",
    }


GUILD_ANSWERED = {
    "id": "ea4c28d6-38f9-51ee-9672-f1c9610328af",
    "actor": {"objectType": "Agent", "account": {"homePage": SITE, "name": "153719b6-48b4-4a9f-ac35-964de3153c09"}},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en": "answered"}},
    "object": {
        "id": f"{ACTIVITY}/question/d708ff0a-3d77-487d-b3e4-0fddaf25c9f4",
        "objectType": "Activity",
        "definition": {
            "name": {"en": "Which option is right?"},
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "interactionType": "choice",
            "correctResponsesPattern": ["b"],
            "choices": [{"id": c, "description": {"en": f"Option {c}"}} for c in "abc"],
        },
    },
    "result": {"score": {"scaled": 1.0, "raw": 1.0, "min": 0.0, "max": 1.0}, "success": True, "response": "b"},
    "context": {
        "registration": "806e9040-0631-4109-915d-ac97b3c20349",
        "contextActivities": {
            "category": [{"id": f"{SITE}/xapi/profile/v1.0", "objectType": "Activity"}],
            "parent": [
                {
                    "id": f"{ACTIVITY}/lesson/f0d50bf5-9308-4f66-9740-58a0824124a9",
                    "objectType": "Activity",
                    "definition": _definition("Lesson 1", "lesson"),
                }
            ],
            "grouping": [
                {
                    "id": f"{ACTIVITY}/course/b2e7fade-18a1-48c6-8bc6-c21fe294ecaf",
                    "objectType": "Activity",
                    "definition": _definition("Writing for the web", "course"),
                }
            ],
        },
        "platform": "Guild",
        "language": "en",
    },
    "timestamp": "2026-11-23T18:17:18.176Z",
    "stored": "2026-11-23T18:17:18.190Z",
    "authority": {"objectType": "Agent", "account": {"homePage": SITE, "name": "guild"}},
    "version": "1.0.0",
}


SUBSTATEMENT = {
    "actor": {"objectType": "Agent", "mbox": "mailto:test@example.com"},
    "verb": {"id": "http://example.com/planned", "display": {"en-US": "planned"}},
    "object": {
        "objectType": "SubStatement",
        "actor": {"objectType": "Agent", "mbox": "mailto:test@example.com"},
        "verb": {"id": "http://example.com/visited", "display": {"en-US": "will visit"}},
        "object": {"objectType": "Activity", "id": "http://example.com/website"},
    },
}

INVALID = copy.deepcopy(GUILD_ANSWERED)
INVALID["object"]["definition"]["interactionType"] = "foo"


def measure(name: str, statement: dict, calls: int) -> None:
    """Best of 5 runs, as wall time and as this process's CPU time (the latter ignores time spent
    descheduled, so it stays meaningful on a busy machine)."""

    def run(clock) -> float:
        start = clock()
        for _ in range(calls):
            with contextlib.suppress(StatementValidationError):
                validate_statement(statement)
        return (clock() - start) / calls

    wall = min(run(time.perf_counter) for _ in range(5))
    cpu = min(run(time.process_time) for _ in range(5))
    print(f"{name:<38} {1 / wall:>10,.0f} statements/s  {wall * 1e6:7.1f} µs wall  {cpu * 1e6:7.1f} µs CPU")


def main(calls: int) -> None:
    print(f"validate_statement, best of 5 runs × {calls} calls (xAPI 1.0.3 rules)")
    measure("typical Guild statement (answered)", GUILD_ANSWERED, calls)
    measure("spec long example", SPEC_LONG_EXAMPLE, calls)
    measure("SubStatement", SUBSTATEMENT, calls)
    measure("invalid (rejected at interactionType)", INVALID, calls)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
