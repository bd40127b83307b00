"""Every statement Guild produces is valid xAPI, by our validator and by independent ones.

The producers in `statement_producers.py` drive every service that records statements today; the
stored statements (with `stored`, `authority` and `version`, as an LRS or export would see them)
must pass our validator under 1.0.3 and 2.0, and two validators we did not write:
- Learning Locker's `@learninglocker/xapi-validation` (npm, conformance-tested as part of Learning
  Locker), installed into tests/insights/xapi_validator by `make xapi-validator`;
- Ralph's pydantic model `BaseXapiStatement` (PyPI `ralph-malph`), in the `.venv-ralph` that
  `make ralph` builds.
Outside CI a missing validator skips its test with the command to install it; under CI it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from courses import services as course_services
from courses.models import Enrolment
from insights import services as insight_services
from insights.models import Statement
from insights.xapi import vocabulary as xapi
from insights.xapi.validation import StatementValidationError, validate_statement
from tests.insights.statement_producers import PRODUCERS, Producer, World, make_world, recording_functions

pytestmark = pytest.mark.django_db

VALIDATOR_DIR = Path(__file__).resolve().parent / "xapi_validator"
RALPH_PYTHON = Path(settings.BASE_DIR) / ".venv-ralph" / "bin" / "python"
# DESIGN.md §4: UTC timestamps with milliseconds and `Z`.
PROFILE_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


@pytest.fixture
def world() -> World:
    return make_world()


def run_producer(producer: Producer, world: World) -> list[dict[str, Any]]:
    """Run one producer; return the statements it stored, as stored."""
    before = set(Statement.objects.values_list("id", flat=True))
    producer.run(world)
    new = Statement.objects.exclude(id__in=before).order_by("stored", "timestamp", "id")
    return [row.data for row in new]


@pytest.fixture
def produced(world) -> list[tuple[str, dict[str, Any]]]:
    """(producer name, stored statement) for every producer, run one after the other."""
    return [(producer.name, data) for producer in PRODUCERS for data in run_producer(producer, world)]


def label(name: str, data: dict[str, Any]) -> str:
    return f"{name} → {data.get('verb', {}).get('id')} {data.get('id')}"


# --- the registry covers everything ----------------------------------------------------------------


def test_every_recording_function_has_a_producer():
    covered = {name for producer in PRODUCERS for name in producer.covers}
    missing = recording_functions() - covered
    assert not missing, f"add a producer to tests/insights/statement_producers.py for: {sorted(missing)}"


def test_the_registry_finds_todays_recording_functions():
    assert {
        "courses.services.enrolment_create",
        "courses.services.enrolment_cancel",
        "courses.services.lesson_view",
        "courses.services.knowledge_check_answer",
        "courses.services.lesson_complete",
        "insights.services.publication_record",
        "insights.signals.record_publication",
    } <= recording_functions()


@pytest.mark.parametrize("producer", PRODUCERS, ids=lambda p: p.name)
def test_each_producer_records_its_verbs_validly(producer, world):
    statements = run_producer(producer, world)

    assert statements, f"{producer.name} recorded nothing"
    assert set(producer.verbs) <= {data["verb"]["id"] for data in statements}
    for data in statements:
        validate_statement(data, version="1.0.3")
        validate_statement(data, version="2.0.0")


def test_course_completion_is_among_the_statements(world):
    producer = next(p for p in PRODUCERS if p.name == "complete a course")
    statements = run_producer(producer, world)
    completed = [d["object"]["id"] for d in statements if d["verb"]["id"] == xapi.COMPLETED.iri]
    assert world.course.xapi_activity().iri in completed
    assert len(completed) == len(world.lessons) + 1


def test_produced_statements_follow_guilds_profile(produced):
    """DESIGN.md §4: valid under 1.0.3 and 2.0 as produced, UTC milliseconds, arrays in contextActivities."""
    for name, data in produced:
        as_produced = {k: v for k, v in data.items() if k not in ("stored", "authority", "version")}
        assert "version" not in as_produced
        assert PROFILE_TIMESTAMP.fullmatch(data["timestamp"]), label(name, data)
        assert PROFILE_TIMESTAMP.fullmatch(data["stored"]), label(name, data)
        context = data.get("context", {})
        assert "contextAgents" not in context
        assert "contextGroups" not in context
        assert all(isinstance(v, list) for v in context.get("contextActivities", {}).values()), label(name, data)
        assert set(data["actor"]) == {"objectType", "account"}, label(name, data)


# --- independent validators ------------------------------------------------------------------------


def _missing(what: str, command: str) -> None:
    message = f"{what} is not installed: run `{command}` from the repository root"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _run_validator(command: list[str], statements: list[dict[str, Any]]) -> list[list[str]]:
    completed = subprocess.run(  # noqa: S603  (fixed command, our own files)
        command, input=json.dumps(statements), capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)
    assert len(results) == len(statements)
    return results


def _assert_all_valid(produced: list[tuple[str, dict[str, Any]]], results: list[list[str]], who: str) -> None:
    failures = [
        f"{label(name, data)}:\n    " + "\n    ".join(problems)
        for (name, data), problems in zip(produced, results, strict=True)
        if problems
    ]
    assert not failures, f"{who} rejects {len(failures)} statement(s):\n" + "\n".join(failures)


def test_produced_statements_pass_learning_lockers_validator(produced):
    node = shutil.which("node")
    if node is None or not (VALIDATOR_DIR / "node_modules" / "@learninglocker" / "xapi-validation").is_dir():
        _missing("Learning Locker's xapi-validation (npm)", "make xapi-validator")
    assert len(produced) >= len(PRODUCERS)
    results = _run_validator([node, str(VALIDATOR_DIR / "validate.js")], [data for _, data in produced])
    _assert_all_valid(produced, results, "@learninglocker/xapi-validation")


def test_produced_statements_pass_ralphs_validator(produced):
    if not RALPH_PYTHON.exists():
        _missing("Ralph (ralph-malph)", "make ralph")
    results = _run_validator(
        [str(RALPH_PYTHON), str(VALIDATOR_DIR / "ralph_validate.py")], [data for _, data in produced]
    )
    _assert_all_valid(produced, results, "Ralph's BaseXapiStatement")


def test_the_independent_validators_do_reject_invalid_statements(world):
    """Guards the checks above against a validator that passes everything (wrong install, wrong entry point)."""
    bad = [
        {"actor": {"mbox": "bob@example.com"}, "verb": {"id": "http://example.com/v"}, "object": {"id": "x"}},
        {
            "actor": {"mbox": "mailto:bob@example.com"},
            "verb": {"id": "http://example.com/v"},
            "object": {"id": "http://example.com/a", "colour": "red"},
        },
    ]
    checked = 0
    node = shutil.which("node")
    if node and (VALIDATOR_DIR / "node_modules" / "@learninglocker" / "xapi-validation").is_dir():
        assert all(_run_validator([node, str(VALIDATOR_DIR / "validate.js")], bad))
        checked += 1
    if RALPH_PYTHON.exists():
        assert all(_run_validator([str(RALPH_PYTHON), str(VALIDATOR_DIR / "ralph_validate.py")], bad))
        checked += 1
    if not checked:
        _missing("the independent validators", "make xapi-validator ralph")


# --- a bug that builds an invalid statement ----------------------------------------------------------


def _broken_builder(**kwargs) -> dict[str, Any]:
    """What a bug in the builder might return: a statement whose object has no id."""
    return {
        "id": "6fb1e6a4-5b3b-4c41-9a3c-1f4f3c8e2b10",
        "actor": {"objectType": "Agent", "account": {"homePage": "http://testserver", "name": "x"}},
        "verb": {"id": xapi.REGISTERED.iri, "display": {"en": "registered"}},
        "object": {"objectType": "Activity", "definition": {"name": {"en": "No id"}}},
        "timestamp": "2025-03-03T09:00:00.000Z",
    }


def test_statement_record_refuses_an_invalid_statement_and_stores_nothing(monkeypatch, learner, course):
    monkeypatch.setattr(insight_services, "build_statement", _broken_builder)

    with pytest.raises(StatementValidationError, match=r"^object: an Activity needs 'id'"):
        insight_services.statement_record(actor=learner, verb=xapi.REGISTERED, object=course.xapi_activity())

    assert not Statement.objects.exists()


def test_an_invalid_statement_rolls_back_the_service_that_recorded_it(monkeypatch, learner, course):
    monkeypatch.setattr(insight_services, "build_statement", _broken_builder)

    with pytest.raises(StatementValidationError):
        course_services.enrolment_create(user=learner, course=course)

    assert not Enrolment.objects.exists()
    assert not Statement.objects.exists()

    monkeypatch.undo()  # the same call with the real builder works: the failure was the statement
    course_services.enrolment_create(user=learner, course=course)
    assert Enrolment.objects.count() == 1
    assert Statement.objects.count() == 1
