"""The statement validator: xAPI 1.0.3 Data rules (and 2.0 where they differ), table-driven.

Valid cases come from the spec's examples (the long example, every interaction type, SubStatement,
Groups, attachments) and the ADL LRS conformance suite's accepted values; invalid cases mirror the
conformance suite's rejections. Every rejection must name the offending path. Property-based tests
check that nothing but `StatementValidationError` ever escapes, whatever the input.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.xapi.validation import StatementValidationError, validate_statement

DELETE = object()  # mutation value: remove the property


def mutate(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of `base` with each dotted path (`a.b[0].c`) set to a value, or removed with DELETE."""
    data = copy.deepcopy(base)
    for path, value in changes.items():
        tokens: list[str | int] = []
        for part in path.split("."):
            name, *indexes = re.split(r"\[(\d+)\]", part)
            if name:
                tokens.append(name)
            tokens.extend(int(index) for index in indexes if index != "")
        target: Any = data
        for token in tokens[:-1]:
            target = target[token]
        if value is DELETE:
            del target[tokens[-1]]
        else:
            target[tokens[-1]] = copy.deepcopy(value)
    return data


def rejection(data: Any, version: str = "1.0.3") -> str:
    with pytest.raises(StatementValidationError) as caught:
        validate_statement(data, version=version)
    return caught.value.reason


# --- valid statements ------------------------------------------------------------------------------

AGENT = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"}
ACCOUNT_AGENT = {"objectType": "Agent", "account": {"homePage": "http://www.example.com", "name": "1625378"}}
ACTIVITY_ID = "http://www.example.com/activities/1"
VERB = {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en-US": "attempted"}}

SIMPLE = {
    "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
    "actor": AGENT,
    "verb": VERB,
    "object": {"objectType": "Activity", "id": ACTIVITY_ID},
    "timestamp": "2015-11-18T12:17:00+00:00",
}

# The spec's "long example" (xAPI-Data.md, Appendix A), with stored/authority/version as an LRS returns it.
LONG_EXAMPLE = {
    "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
    "actor": {
        "name": "Team PB",
        "mbox": "mailto:teampb@example.com",
        "member": [
            {"name": "Andrew Downes", "account": {"homePage": "http://www.example.com", "name": "13936749"}},
            {"name": "Toby Nichols", "openid": "http://toby.openid.example.org/"},
            {"name": "Ena Hills", "mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
        ],
        "objectType": "Group",
    },
    "verb": {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-GB": "attended", "en-US": "attended"}},
    "result": {
        "extensions": {"http://example.com/profiles/meetings/resultextensions/minuteslocation": "X:\\meetings\\m"},
        "success": True,
        "completion": True,
        "response": "We agreed on some example actions.",
        "duration": "PT1H0M0S",
    },
    "context": {
        "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
        "contextActivities": {
            "parent": [{"id": "http://www.example.com/meetings/series/267", "objectType": "Activity"}],
            "category": [
                {
                    "id": "http://www.example.com/meetings/categories/teammeeting",
                    "objectType": "Activity",
                    "definition": {
                        "name": {"en": "team meeting"},
                        "description": {"en": "A category of meeting used for regular team meetings."},
                        "type": "http://example.com/expapi/activities/meetingcategory",
                    },
                }
            ],
            "other": [
                {"id": "http://www.example.com/meetings/occurances/34257", "objectType": "Activity"},
                {"id": "http://www.example.com/meetings/occurances/3425567", "objectType": "Activity"},
            ],
        },
        "instructor": {"name": "Andrew Downes", "account": {"homePage": "http://www.example.com", "name": "13936749"}},
        "team": {"name": "Team PB", "mbox": "mailto:teampb@example.com", "objectType": "Group"},
        "platform": "Example virtual meeting software",
        "language": "tlh",
        "statement": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
    },
    "timestamp": "2013-05-18T05:32:34.804+00:00",
    "stored": "2013-05-18T05:32:34.804+00:00",
    "authority": {"account": {"homePage": "http://cloud.scorm.com/", "name": "anonymous"}, "objectType": "Agent"},
    "version": "1.0.0",
    "object": {
        "id": "http://www.example.com/meetings/occurances/34534",
        "definition": {
            "extensions": {
                "http://example.com/profiles/meetings/activitydefinitionextensions/room": {
                    "name": "Kilby",
                    "id": "http://example.com/rooms/342",
                }
            },
            "name": {"en-GB": "example meeting", "en-US": "example meeting"},
            "description": {"en-GB": "An example meeting.", "en-US": "An example meeting."},
            "type": "http://adlnet.gov/expapi/activities/meeting",
            "moreInfo": "http://virtualmeeting.example.com/345256",
        },
        "objectType": "Activity",
    },
}


def interaction(interaction_type: str, **components: Any) -> dict[str, Any]:
    definition = {
        "description": {"en-US": "A question"},
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
        "interactionType": interaction_type,
        **components,
    }
    return mutate(SIMPLE, {"object.definition": definition})


def components(*ids: str) -> list[dict[str, Any]]:
    return [{"id": component_id, "description": {"en-US": component_id.title()}} for component_id in ids]


# Appendix C of xAPI-Data.md: one example per interaction type.
INTERACTIONS = {
    "true-false": interaction("true-false", correctResponsesPattern=["true"]),
    "choice": interaction(
        "choice", correctResponsesPattern=["golf[,]tetris"], choices=components("golf", "facebook", "tetris")
    ),
    "fill-in": interaction("fill-in", correctResponsesPattern=["Bob's your uncle"]),
    "long-fill-in": interaction("long-fill-in", correctResponsesPattern=["{case_matters=false}{lang=en}To store"]),
    "likert": interaction(
        "likert", correctResponsesPattern=["likert_3"], scale=components("likert_0", "likert_1", "likert_2")
    ),
    "matching": interaction(
        "matching",
        correctResponsesPattern=["ben[.]3[,]chris[.]2[,]troy[.]4[,]freddie[.]1"],
        source=components("ben", "chris", "troy", "freddie"),
        target=components("1", "2", "3", "4"),
    ),
    "performance": interaction(
        "performance",
        correctResponsesPattern=["pong[.]1:[,]dg[.]:10[,]lunch[.]"],
        steps=components("pong", "dg", "lunch"),
    ),
    "sequencing": interaction(
        "sequencing", correctResponsesPattern=["tim[,]mike[,]ells[,]ben"], choices=components("tim", "ben", "ells")
    ),
    "numeric": interaction("numeric", correctResponsesPattern=["4[:]"]),
    "other": interaction("other", correctResponsesPattern=["(35.937432,-86.868896)"]),
    "choice without components": interaction("choice"),
    "no correct responses": interaction("likert", scale=components("a", "b")),
}

SUBSTATEMENT = {
    "actor": {"objectType": "Agent", "mbox": "mailto:test@example.com"},
    "verb": {"id": "http://example.com/planned", "display": {"en-US": "planned"}},
    "object": {
        "objectType": "SubStatement",
        "actor": {"objectType": "Agent", "mbox": "mailto:test@example.com"},
        "verb": {"id": "http://example.com/visited", "display": {"en-US": "will visit"}},
        "object": {
            "objectType": "Activity",
            "id": "http://example.com/website",
            "definition": {"name": {"en-US": "Some Awesome Website"}},
        },
        "result": {"completion": True},
        "context": {"platform": "Browser", "contextActivities": {"parent": [{"id": ACTIVITY_ID}]}},
        "timestamp": "2013-05-18T05:32:34.804Z",
    },
}

VOIDING = {
    "actor": {"objectType": "Agent", "name": "Example Admin", "mbox": "mailto:admin@example.adlnet.gov"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
    "object": {"objectType": "StatementRef", "id": "e05aa883-acaf-40ad-bf54-02c8ce485fb0"},
}

ATTACHMENT = {
    "usageType": "http://example.com/attachment-usage/test",
    "display": {"en-US": "A test attachment"},
    "description": {"en-US": "A test attachment (description)"},
    "contentType": "text/plain; charset=ascii",
    "length": 27,
    "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a",
    "fileUrl": "http://over.there.com/file.txt",
}
SIGNATURE = {
    "usageType": "http://adlnet.gov/expapi/attachments/signature",
    "display": {"en-US": "Signature"},
    "contentType": "application/octet-stream",
    "length": 4235,
    "sha2": "dc9589e454ff375dd5dfd6f556d2583e231e8cafe55ef40102ddd988b79f86f0",
}
TWO_AGENT_AUTHORITY = {
    "objectType": "Group",
    "member": [
        {"account": {"homePage": "http://example.com/xAPI/OAuth/Token", "name": "oauth_consumer_x75db"}},
        {"mbox": "mailto:bob@example.com"},
    ],
}
CONTEXT_AGENTS = {
    "contextAgents": [
        {
            "objectType": "contextAgent",
            "agent": ACCOUNT_AGENT,
            "relevantTypes": ["https://example.com/roles/coach"],
        }
    ],
    "contextGroups": [
        {
            "objectType": "contextGroup",
            "group": {"objectType": "Group", "member": [AGENT]},
            "relevantTypes": ["https://example.com/roles/peers"],
        }
    ],
}

VALID: dict[str, dict[str, Any]] = {
    "simple": SIMPLE,
    "minimal (actor, verb, object only)": {"actor": AGENT, "verb": {"id": VERB["id"]}, "object": {"id": ACTIVITY_ID}},
    "spec long example": LONG_EXAMPLE,
    **{f"interaction {name}": statement for name, statement in INTERACTIONS.items()},
    "SubStatement": SUBSTATEMENT,
    "voiding statement": VOIDING,
    "StatementRef object": mutate(SIMPLE, {"object": {"objectType": "StatementRef", "id": VOIDING["object"]["id"]}}),
    "actor mbox_sha1sum": mutate(SIMPLE, {"actor": {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"}}),
    "actor mbox_sha1sum uppercase": mutate(
        SIMPLE, {"actor": {"mbox_sha1sum": "EBD31E95054C018B10727CCFFD2EF2EC3A016EE9"}}
    ),
    "actor openid": mutate(SIMPLE, {"actor": {"openid": "http://toby.openid.example.org/"}}),
    "actor account": mutate(SIMPLE, {"actor": ACCOUNT_AGENT}),
    "actor without objectType": mutate(SIMPLE, {"actor": {"mbox": "mailto:ada@example.com"}}),
    "mbox with mixed-case address": mutate(SIMPLE, {"actor.mbox": "mailto:Ada.Lovelace@Example.COM"}),
    "mbox with plus and dots": mutate(SIMPLE, {"actor.mbox": "mailto:first.last+xapi@mail.example.co.uk"}),
    "identified Group with members": mutate(SIMPLE, {"actor": LONG_EXAMPLE["actor"]}),
    "identified Group without members": mutate(SIMPLE, {"actor": LONG_EXAMPLE["context"]["team"]}),
    "identified Group with empty members": mutate(
        SIMPLE, {"actor": {"objectType": "Group", "openid": "http://g.example.org/", "member": []}}
    ),
    "anonymous Group": mutate(SIMPLE, {"actor": {"objectType": "Group", "member": [AGENT, ACCOUNT_AGENT]}}),
    "Agent as object": mutate(SIMPLE, {"object": {**ACCOUNT_AGENT}}),
    "Group as object": mutate(SIMPLE, {"object": {"objectType": "Group", "member": [AGENT]}}),
    "Agent object: language allowed without platform": mutate(
        SIMPLE, {"object": ACCOUNT_AGENT, "context": {"language": "en-GB"}}
    ),
    "uppercase UUIDs": mutate(
        SIMPLE,
        {
            "id": "FD41C918-B88B-4B20-A0A5-A4C32391AAA0",
            "context": {"registration": "EC531277-B57B-4C15-8D91-D292C5B2B8F7"},
        },
    ),
    "UUID of another variant": mutate(SIMPLE, {"id": "fd41c918-b88b-4b20-c0a5-a4c32391aaa0"}),
    "attachments metadata": mutate(SIMPLE, {"attachments": [ATTACHMENT, SIGNATURE]}),
    "attachment length as 27.0": mutate(SIMPLE, {"attachments": [{**ATTACHMENT, "length": 27.0}]}),
    "attachment with a SHA-512": mutate(SIMPLE, {"attachments": [{**ATTACHMENT, "sha2": "a" * 128}]}),
    "authority: OAuth two-Agent Group": mutate(SIMPLE, {"authority": TWO_AGENT_AUTHORITY}),
    "instructor Group": mutate(SIMPLE, {"context": {"instructor": LONG_EXAMPLE["actor"]}}),
    "null inside extensions": mutate(
        SIMPLE,
        {
            "result": {"extensions": {"http://example.com/null": None}},
            "context": {"extensions": {"http://example.com/null": None}},
            "object.definition": {"extensions": {"http://example.com/null": None}},
        },
    ),
    "unicode IRIs": mutate(
        SIMPLE,
        {"verb.id": "http://例え.テスト/動詞/見た", "object.id": "urn:uuid:fd41c918-b88b-4b20-a0a5-a4c32391aaa0"},
    ),
    "percent-escaped IRI": mutate(SIMPLE, {"object.id": "http://example.com/a%20b%C3%A9"}),
    "empty result and context objects": mutate(SIMPLE, {"result": {}, "context": {}}),
    "score extremes": mutate(SIMPLE, {"result": {"score": {"scaled": -1, "raw": -5, "min": -5, "max": 5}}}),
    "score only raw": mutate(SIMPLE, {"result": {"score": {"raw": 123456789012345678901234567890}}}),
    "version 1.0.3": mutate(SIMPLE, {"version": "1.0.3"}),
    "version 1.0.0": mutate(SIMPLE, {"version": "1.0.0"}),
    "version 1.0 (conformance XAPI-00101)": mutate(SIMPLE, {"version": "1.0"}),
    "version 1.0.9": mutate(SIMPLE, {"version": "1.0.9"}),
}

VALID_TIMESTAMPS = [
    "2013-05-18T05:32:34.804Z",
    "2013-05-18T05:32:34.804+00:00",
    "2013-05-18T05:32:34.804+00",
    "2013-05-18T05:32:34.804+0000",
    "2013-05-18T05:32:34.804-05:00",
    "2013-05-18T05:32:34.804+05:45",
    "2013-05-18T05:32:34Z",
    "2013-05-18T05:32Z",
    "2013-05-18T05:32:34.123456789Z",
    "2013-05-18T05:32:34,804Z",
    "20130518T053234Z",
    "20130518T053234.804+0100",
    "2016-02-29T00:00:00Z",
    "2000-02-29T23:59:59Z",
]
VALID_DURATIONS = [
    "PT1H0M0.1S",
    "PT4H35M59.14S",
    "PT16559.14S",
    "P3Y1M29DT4H35M59.14S",
    "P3Y",
    "P4W",
    "PT0S",
    "P1DT12H",
    "PT1.5H",
    "P0.5Y",
]
VALID_LANGUAGE_TAGS = [
    "en",
    "en-US",
    "en-us",
    "EN-GB",
    "tlh",
    "zh-Hant-TW",
    "zh-yue-HK",
    "es-419",
    "sr-Latn-RS",
    "de-CH-1901",
    "sl-rozaj-biske",
    "en-a-bbb-x-a-ccc",
    "x-whatever",
    "qaa-Qaaa-QM-x-southern",
    "i-klingon",
    "sgn-BE-FR",
    "en-GB-oed",
    "und",
]


@pytest.mark.parametrize("statement", VALID.values(), ids=VALID.keys())
def test_valid_statements_pass(statement):
    validate_statement(statement)


@pytest.mark.parametrize("statement", VALID.values(), ids=VALID.keys())
def test_valid_statements_with_array_context_activities_pass_under_2_0(statement):
    activities = statement.get("context", {}).get("contextActivities", {})
    if any(not isinstance(value, list) for value in activities.values()):
        pytest.skip("single-Activity contextActivities are 1.0.3 only")
    validate_statement(statement, version="2.0.0")


@pytest.mark.parametrize("timestamp", VALID_TIMESTAMPS)
def test_valid_timestamps_pass(timestamp):
    validate_statement(mutate(SIMPLE, {"timestamp": timestamp, "stored": timestamp}))
    validate_statement(mutate(SIMPLE, {"timestamp": timestamp}), version="2.0.0")


@pytest.mark.parametrize("duration", VALID_DURATIONS)
def test_valid_durations_pass(duration):
    validate_statement(mutate(SIMPLE, {"result": {"duration": duration}}))


@pytest.mark.parametrize("tag", VALID_LANGUAGE_TAGS)
def test_valid_language_tags_pass(tag):
    validate_statement(mutate(SIMPLE, {"verb.display": {tag: "attempted"}, "context": {"language": tag}}))


def test_single_activity_context_activities_pass_under_1_0_3():
    validate_statement(mutate(SIMPLE, {"context": {"contextActivities": {"parent": {"id": ACTIVITY_ID}}}}))


def test_version_2_statements_pass_under_2_0():
    statement = mutate(SIMPLE, {"version": "2.0.0", "context": CONTEXT_AGENTS})
    validate_statement(statement, version="2.0.0")
    validate_statement(mutate(statement, {"version": "1.0.3"}), version="2.0")


def test_validation_does_not_change_the_statement():
    statement = copy.deepcopy(LONG_EXAMPLE)
    validate_statement(statement)
    assert statement == LONG_EXAMPLE


def test_an_unknown_spec_version_is_a_programming_error():
    with pytest.raises(ValueError, match="unsupported xAPI version"):
        validate_statement(SIMPLE, version="0.95")


# --- invalid statements: (base, changes, path the reason must start with, version) -----------------

GROUP = {"objectType": "Group", "member": [AGENT]}
BASE_RESULT = mutate(SIMPLE, {"result": {"score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10}}})
BASE_CONTEXT = mutate(SIMPLE, {"context": copy.deepcopy(LONG_EXAMPLE["context"])})
BASE_ATTACHMENT = VALID["attachments metadata"]
CHOICE = INTERACTIONS["choice"]
TRUE_FALSE = INTERACTIONS["true-false"]
V2 = "2.0.0"


def case(name: str, base: dict[str, Any], changes: dict[str, Any], *, path: str = "", version: str = "1.0.3"):
    """An invalid statement: `base` with `changes`; the reason must start with `path` (default: the changed path)."""
    if not path:
        (path,) = changes
    return pytest.param(base, changes, path, version, id=name)


INVALID = [
    # statement properties
    case("unknown property", SIMPLE, {"foo": 1}),
    case("key in the wrong case: Actor", SIMPLE, {"Actor": AGENT}),
    case("key in the wrong case: timeStamp", SIMPLE, {"timeStamp": SIMPLE["timestamp"]}),
    case("key in the wrong case: attachmentS", SIMPLE, {"attachmentS": [ATTACHMENT]}),
    case("objectType on a statement", SIMPLE, {"objectType": "Statement"}),
    case("missing actor", SIMPLE, {"actor": DELETE}, path="statement"),
    case("missing verb", SIMPLE, {"verb": DELETE}, path="statement"),
    case("missing object", SIMPLE, {"object": DELETE}, path="statement"),
    case("id numeric", SIMPLE, {"id": 12345}),
    case("id object", SIMPLE, {"id": {"key": "should fail"}}),
    case("id too many digits", SIMPLE, {"id": "AA97B177-9383-4934-8543-0F91A7A028368"}),
    case("id not hex", SIMPLE, {"id": "MA97B177-9383-4934-8543-0F91A7A02836"}),
    case("id without hyphens", SIMPLE, {"id": "fd41c918b88b4b20a0a5a4c32391aaa0"}),
    case("id null", SIMPLE, {"id": None}),
    case("timestamp a sentence", SIMPLE, {"timestamp": "should fail"}),
    case("timestamp not ISO", SIMPLE, {"timestamp": "01/011/2015"}),
    case("timestamp -00 offset", SIMPLE, {"timestamp": "2008-09-15T15:53:00.601-00"}),
    case("timestamp -0000 offset", SIMPLE, {"timestamp": "2008-09-15T15:53:00.601-0000"}),
    case("timestamp -00:00 offset", SIMPLE, {"timestamp": "2008-09-15T15:53:00.601-00:00"}),
    case("timestamp -00:00 under 2.0", SIMPLE, {"timestamp": "2008-09-15T15:53:00.601-00:00"}, version=V2),
    case("timestamp without offset", SIMPLE, {"timestamp": "2013-05-18T05:32:34.804"}),
    case("timestamp without offset under 2.0", SIMPLE, {"timestamp": "2013-05-18T05:32:34.804"}, version=V2),
    case("timestamp a date only", SIMPLE, {"timestamp": "2013-05-18"}),
    case("timestamp 30 February", SIMPLE, {"timestamp": "2013-02-30T05:32:34Z"}),
    case("timestamp 29 February 1900", SIMPLE, {"timestamp": "1900-02-29T05:32:34Z"}),
    case("timestamp hour 25", SIMPLE, {"timestamp": "2013-05-18T25:32:34Z"}),
    case("timestamp month 13", SIMPLE, {"timestamp": "2013-13-18T05:32:34Z"}),
    case("timestamp offset +25:00", SIMPLE, {"timestamp": "2013-05-18T05:32:34+25:00"}),
    case("timestamp lowercase z and t", SIMPLE, {"timestamp": "2013-05-18t05:32:34z"}),
    case("timestamp trailing newline", SIMPLE, {"timestamp": "2013-05-18T05:32:34Z\n"}),
    case("timestamp a number", SIMPLE, {"timestamp": 1368855154}),
    case("stored not ISO", SIMPLE, {"stored": "yesterday"}),
    case("version 0.95", SIMPLE, {"version": "0.95"}),
    case("version 1.1.0", SIMPLE, {"version": "1.1.0"}),
    case("version 0.9.9", SIMPLE, {"version": "0.9.9"}),
    case("version a sentence", SIMPLE, {"version": "should fail"}),
    case("version 2.0.0 under 1.0.3", SIMPLE, {"version": "2.0.0"}),
    case("version a number", SIMPLE, {"version": 1.0}),
    # actor: agents
    case("actor without an IFI", SIMPLE, {"actor": {"objectType": "Agent", "name": "Ada"}}),
    case("actor with two IFIs", SIMPLE, {"actor.openid": "http://ada.openid.example.org/"}, path="actor"),
    case("mbox without mailto", SIMPLE, {"actor.mbox": "ada@example.com"}),
    case("mbox mailto without @", SIMPLE, {"actor.mbox": "mailto:should.fail.com"}),
    case("mbox an http IRI", SIMPLE, {"actor.mbox": "http://should.fail.com"}),
    case("mbox with uppercase scheme", SIMPLE, {"actor.mbox": "MAILTO:ada@example.com"}),
    case("mbox with a space", SIMPLE, {"actor.mbox": "mailto:ada lovelace@example.com"}),
    case("mbox without a domain dot", SIMPLE, {"actor.mbox": "mailto:ada@localhost"}),
    case("mbox_sha1sum 39 digits", SIMPLE, {"actor": {"mbox_sha1sum": "a" * 39}}, path="actor.mbox_sha1sum"),
    case("mbox_sha1sum not hex", SIMPLE, {"actor": {"mbox_sha1sum": "g" * 40}}, path="actor.mbox_sha1sum"),
    case("openid not a URI", SIMPLE, {"actor": {"openid": "not a uri"}}, path="actor.openid"),
    case("account without homePage", SIMPLE, {"actor": {"account": {"name": "x"}}}, path="actor.account"),
    case("account without name", SIMPLE, {"actor": {"account": {"homePage": "http://e.com"}}}, path="actor.account"),
    case(
        "account homePage with a bad scheme",
        SIMPLE,
        {"actor": {"account": {"homePage": "ab=c://should.fail.com", "name": "x"}}},
        path="actor.account.homePage",
    ),
    case("account name an object", VALID["actor account"], {"actor.account.name": {"k": 1}}),
    case("account unknown property", VALID["actor account"], {"actor.account.id": "1"}),
    case("actor objectType numeric", SIMPLE, {"actor.objectType": 123}),
    case("actor objectType lowercase", SIMPLE, {"actor.objectType": "agent"}),
    case("actor name numeric", SIMPLE, {"actor.name": 123}),
    case("actor name null", SIMPLE, {"actor.name": None}),
    case("actor unknown property", SIMPLE, {"actor.age": 36}),
    case("actor not an object", SIMPLE, {"actor": "ada@example.com"}),
    case("Agent with members", SIMPLE, {"actor.member": [AGENT]}),
    # actor: groups
    case("anonymous Group without members", SIMPLE, {"actor": {"objectType": "Group"}}),
    case("anonymous Group, empty members", SIMPLE, {"actor": {"objectType": "Group", "member": []}}),
    case(
        "Group members not an array", SIMPLE, {"actor": {"objectType": "Group", "member": AGENT}}, path="actor.member"
    ),
    case("Group member a Group", SIMPLE, {"actor": {"objectType": "Group", "member": [GROUP]}}, path="actor.member[0]"),
    case(
        "Group member without an IFI",
        SIMPLE,
        {"actor": {"objectType": "Group", "member": [AGENT, {"name": "x"}]}},
        path="actor.member[1]",
    ),
    case(
        "Group with two IFIs",
        SIMPLE,
        {"actor": {"objectType": "Group", "mbox": "mailto:g@example.com", "openid": "http://g.example.org/"}},
    ),
    # verb
    case("verb without id", SIMPLE, {"verb.id": DELETE}, path="verb"),
    case("verb id not an IRI", SIMPLE, {"verb.id": "attempted"}),
    case("verb id with a space", SIMPLE, {"verb.id": "http://example.com/my verb"}),
    case("verb id empty", SIMPLE, {"verb.id": ""}),
    case("verb id only a scheme", SIMPLE, {"verb.id": "http:"}),
    case("verb id bad percent-escape", SIMPLE, {"verb.id": "http://example.com/100%"}),
    case("verb display a string", SIMPLE, {"verb.display": "attempted"}),
    case("verb display empty", SIMPLE, {"verb.display": {}}),
    case("verb display bad tag", SIMPLE, {"verb.display": {"a12345": "x"}}, path="verb.display['a12345']"),
    case("verb display tag with underscore", SIMPLE, {"verb.display": {"en_US": "x"}}, path="verb.display['en_US']"),
    case("verb display value null", SIMPLE, {"verb.display": {"en-US": None}}, path="verb.display['en-US']"),
    case("verb unknown property", SIMPLE, {"verb.name": {"en": "x"}}),
    case("voiding an Activity", VOIDING, {"object": {"id": ACTIVITY_ID}}),
    # object: activity and definition
    case("object objectType lowercase", SIMPLE, {"object.objectType": "activity"}),
    case("object objectType unknown", SIMPLE, {"object.objectType": "Thing"}),
    case("Activity without id", SIMPLE, {"object.id": DELETE}, path="object"),
    case("Activity id not an IRI", SIMPLE, {"object.id": "activity-1"}),
    case("Activity unknown property", SIMPLE, {"object.name": "x"}),
    case("Agent object without objectType", SIMPLE, {"object": {"mbox": "mailto:a@example.com"}}, path="object.mbox"),
    case("definition unknown property", LONG_EXAMPLE, {"object.definition.colour": "red"}),
    case("definition name a string", LONG_EXAMPLE, {"object.definition.name": "meeting"}),
    case("definition name empty", LONG_EXAMPLE, {"object.definition.name": {}}),
    case(
        "definition description bad tag",
        LONG_EXAMPLE,
        {"object.definition.description": {"en GB": "x"}},
        path="object.definition.description['en GB']",
    ),
    case("definition type not an IRI", LONG_EXAMPLE, {"object.definition.type": "meeting"}),
    case("definition moreInfo null", LONG_EXAMPLE, {"object.definition.moreInfo": None}),
    case(
        "definition extensions key not an IRI",
        LONG_EXAMPLE,
        {"object.definition.extensions": {"room": "Kilby"}},
        path="object.definition.extensions['room']",
    ),
    case("definition extensions an array", LONG_EXAMPLE, {"object.definition.extensions": []}),
    case("interactionType unknown", CHOICE, {"object.definition.interactionType": "foo"}),
    case("interactionType wrong case", CHOICE, {"object.definition.interactionType": "choiCe"}),
    case("interactionType true-faLse", TRUE_FALSE, {"object.definition.interactionType": "true-faLse"}),
    case("interactionType numeric", CHOICE, {"object.definition.interactionType": 5}),
    case("choices on true-false", TRUE_FALSE, {"object.definition.choices": components("a")}),
    case("scale on choice", CHOICE, {"object.definition.scale": components("a")}),
    case("source on likert", INTERACTIONS["likert"], {"object.definition.source": components("a")}),
    case("target on performance", INTERACTIONS["performance"], {"object.definition.target": components("a")}),
    case("steps on matching", INTERACTIONS["matching"], {"object.definition.steps": components("a")}),
    case(
        "choices without interactionType",
        CHOICE,
        {"object.definition.interactionType": DELETE, "object.definition.correctResponsesPattern": DELETE},
        path="object.definition.choices",
    ),
    case(
        "correctResponsesPattern without interactionType",
        TRUE_FALSE,
        {"object.definition.interactionType": DELETE},
        path="object.definition.correctResponsesPattern",
    ),
    case("correctResponsesPattern a string", TRUE_FALSE, {"object.definition.correctResponsesPattern": "true"}),
    case(
        "correctResponsesPattern of numbers",
        TRUE_FALSE,
        {"object.definition.correctResponsesPattern": [1]},
        path="object.definition.correctResponsesPattern[0]",
    ),
    case("choices not an array", CHOICE, {"object.definition.choices": {"id": "a"}}),
    case(
        "choice ids repeated",
        CHOICE,
        {"object.definition.choices": components("a", "a")},
        path="object.definition.choices[1].id",
    ),
    case("choice without id", CHOICE, {"object.definition.choices[0].id": DELETE}, path="object.definition.choices[0]"),
    case("choice id a number", CHOICE, {"object.definition.choices[0].id": 1}),
    case("choice unknown property", CHOICE, {"object.definition.choices[0].correct": True}),
    case("choice description a string", CHOICE, {"object.definition.choices[2].description": "Tetris"}),
    # object: StatementRef, SubStatement
    case("StatementRef id not a UUID", VOIDING, {"object.id": "12345"}),
    case("StatementRef without id", VOIDING, {"object.id": DELETE}, path="object"),
    case("StatementRef unknown property", VOIDING, {"object.definition": {}}),
    case("SubStatement with id", SUBSTATEMENT, {"object.id": SIMPLE["id"]}),
    case("SubStatement with stored", SUBSTATEMENT, {"object.stored": SIMPLE["timestamp"]}),
    case("SubStatement with version", SUBSTATEMENT, {"object.version": "1.0.0"}),
    case("SubStatement with authority", SUBSTATEMENT, {"object.authority": AGENT}),
    case(
        "nested SubStatement",
        SUBSTATEMENT,
        {"object.object": copy.deepcopy(SUBSTATEMENT["object"])},
        path="object.object.objectType",
    ),
    case("SubStatement without verb", SUBSTATEMENT, {"object.verb": DELETE}, path="object"),
    case("SubStatement bad actor", SUBSTATEMENT, {"object.actor.mbox": "x"}),
    case("SubStatement -00:00 timestamp", SUBSTATEMENT, {"object.timestamp": "2008-09-15T15:53:00.601-00:00"}),
    case("SubStatement voiding an Activity", SUBSTATEMENT, {"object.verb": VOIDING["verb"]}, path="object.object"),
    case(
        "SubStatement platform with Agent object",
        SUBSTATEMENT,
        {"object.object": AGENT},
        path="object.context.platform",
    ),
    # result
    case("result not an object", SIMPLE, {"result": "passed"}),
    case("result unknown property", BASE_RESULT, {"result.passed": True}),
    case("scaled above 1", BASE_RESULT, {"result.score.scaled": 1.5}),
    case("scaled below -1", BASE_RESULT, {"result.score.scaled": -1.01}),
    case("raw above max", BASE_RESULT, {"result.score.raw": 11}),
    case("raw below min", BASE_RESULT, {"result.score.raw": -1}),
    case("min equals max", BASE_RESULT, {"result.score.min": 10, "result.score.raw": 10}, path="result.score.max"),
    case("max a string", BASE_RESULT, {"result.score.max": "100"}),
    case("max words", BASE_RESULT, {"result.score.max": "one hundred"}),
    case("raw NaN", BASE_RESULT, {"result.score.raw": math.nan}),
    case("raw infinite", BASE_RESULT, {"result.score.max": math.inf}),
    case("raw a boolean", BASE_RESULT, {"result.score.raw": True}),
    case("score unknown property", BASE_RESULT, {"result.score.percent": 50}),
    case("success a string", BASE_RESULT, {"result.success": "true"}),
    case("completion a number", BASE_RESULT, {"result.completion": 1}),
    case("completion 'false'", BASE_RESULT, {"result.completion": "false"}),
    case("response a number", BASE_RESULT, {"result.response": 42}),
    case("duration not ISO", BASE_RESULT, {"result.duration": "PA1H0M0S"}),
    case("duration a sentence", BASE_RESULT, {"result.duration": "should fail"}),
    case("duration a number", BASE_RESULT, {"result.duration": 12345}),
    case("duration an object", BASE_RESULT, {"result.duration": {"key": "invalid"}}),
    case("duration P alone", BASE_RESULT, {"result.duration": "P"}),
    case("duration PT alone", BASE_RESULT, {"result.duration": "PT"}),
    case("duration T without a time", BASE_RESULT, {"result.duration": "P1DT"}),
    case("duration fraction not last", BASE_RESULT, {"result.duration": "PT1.5H30M"}),
    case("duration negative", BASE_RESULT, {"result.duration": "-PT1H"}),
    case("duration weeks mixed", BASE_RESULT, {"result.duration": "P1W2D"}),
    case("duration alternative format", BASE_RESULT, {"result.duration": "PT01:30:00"}),
    case(
        "result extensions key without scheme",
        BASE_RESULT,
        {"result.extensions": {"minutes": 1}},
        path="result.extensions['minutes']",
    ),
    # context
    case("context not an object", SIMPLE, {"context": []}),
    case("registration not a UUID", BASE_CONTEXT, {"context.registration": "AA97B177-9383-4934-8543-0F91A7A028368"}),
    case("registration null", BASE_CONTEXT, {"context.registration": None}),
    case("registration a number", BASE_CONTEXT, {"context.registration": 12345}),
    case("instructor without an IFI", BASE_CONTEXT, {"context.instructor": {"name": "x"}}),
    case("instructor objectType numeric", BASE_CONTEXT, {"context.instructor.objectType": 123}),
    case("team an Agent", BASE_CONTEXT, {"context.team": AGENT}),
    case("team a Group without objectType", BASE_CONTEXT, {"context.team.objectType": DELETE}, path="context.team"),
    case("contextActivities unknown key", BASE_CONTEXT, {"context.contextActivities.parents": []}),
    case(
        "contextActivities item without id",
        BASE_CONTEXT,
        {"context.contextActivities.parent[0].id": DELETE},
        path="context.contextActivities.parent[0]",
    ),
    case(
        "contextActivities item an Agent",
        BASE_CONTEXT,
        {"context.contextActivities.other[1]": AGENT},
        path="context.contextActivities.other[1].objectType",
    ),
    case("contextActivities a string", BASE_CONTEXT, {"context.contextActivities.category": ACTIVITY_ID}),
    case("contextActivities empty", BASE_CONTEXT, {"context.contextActivities": {}}),
    case(
        "contextActivities single object under 2.0",
        BASE_CONTEXT,
        {"context.contextActivities.parent": {"id": ACTIVITY_ID}},
        version=V2,
    ),
    case(
        "revision with an Agent object",
        BASE_CONTEXT,
        {"object": ACCOUNT_AGENT, "context.platform": DELETE, "context.revision": "1"},
        path="context.revision",
    ),
    case("platform with a StatementRef object", BASE_CONTEXT, {"object": VOIDING["object"]}, path="context.platform"),
    case("revision a number", BASE_CONTEXT, {"context.revision": 3}),
    case("language not a tag", BASE_CONTEXT, {"context.language": "a12345"}),
    case("language empty", BASE_CONTEXT, {"context.language": ""}),
    case("statement without objectType", BASE_CONTEXT, {"context.statement.objectType": DELETE}),
    case("statement id not a UUID", BASE_CONTEXT, {"context.statement.id": "MA97B177-9383-4934-8543-0F91A7A02836"}),
    case("context extensions not an object", BASE_CONTEXT, {"context.extensions": "x"}),
    case("contextAgents under 1.0.3", BASE_CONTEXT, {"context.contextAgents": CONTEXT_AGENTS["contextAgents"]}),
    case("contextGroups under 1.0.3", BASE_CONTEXT, {"context.contextGroups": CONTEXT_AGENTS["contextGroups"]}),
    case(
        "contextAgent wrong objectType",
        mutate(SIMPLE, {"context": CONTEXT_AGENTS}),
        {"context.contextAgents[0].objectType": "Agent"},
        version=V2,
    ),
    case(
        "contextAgent without agent",
        mutate(SIMPLE, {"context": CONTEXT_AGENTS}),
        {"context.contextAgents[0].agent": DELETE},
        path="context.contextAgents[0]",
        version=V2,
    ),
    case(
        "contextAgent empty relevantTypes",
        mutate(SIMPLE, {"context": CONTEXT_AGENTS}),
        {"context.contextAgents[0].relevantTypes": []},
        version=V2,
    ),
    case(
        "contextGroup with an Agent",
        mutate(SIMPLE, {"context": CONTEXT_AGENTS}),
        {"context.contextGroups[0].group": AGENT},
        path="context.contextGroups[0].group.objectType",
        version=V2,
    ),
    # authority
    case(
        "authority an identified Group", SIMPLE, {"authority": {**TWO_AGENT_AUTHORITY, "mbox": "mailto:g@example.com"}}
    ),
    case(
        "authority a Group of one",
        SIMPLE,
        {"authority": {"objectType": "Group", "member": [AGENT]}},
        path="authority.member",
    ),
    case(
        "authority a Group of three",
        SIMPLE,
        {"authority": {"objectType": "Group", "member": [*TWO_AGENT_AUTHORITY["member"], AGENT]}},
        path="authority.member",
    ),
    case("authority without an IFI", SIMPLE, {"authority": {"objectType": "Agent"}}),
    case(
        "authority objectType an object",
        SIMPLE,
        {"authority": {**AGENT, "objectType": {"k": 1}}},
        path="authority.objectType",
    ),
    # attachments
    case("attachments not an array", BASE_ATTACHMENT, {"attachments": ATTACHMENT}),
    case("attachment without sha2", BASE_ATTACHMENT, {"attachments[0].sha2": DELETE}, path="attachments[0]"),
    case("attachment without usageType", BASE_ATTACHMENT, {"attachments[0].usageType": DELETE}, path="attachments[0]"),
    case("attachment negative length", BASE_ATTACHMENT, {"attachments[0].length": -1}),
    case("attachment length a string", BASE_ATTACHMENT, {"attachments[0].length": "27"}),
    case("attachment length fractional", BASE_ATTACHMENT, {"attachments[0].length": 1.5}),
    case("attachment sha2 not hex", BASE_ATTACHMENT, {"attachments[0].sha2": "z" * 64}),
    case("attachment sha2 a SHA-1", BASE_ATTACHMENT, {"attachments[0].sha2": "a" * 40}),
    case("attachment contentType not a media type", BASE_ATTACHMENT, {"attachments[0].contentType": "text"}),
    case("attachment display empty", BASE_ATTACHMENT, {"attachments[0].display": {}}),
    case("attachment description a string", BASE_ATTACHMENT, {"attachments[0].description": "x"}),
    case("attachment usageType not an IRI", BASE_ATTACHMENT, {"attachments[0].usageType": "test"}),
    case("attachment fileUrl not an IRL", BASE_ATTACHMENT, {"attachments[0].fileUrl": "file.txt"}),
    case("signature not octet-stream", BASE_ATTACHMENT, {"attachments[1].contentType": "text/plain"}),
    case("attachment unknown property", BASE_ATTACHMENT, {"attachments[0].name": "x"}),
]


@pytest.mark.parametrize(("base", "changes", "path", "version"), INVALID)
def test_invalid_statements_are_rejected_naming_the_path(base, changes, path, version):
    reason = rejection(mutate(base, changes), version)
    assert reason.startswith(f"{path}: "), reason


def test_there_are_enough_invalid_cases():
    assert len(INVALID) >= 80
    assert len({case.id for case in INVALID}) == len(INVALID)


def test_the_reason_says_what_is_wrong():
    assert (
        rejection(mutate(CHOICE, {"object.definition.interactionType": "foo"}))
        == "object.definition.interactionType: 'foo' is not a valid interaction type"
    )
    assert "negative zero" in rejection(mutate(SIMPLE, {"timestamp": "2008-09-15T15:53:00.601-00:00"}))
    assert "allowed:" in rejection(mutate(SIMPLE, {"verb.name": "x"}))


def test_the_reason_never_echoes_a_huge_value():
    reason = rejection(mutate(SIMPLE, {"verb.id": "x" * 100_000}))
    assert len(reason) < 300


@pytest.mark.parametrize("tag", ["", "a", "a12345", "en_US", "en-", "-en", "abcdefghi", "en-US-", "x", "en--US", "ü"])
def test_malformed_language_tags_are_rejected(tag):
    assert rejection(mutate(SIMPLE, {"context": {"language": tag}})).startswith("context.language: ")


@pytest.mark.parametrize(
    "data", [None, [], "statement", 42, 4.2, True, b"{}", [SIMPLE], (1, 2), {1, 2}], ids=lambda d: type(d).__name__
)
def test_anything_but_an_object_is_rejected(data):
    assert rejection(data).startswith("statement: must be a Statement")


# --- property-based: nothing but StatementValidationError escapes -----------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
# Values that look almost right, to get past the first check and exercise deeper ones.
NEAR_MISSES = st.sampled_from(
    [
        "",
        "Group",
        "Agent",
        "Activity",
        "SubStatement",
        "StatementRef",
        "choice",
        "http://example.com/x",
        "mailto:a@example.com",
        "2013-05-18T05:32:34Z",
        "PT1H",
        "en-US",
        SIMPLE["id"],
        10**400,
        -0.0,
        float("nan"),
        {},
        [],
        [{}],
        {"id": ACTIVITY_ID},
        AGENT,
        GROUP,
    ]
)
SEEDS = [
    SIMPLE,
    LONG_EXAMPLE,
    SUBSTATEMENT,
    VOIDING,
    *INTERACTIONS.values(),
    BASE_ATTACHMENT,
    VALID["authority: OAuth two-Agent Group"],
]


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every location in a JSON document, as a tuple of keys and indexes."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(paths(child, (*prefix, index)))
    return found


def accepts_or_rejects(data: Any, version: str) -> None:
    try:
        validate_statement(data, version=version)
    except StatementValidationError as error:
        reason = error.reason
    else:
        return
    assert isinstance(reason, str)
    assert reason


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=JSON, version=st.sampled_from(["1.0.3", "2.0.0"]))
def test_random_json_only_ever_raises_statement_validation_error(data, version):
    accepts_or_rejects(data, version)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draw=st.data(), version=st.sampled_from(["1.0.3", "2.0.0"]))
def test_mutated_statements_only_ever_raise_statement_validation_error(draw, version):
    statement = copy.deepcopy(draw.draw(st.sampled_from(SEEDS)))
    mutate_at_random(draw, statement, {"replace": JSON, "near miss": NEAR_MISSES}, new_key=st.text(max_size=8),
                     new_value=JSON)  # fmt: skip
    accepts_or_rejects(statement, version)


def mutate_at_random(draw, statement, replacements, *, new_key, new_value, weights=None) -> None:
    """Change `statement` in place one to three times, each at a random place: its value replaced by one drawn
    from `replacements[action]`, the place deleted, or (in an object) a key added. `weights` lists the actions
    with repeats for the likelier ones (default: each once, with "delete" and "add key")."""
    actions = weights or [*replacements, "delete", "add key"]
    for _ in range(draw.draw(st.integers(min_value=1, max_value=3))):
        locations = paths(statement)
        if not locations:
            break
        location = draw.draw(st.sampled_from(locations))
        parent: Any = statement
        for step in location[:-1]:
            parent = parent[step]
        action = draw.draw(st.sampled_from(actions))
        if action == "delete":
            del parent[location[-1]]
        elif action == "add key":
            if isinstance(parent, dict):
                parent[draw.draw(new_key)] = copy.deepcopy(draw.draw(new_value))
        else:
            parent[location[-1]] = copy.deepcopy(draw.draw(replacements[action]))


@settings(max_examples=200, deadline=None)
@given(
    value=st.one_of(NEAR_MISSES, JSON),
    key=st.sampled_from(sorted(SIMPLE) + ["result", "context", "authority", "attachments", "stored", "version"]),
)
def test_any_value_in_any_top_level_property_only_raises_statement_validation_error(value, key):
    accepts_or_rejects({**SIMPLE, key: value}, "1.0.3")
