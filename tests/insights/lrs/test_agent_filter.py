"""The `agent` and `related_agents` filters with Groups (Communication 2.1.3): members match, IFIs compare."""

from __future__ import annotations

import uuid

import pytest

from insights.models import Statement
from insights.xapi.agents import agent_key

from .conftest import XAPIClient, make_statement, new_id

pytestmark = pytest.mark.django_db
ADA = {"objectType": "Agent", "mbox": "mailto:ada@example.com"}
BOB = {"objectType": "Agent", "account": {"homePage": "https://accounts.example", "name": "bob"}}
CAROL = {"objectType": "Agent", "mbox_sha1sum": "1" * 40}
TEAM = {"objectType": "Group", "name": "Team", "mbox": "mailto:team@example.com", "member": [BOB]}


def _ids(xapi: XAPIClient, **params) -> set[str]:
    response = xapi.get("statements", params=params)
    assert response.status_code == 200, response.content
    return {s["id"] for s in response.json()["statements"]}


@pytest.fixture
def stored(xapi: XAPIClient) -> dict[str, str]:
    statements = {
        "anonymous_group_actor": make_statement(actor={"objectType": "Group", "member": [ADA, BOB]}),
        "identified_group_actor": make_statement(actor=TEAM),
        "group_object": make_statement(actor=CAROL, object={"objectType": "Group", "member": [ADA]}),
        "instructor_group": make_statement(
            actor=CAROL, context={"instructor": {"objectType": "Group", "member": [ADA]}}
        ),
        "team_member": make_statement(actor=CAROL, context={"team": {"objectType": "Group", "member": [BOB]}}),
        "substatement": make_statement(
            actor=CAROL,
            object={
                "objectType": "SubStatement",
                "actor": {"objectType": "Group", "member": [BOB]},
                "verb": {"id": "http://example.com/verbs/plan"},
                "object": ADA,
            },
        ),
    }
    for statement in statements.values():
        statement["id"] = new_id()
    assert xapi.post("statements", list(statements.values())).status_code == 200
    return {name: statement["id"] for name, statement in statements.items()}


def test_agent_filter_matches_groups_with_the_agent_as_member(xapi: XAPIClient, stored):
    assert _ids(xapi, agent=ADA) == {stored["anonymous_group_actor"], stored["group_object"]}
    assert _ids(xapi, agent=BOB) == {stored["anonymous_group_actor"], stored["identified_group_actor"]}
    assert _ids(xapi, agent=CAROL) == {
        stored["group_object"],
        stored["instructor_group"],
        stored["team_member"],
        stored["substatement"],
    }


def test_identified_group_matches_by_its_ifi_only(xapi: XAPIClient, stored):
    assert _ids(xapi, agent=TEAM) == {stored["identified_group_actor"]}
    # The same IFI with other members (or none) is the same Group.
    assert _ids(xapi, agent={"objectType": "Group", "mbox": "mailto:team@example.com"}) == {
        stored["identified_group_actor"]
    }
    # An Agent with the Group's IFI is compared by that IFI as well.
    assert _ids(xapi, agent={"mbox": "mailto:team@example.com"}) == {stored["identified_group_actor"]}


def test_related_agents_reaches_context_and_substatements(xapi: XAPIClient, stored):
    assert _ids(xapi, agent=ADA, related_agents="true") == {
        stored["anonymous_group_actor"],
        stored["group_object"],
        stored["instructor_group"],
        stored["substatement"],
    }
    assert _ids(xapi, agent=BOB, related_agents="true") == {
        stored["anonymous_group_actor"],
        stored["identified_group_actor"],
        stored["team_member"],
        stored["substatement"],
    }


def test_related_agents_matches_the_authority(xapi: XAPIClient, credential, stored):
    authority = xapi.get("statements", params={"statementId": stored["team_member"]}).json()["authority"]
    assert _ids(xapi, agent=authority) == set()
    assert _ids(xapi, agent=authority, related_agents="true") == set(stored.values())


def test_agent_filter_rejects_anonymous_groups_and_bad_agents(xapi: XAPIClient):
    for agent in (
        {"objectType": "Group", "member": [ADA]},
        {"mbox": "mailto:a@example.com", "openid": "http://openid.example/a"},
        {"mbox": "ada@example.com"},
        {"objectType": "Person", "mbox": "mailto:a@example.com"},
    ):
        assert xapi.get("statements", params={"agent": agent}).status_code == 400, agent
    assert xapi.get("statements", params={"agent": "not json"}).status_code == 400


def test_more_keeps_the_group_filter(xapi: XAPIClient):
    group = {"objectType": "Group", "member": [ADA, BOB]}
    sent = {new_id() for _ in range(5)}
    assert xapi.post("statements", [make_statement(id=i, actor=group) for i in sent]).status_code == 200
    assert xapi.post("statements", make_statement(actor=CAROL)).status_code == 200
    page = xapi.get("statements", params={"agent": ADA, "limit": 2}).json()
    seen = {s["id"] for s in page["statements"]}
    while page["more"]:
        page = xapi.client.get(page["more"], headers=xapi.headers()).json()
        seen |= {s["id"] for s in page["statements"]}
    assert seen == sent


def test_agent_filter_query_count_does_not_grow(xapi: XAPIClient, django_assert_max_num_queries):
    for size in (1, 20):
        xapi.post("statements", [make_statement(actor={"objectType": "Group", "member": [ADA]}) for _ in range(size)])
        xapi.post("statements", [make_statement(actor=BOB) for _ in range(size)])
        for agent in (ADA, BOB):
            with django_assert_max_num_queries(7):
                response = xapi.get("statements", params={"agent": agent, "limit": 10})
            assert len(response.json()["statements"]) == min(10, size if size == 1 else 10)


@pytest.mark.django_db(transaction=True)
def test_filter_rows_stored_one_per_statement_still_match_after_the_migration_to_id_arrays(xapi: XAPIClient):
    """Migration 0010 turns each (statement, value) row into a one-id array: the `agent` filter still finds
    a Group's member and `related_agents` the authority, for statements indexed the old way."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from insights.models import RelationKind, StatementRelation

    statement = make_statement(id=new_id(), actor={"objectType": "Group", "member": [ADA, BOB]})
    assert xapi.post("statements", statement).status_code == 200
    authority_agent = Statement.objects.get(id=statement["id"]).data["authority"]
    authority = agent_key(authority_agent)
    StatementRelation.objects.all().delete()
    before, after = [("insights", "0009_dashboard_routed_index")], [("insights", "0010_relation_rows_per_batch")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    OldRelation = executor.loader.project_state(before).apps.get_model("insights", "StatementRelation")  # noqa: N806
    stored = Statement.objects.get(id=statement["id"]).stored
    OldRelation.objects.bulk_create(
        [
            OldRelation(statement_id=statement["id"], kind=RelationKind.AGENT, value=agent_key(ADA), stored=stored),
            OldRelation(statement_id=statement["id"], kind=RelationKind.RELATED_AGENT, value=authority, stored=stored),
        ]
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)

    assert (
        sorted(StatementRelation.objects.values_list("statement_ids", flat=True))
        == [[uuid.UUID(statement["id"]).hex]] * 2
    )
    assert _ids(xapi, agent=ADA) == {statement["id"]}
    assert _ids(xapi, agent=authority_agent, related_agents="true") == {statement["id"]}
