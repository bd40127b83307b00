"""The admin statements export (Analysts) and the learner's own download: permissions, streaming, queries."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses import services
from insights.exports import CSV_COLUMNS
from insights.models import Statement
from insights.xapi import vocabulary as xapi
from tests.factories import UserFactory

EXPORT_URL = "/admin/statements-export/"


def _learn(user, course, lessons) -> None:
    services.enrolment_create(user=user, course=course)
    for lesson in lessons:
        services.lesson_view(user=user, lesson=lesson, course=course)
        block_id = next(iter(lesson.knowledge_checks()))
        services.knowledge_check_answer(user=user, lesson=lesson, course=course, block_id=block_id, choice="a")
        services.lesson_complete(user=user, lesson=lesson, course=course)


@pytest.fixture
def activity(learner, other_learner, course, lessons):
    _learn(learner, course, lessons)
    _learn(other_learner, course, lessons[:1])
    return Statement.objects.order_by("stored", "id")


@pytest.fixture
def analyst(db):
    return UserFactory(username="analyst", groups=["Analysts"])


def _body(response) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode()


def _download(client, **params):
    return client.get(EXPORT_URL, {"format": "ndjson", **params})


# --- the admin export --------------------------------------------------------------------------------


def test_analyst_sees_the_form_and_the_menu_item(client, analyst, course):
    client.force_login(analyst)

    page = client.get(EXPORT_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Statements export" in html
    assert 'value="effective-meetings"' in html  # live courses to choose from
    assert xapi.COMPLETED.iri in html
    assert 'method="get"' in html
    assert EXPORT_URL in client.get("/admin/").content.decode()


@pytest.mark.parametrize("fmt", ["ndjson", "csv", "json"])
def test_analyst_downloads_a_streamed_attachment(client, analyst, activity, fmt):
    client.force_login(analyst)

    response = _download(client, format=fmt)

    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="guild-statements-')
    assert disposition.endswith(f'.{fmt}"')
    assert "no-store" in response["Cache-Control"]
    body = _body(response)
    expected = [s.data for s in activity]
    if fmt == "ndjson":
        assert response["Content-Type"].startswith("application/x-ndjson")
        assert [json.loads(line) for line in body.splitlines()] == expected
    elif fmt == "json":
        assert json.loads(body) == expected
    else:
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(body, newline="")))
        assert tuple(rows[0]) == CSV_COLUMNS
        assert [r["statement_id"] for r in rows] == [str(s.id) for s in activity]


def test_admin_filters(client, analyst, activity, course):
    client.force_login(analyst)

    response = _download(client, verb="answered", course="effective-meetings", date_from="2000-01-01")

    assert "effective-meetings-answered" in response["Content-Disposition"]
    lines = _body(response).splitlines()
    assert [json.loads(line)["id"] for line in lines] == [str(s.id) for s in activity.filter(verb=xapi.ANSWERED.iri)]

    typed = _download(client, verb_iri="http://adlnet.gov/expapi/verbs/completed")
    assert len(_body(typed).splitlines()) == activity.filter(verb=xapi.COMPLETED.iri).count()

    future = _download(client, date_from="2999-01-01")
    assert _body(future) == ""


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"verb_iri": "not an iri"}, "Unknown verb"),
        ({"verb": "completed", "verb_iri": "http://example.com/v"}, "not both"),
        ({"date_from": "2025-05-03", "date_to": "2025-05-01"}, "on or after"),
        ({"date_from": "May"}, "valid date"),
        ({"course": "no-such-course"}, "Select a valid choice"),
        ({"format": "xml"}, "Select a valid choice"),
    ],
)
def test_invalid_input_shows_the_form_again(client, analyst, activity, params, error):
    client.force_login(analyst)

    response = _download(client, **params)

    assert response.status_code == 200
    assert not response.streaming
    assert "Content-Disposition" not in response
    assert error in response.content.decode()


def test_superuser_may_export(client, activity):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True, groups=[])
    client.force_login(admin)

    assert _download(client).status_code == 200


@pytest.mark.parametrize("group", ["Authors", "Moderators"])
def test_other_admin_users_are_forbidden(client, activity, group):
    client.force_login(UserFactory(username=f"someone-{group.lower()}", groups=[group]))

    for response in (client.get(EXPORT_URL), _download(client)):
        assert response.status_code == 403
        assert "Content-Disposition" not in response
    assert EXPORT_URL not in client.get("/admin/").content.decode()  # no menu item either


def test_learners_and_visitors_never_reach_it(client, learner, activity):
    """No admin access: Wagtail's admin gate answers first (to the login page), nothing is exported."""
    response = _download(client)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

    client.force_login(learner)
    response = _download(client)
    assert response.status_code == 302
    assert "Content-Disposition" not in response


def test_post_is_not_allowed(client, analyst):
    client.force_login(analyst)
    assert client.post(EXPORT_URL, {"format": "csv"}).status_code == 405


def _queries_for_download(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
        _body(response)
    return len(captured.captured_queries)


@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
def test_admin_download_queries_do_not_grow_with_statements(
    client, analyst, learner, course, lessons, django_assert_max_num_queries, fmt
):
    client.force_login(analyst)
    services.enrolment_create(user=learner, course=course)
    few = _queries_for_download(client, EXPORT_URL, {"format": fmt})

    _learn(UserFactory(username="busy"), course, lessons)
    for number in range(15):
        _learn(UserFactory(username=f"busy{number}"), course, lessons[:1])
    assert Statement.objects.count() > 60

    many = _queries_for_download(client, EXPORT_URL, {"format": fmt})
    assert many == few
    with django_assert_max_num_queries(12):
        _body(client.get(EXPORT_URL, {"format": fmt}))


# --- the learner's own download ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
def test_learner_downloads_only_their_own_statements(client, learner, other_learner, activity, fmt):
    client.force_login(learner)
    url = reverse("accounts:my-statements", kwargs={"fmt": fmt})
    assert url == f"/accounts/statements.{fmt}"

    # Filters another download takes are ignored here: the actor is always the signed-in learner.
    response = client.get(url, {"user": other_learner.pk, "course": "effective-meetings"})

    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert 'attachment; filename="guild-my-statements-' in response["Content-Disposition"]
    body = _body(response)
    own = [s for s in activity if s.actor_user_id == learner.pk]
    assert len(own) < len(activity)
    if fmt == "ndjson":
        statements = [json.loads(line) for line in body.splitlines()]
        assert statements == [s.data for s in own]
        assert {s["actor"]["account"]["name"] for s in statements} == {str(learner.public_id)}
    else:
        rows = list(csv.DictReader(io.StringIO(body, newline="")))
        assert [r["statement_id"] for r in rows] == [str(s.id) for s in own]
        assert {r["actor_account_name"] for r in rows} == {str(learner.public_id)}
    assert str(other_learner.public_id) not in body


def test_learner_with_no_statements_gets_an_empty_file(client, db):
    client.force_login(UserFactory(username="newcomer"))
    assert _body(client.get("/accounts/statements.ndjson")) == ""


def test_learner_download_needs_sign_in_and_a_known_format(client, learner):
    response = client.get("/accounts/statements.ndjson")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]

    client.force_login(learner)
    assert client.get("/accounts/statements.json").status_code == 404


def test_learner_download_queries_do_not_grow_with_statements(
    client, learner, course, lessons, django_assert_max_num_queries
):
    client.force_login(learner)
    services.enrolment_create(user=learner, course=course)
    few = _queries_for_download(client, "/accounts/statements.csv")

    _learn(UserFactory(username="other"), course, lessons)
    services.enrolment_cancel(user=learner, course=course)
    _learn(learner, course, lessons)
    assert Statement.objects.filter(actor_user=learner).count() > 10

    assert _queries_for_download(client, "/accounts/statements.csv") == few
    with django_assert_max_num_queries(8):
        _body(client.get("/accounts/statements.csv"))


def test_account_page_links_to_the_downloads(client, learner):
    client.force_login(learner)

    html = client.get("/accounts/").content.decode()

    assert 'href="/accounts/statements.csv"' in html
    assert 'href="/accounts/statements.ndjson"' in html
