"""Activities, Agents, About, the credentials command and admin page."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from insights.models import LRSCredential

from .conftest import XAPIClient, basic, make_statement

pytestmark = pytest.mark.django_db


def test_about_is_public_and_lists_versions():
    response = XAPIClient(None, version=None).get("about")
    assert response.status_code == 200
    assert response.json()["version"] == ["1.0.3", "2.0.0"]
    assert "extensions" in response.json()


def test_activities_merges_definitions(xapi: XAPIClient):
    activity = "http://example.com/activities/merged"
    xapi.post(
        "statements",
        make_statement(object={"id": activity, "definition": {"name": {"en": "Merged"}}}),
    )
    xapi.post(
        "statements",
        make_statement(object={"id": activity, "definition": {"name": {"fr": "Fusionné"}, "description": {"en": "d"}}}),
    )
    response = xapi.get("activities", params={"activityId": activity})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == activity
    assert body["definition"]["name"] == {"en": "Merged", "fr": "Fusionné"}
    assert body["definition"]["description"] == {"en": "d"}
    assert xapi.get("activities").status_code == 400


def test_activities_guild_definition_is_trusted(xapi: XAPIClient, course):
    iri = course.xapi_activity().iri
    xapi.post("statements", make_statement(object={"id": iri, "definition": {"name": {"en": "Spoofed"}}}))
    body = xapi.get("activities", params={"activityId": iri}).json()
    assert body["definition"]["name"]["en"] == course.title


def test_iri_routes_still_resolve(client, course):
    iri_path = course.xapi_activity().iri.removeprefix("http://testserver")
    assert client.get(iri_path, headers={"Accept": "application/json"}).status_code == 200


def test_agents_returns_person(xapi: XAPIClient):
    response = xapi.get(
        "agents", params={"agent": {"objectType": "Agent", "mbox": "mailto:a@example.com", "name": "A"}}
    )
    assert response.json() == {"objectType": "Person", "name": ["A"], "mbox": ["mailto:a@example.com"]}
    assert xapi.get("agents").status_code == 400
    assert xapi.get("agents", params={"agent": '{"bad": 1}'}).status_code == 400


def test_lrs_credentials_command(capsys):
    call_command("lrs_credentials", "create", "Locker", "--scope", "read")
    out = capsys.readouterr().out
    key = next(line.split()[-1] for line in out.splitlines() if line.startswith("key:"))
    secret = next(line.split()[-1] for line in out.splitlines() if line.startswith("secret:"))
    assert XAPIClient(basic(key, secret)).get("statements").status_code == 200
    call_command("lrs_credentials", "list")
    assert key in capsys.readouterr().out
    call_command("lrs_credentials", "revoke", key)
    assert LRSCredential.objects.get(key=key).revoked is not None
    assert XAPIClient(basic(key, secret)).get("statements").status_code == 401


def test_admin_page_for_analysts(client, django_user_model):
    from django.contrib.auth.models import Group, Permission

    analyst = django_user_model.objects.create_user("analyst1", password="pw")
    group, _ = Group.objects.get_or_create(name="Analysts")
    analyst.groups.add(group)
    analyst.user_permissions.add(Permission.objects.get(codename="access_admin"))
    learner = django_user_model.objects.create_user("learner1", password="pw")
    learner.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(learner)
    assert client.get("/admin/lrs-credentials/").status_code in (302, 403)
    client.force_login(analyst)
    assert client.get("/admin/lrs-credentials/").status_code == 200
    response = client.post("/admin/lrs-credentials/", {"name": "Dashboards", "scope": "read"})
    assert response.status_code == 200
    credential = LRSCredential.objects.get(name="Dashboards")
    secret = response.context["secret"]
    assert XAPIClient(basic(credential.key, secret)).get("statements").status_code == 200
    client.post("/admin/lrs-credentials/", {"revoke": credential.pk})
    credential.refresh_from_db()
    assert credential.revoked is not None
