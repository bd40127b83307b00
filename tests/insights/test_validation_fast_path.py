"""The validator's fast path (`_fast_statement`) against its reference path (`_statement`).

The fast path may only say "certainly valid" (then `validate_statement` returns at once) or "ask the
reference path"; it must never accept a statement the reference path refuses. Checked on the table
cases of test_validation.py and on random mutations of the common shapes it is written for, with
values chosen to sit just beside each of its checks. It must also really take the common shapes,
or it would be dead weight.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.xapi.validation import (
    StatementValidationError,
    _fast_statement,
    _statement,
    _timestamp,
    _timestamp_general,
    validate_statement,
)

from .test_validation import DELETE, INVALID, JSON, NEAR_MISSES, SIMPLE, VALID, mutate, mutate_at_random

BENCH_LIKE = {
    "id": "2f8a7f8e-7d0b-4c57-9a4e-0d1f4f0b2b61",
    "actor": {"objectType": "Agent", "mbox": "mailto:learner7@example.com", "name": "Learner 7"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
    "object": {
        "objectType": "Activity",
        "id": "https://content.example.com/activities/12",
        "definition": {"type": "http://adlnet.gov/expapi/activities/lesson", "name": {"en-US": "Lesson 12"}},
    },
    "result": {
        "score": {"raw": 7, "min": 0, "max": 10, "scaled": 0.7},
        "success": True,
        "completion": True,
        "duration": "PT42S",
        "response": "b",
        "extensions": {"http://example.com/ext": None},
    },
    "context": {
        "registration": "9d3c1f57-0f1e-4a43-9d39-6a4f0fbbd7a2",
        "platform": "bench",
        "language": "en-GB",
        "instructor": {"account": {"homePage": "https://sso.example.com", "name": "t1"}},
        "statement": {"objectType": "StatementRef", "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"},
        "contextActivities": {
            "parent": [{"id": "https://content.example.com/courses/12"}],
            "grouping": [{"id": "https://content.example.com/programmes/2", "objectType": "Activity"}],
        },
        "extensions": {"http://example.com/context": {"a": [1, 2]}},
    },
    "timestamp": "2026-03-04T05:06:07.089Z",
    "version": "1.0.3",
}
ACCOUNT_ACTOR = mutate(BENCH_LIKE, {"actor": {"account": {"homePage": "https://sso.example.com", "name": "u8"}}})
AGENT_OBJECT = mutate(
    BENCH_LIKE, {"object": {"objectType": "Agent", "mbox": "mailto:bob@example.com"}, "context.platform": DELETE}
)
STATEMENT_REF = mutate(SIMPLE, {"object": {"objectType": "StatementRef", "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"}})
VOIDING = mutate(STATEMENT_REF, {"verb": {"id": "http://adlnet.gov/expapi/verbs/voided"}})
COMMON = {
    "simple": SIMPLE,
    "bench-like": BENCH_LIKE,
    "account actor": ACCOUNT_ACTOR,
    "agent object": AGENT_OBJECT,
    "statement ref": STATEMENT_REF,
    "voiding": VOIDING,
    "no id, no timestamp": mutate(SIMPLE, {"id": DELETE, "timestamp": DELETE}),
}


def fast_accepts(data: Any, v2: bool) -> bool:
    """The fast path's answer; a shared check raising means "ask the reference path", as in validate_statement."""
    try:
        return _fast_statement(data, v2)
    except StatementValidationError:
        return False


def agrees(data: Any, version: str) -> None:
    """If the fast path accepts `data`, the reference path accepts it too."""
    v2 = version.startswith("2.")
    if fast_accepts(data, v2):
        _statement(data, "", v2=v2, sub=False)  # raises (fails the test) if the fast path was wrong


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
@pytest.mark.parametrize("statement", COMMON.values(), ids=COMMON.keys())
def test_the_fast_path_takes_the_common_shapes(statement, version):
    data = copy.deepcopy(statement)
    if version == "2.0.0":
        data.pop("version", None)
    assert fast_accepts(data, version == "2.0.0")
    agrees(data, version)


def test_the_fast_path_leaves_single_context_activities_to_the_reference_under_2_0():
    single = mutate(BENCH_LIKE, {"context.contextActivities.parent": {"id": "http://e.com/p"}})
    assert fast_accepts(single, False)
    assert not fast_accepts(single, True)
    with pytest.raises(StatementValidationError):
        validate_statement(single, version="2.0.0")


@pytest.mark.parametrize("statement", VALID.values(), ids=VALID.keys())
def test_the_fast_path_agrees_on_every_valid_table_case(statement):
    agrees(statement, "1.0.3")


@pytest.mark.parametrize(("base", "changes", "path", "version"), INVALID)
def test_the_fast_path_refuses_every_invalid_table_case(base, changes, path, version):
    data = mutate(base, changes)
    assert not fast_accepts(data, version.startswith("2."))


# Values beside the fast path's own checks: near-numbers, near-booleans, near-IRIs, near-mboxes, near-UUIDs.
BESIDE = st.sampled_from(
    [
        True,
        False,
        0,
        1,
        -1,
        2,
        0.5,
        1.5,
        -1.5,
        10,
        11,
        float("inf"),
        float("nan"),
        "1",
        "true",
        None,
        "en-US",
        "en_US",
        "mailto:a@b",
        "mailto:a@b.c",
        "MAILTO:a@b.c",
        "http://e.com/a b",
        "http://e.com/%zz",
        "urn:x",
        "no-scheme",
        "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
        "fd41c918b88b4b20a0a5a4c32391aaa0",
        "PT1.5H30M",
        "2013-02-30T05:32:34Z",
        "2008-09-15T15:53:00.601-00:00",
        "StatementRef",
        "Agent",
        "Group",
        "Activity",
        "2.0.0",
        "1.0",
        {"en-US": 1},
        {"en-US": "x"},
        {"": "x"},
        {"homePage": "http://e.com", "name": "n"},
        {"homePage": "http://e.com", "name": 1},
        {"homePage": "not an iri", "name": "n"},
        {"homePage": "http://e.com"},
        {"objectType": "StatementRef", "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"},
        {"objectType": "StatementRef", "uuid": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"},
        [],
        [{"id": "http://e.com/x"}],
        [{"id": "http://e.com/x", "objectType": "Agent"}],
        {"id": "http://e.com/x"},
    ]
)
FAST_SEEDS = [*COMMON.values(), ACCOUNT_ACTOR, mutate(BENCH_LIKE, {"version": "2.0.0"})]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draw=st.data(), version=st.sampled_from(["1.0.3", "2.0.0"]))
def test_the_fast_path_never_accepts_what_the_reference_refuses(draw, version):
    statement = copy.deepcopy(draw.draw(st.sampled_from(FAST_SEEDS)))
    mutate_at_random(
        draw,
        statement,
        {"beside": BESIDE, "near miss": NEAR_MISSES, "replace": JSON},
        new_key=st.sampled_from(["objectType", "id", "name", "mbox", "openid", "team", "x", "stored"]),
        new_value=BESIDE,
        weights=["beside", "beside", "near miss", "replace", "delete", "add key"],
    )
    agrees(statement, version)


def _timestamp_outcome(check, value: str) -> str:
    try:
        check(value, "timestamp")
    except StatementValidationError as error:
        return error.reason
    return "valid"


@settings(max_examples=3000, deadline=None)
@given(
    value=st.one_of(
        st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z\Z"),
        # Near the edges of real dates: month 00/13, day 00/29-32, hour 23/24, minute and second 59/60, year 0000.
        st.builds(
            "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format,
            st.sampled_from([0, 1, 1900, 2000, 2024, 2026, 9999]),
            st.integers(0, 13),
            st.integers(0, 32),
            st.integers(22, 25),
            st.integers(58, 61),
            st.integers(58, 61),
        ),
    )
)
def test_the_utc_timestamp_shortcut_decides_as_the_general_check(value):
    """`_timestamp` settles the common UTC form with `datetime.fromisoformat`; it must accept and refuse
    exactly what the general check does, reason included."""
    assert _timestamp_outcome(_timestamp, value) == _timestamp_outcome(_timestamp_general, value)


def test_the_utc_timestamp_shortcut_is_taken(monkeypatch):
    """The common form never reaches the general check (else the shortcut is dead weight)."""
    monkeypatch.setattr("insights.xapi.validation._timestamp_general", None)  # calling it would raise
    _timestamp("2026-11-24T10:00:00.123Z", "timestamp")
    with pytest.raises(TypeError):
        _timestamp("2026-11-24T10:00:00.123+01:00", "timestamp")
