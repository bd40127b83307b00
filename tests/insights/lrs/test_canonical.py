"""format=canonical (Communication 2.1.3): the LRS's canonical definitions, one language per language map."""

from __future__ import annotations

import pytest

from insights.lrs.statements import _languages, pick_language

from .conftest import XAPIClient, make_statement, new_id

pytestmark = pytest.mark.django_db
ACTIVITY = "http://example.com/activities/canonical"


def _canonical(xapi: XAPIClient, statement_id: str, language: str | None):
    headers = {"Accept-Language": language} if language else {}
    response = xapi.get("statements", params={"statementId": statement_id, "format": "canonical"}, headers=headers)
    assert response.status_code == 200, response.content
    return response.json()


def test_canonical_uses_merged_definition_not_the_statements_own(xapi: XAPIClient):
    first = make_statement(
        id=new_id(),
        object={"id": ACTIVITY, "definition": {"name": {"en-US": "Old", "fr": "Vieux"}, "type": "http://x.example/t"}},
    )
    later = make_statement(
        id=new_id(),
        object={"id": ACTIVITY, "definition": {"name": {"en-US": "New"}, "description": {"de": "Neu beschrieben"}}},
    )
    assert xapi.post("statements", [first]).status_code == 200
    assert xapi.post("statements", [later]).status_code == 200
    exact = xapi.get("statements", params={"statementId": first["id"]}).json()
    assert exact["object"]["definition"]["name"] == {"en-US": "Old", "fr": "Vieux"}
    canonical = _canonical(xapi, first["id"], "en-US")
    definition = canonical["object"]["definition"]
    assert definition["name"] == {"en-US": "New"}  # the newer definition wins for en-US
    assert definition["description"] == {"de": "Neu beschrieben"}  # learnt from the later statement
    assert definition["type"] == "http://x.example/t"
    assert _canonical(xapi, first["id"], "fr")["object"]["definition"]["name"] == {"fr": "Vieux"}


def test_canonical_cuts_every_language_map_to_one(xapi: XAPIClient):
    statement = make_statement(
        id=new_id(),
        verb={"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered", "fr": "a répondu"}},
        object={
            "id": "http://example.com/activities/choice",
            "definition": {
                "name": {"en-US": "Question", "fr": "Question (fr)"},
                "description": {"en-US": "Pick one", "fr": "Choisissez"},
                "interactionType": "choice",
                "correctResponsesPattern": ["a"],
                "choices": [{"id": "a", "description": {"en-US": "A", "fr": "A (fr)"}}],
                "extensions": {"http://example.com/ext": {"en-US": "kept", "fr": "gardé"}},
            },
        },
        context={
            "contextActivities": {
                "parent": [
                    {"id": "http://example.com/activities/parent", "definition": {"name": {"en": "P", "fr": "Pf"}}}
                ]
            }
        },
    )
    assert xapi.post("statements", statement).status_code == 200
    canonical = _canonical(xapi, statement["id"], "fr-FR;q=0.9, fr;q=0.8, en;q=0.5")
    assert canonical["verb"]["display"] == {"fr": "a répondu"}
    definition = canonical["object"]["definition"]
    assert definition["name"] == {"fr": "Question (fr)"}
    assert definition["description"] == {"fr": "Choisissez"}
    assert definition["choices"][0]["description"] == {"fr": "A (fr)"}
    assert definition["extensions"]["http://example.com/ext"] == {"en-US": "kept", "fr": "gardé"}
    assert canonical["context"]["contextActivities"]["parent"][0]["definition"]["name"] == {"fr": "Pf"}
    assert canonical["actor"] == statement["actor"]  # Agents as in exact
    # No Accept-Language at all: still exactly one language per map.
    bare = _canonical(xapi, statement["id"], None)
    assert len(bare["verb"]["display"]) == 1
    assert len(bare["object"]["definition"]["name"]) == 1


def test_canonical_applies_to_lists_and_substatements(xapi: XAPIClient):
    sub = make_statement(
        id=new_id(),
        object={
            "objectType": "SubStatement",
            "actor": {"mbox": "mailto:sub@example.com"},
            "verb": {"id": "http://example.com/verbs/plan", "display": {"en": "plan", "de": "planen"}},
            "object": {"id": ACTIVITY, "definition": {"name": {"en": "Sub", "de": "Unter"}}},
        },
    )
    assert xapi.post("statements", sub).status_code == 200
    listing = xapi.get("statements", params={"format": "canonical"}, headers={"Accept-Language": "de"}).json()
    [got] = [s for s in listing["statements"] if s["id"] == sub["id"]]
    assert got["object"]["verb"]["display"] == {"de": "planen"}
    assert got["object"]["object"]["definition"]["name"] == {"de": "Unter"}


def test_canonical_query_count_does_not_grow(xapi: XAPIClient, django_assert_max_num_queries):
    for index in range(30):
        activity = f"http://example.com/activities/many/{index}"
        xapi.post("statements", make_statement(object={"id": activity, "definition": {"name": {"en": str(index)}}}))
    with django_assert_max_num_queries(6):
        response = xapi.get("statements", params={"format": "canonical", "limit": "30"})
    assert len(response.json()["statements"]) == 30


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr", "fr"),
        ("en-GB, fr", "fr"),  # an exact RFC 2616 match beats a same-primary-language fallback
        ("en-GB", "en-US"),  # fallback: same primary language
        ("de, *;q=0.1", "en-US"),  # nothing matches: the first entry
        ("en-US;q=0, *", "fr"),  # q=0 refuses a language
        ("EN-us", "en-US"),
        ("en", "en-US"),  # a range matches a longer tag
    ],
)
def test_pick_language(header, expected):
    language_map = {"en-US": "colour", "fr": "couleur"}
    assert pick_language(language_map, _languages(header)) == {expected: language_map[expected]}
