"""A private note reaches its writer and nobody else, door by door (issue 5: "test it as an attacker would").

Ada writes a private note with a secret in its text and its tag; Grace, enrolled in the same course,
tries every door. Outsiders (not enrolled) try too, for shared notes.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from discussions import selectors, services
from discussions.models import Note, Notification
from insights.lrs.auth import forget_cached_credentials, lrs_credential_create
from tests.factories import UserFactory
from tests.insights.lrs.conftest import XAPIClient, basic

pytestmark = pytest.mark.django_db

SECRET = "Zanzibar-7 my salary is 41000"
SECRET_TAG = "payrise-plans"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def published(course):
    course.save_revision().publish()
    return course


@pytest.fixture
def secret_note(enrolled, lesson, published):
    block = next(iter(lesson.body)).id
    note = services.note_create(author=enrolled, lesson=lesson, body=SECRET, block_id=block, tags=SECRET_TAG)
    services.note_edit(editor=enrolled, note=note, body=SECRET + " (edited)")
    return Note.objects.get(pk=note.pk)


@pytest.fixture
def grace(classmate):
    return _client(classmate)


def test_door_lesson_page_html(secret_note, grace, enrolled, lesson):
    html = grace.get(lesson.url).content.decode()
    assert "Zanzibar" not in html
    assert SECRET_TAG not in html
    assert str(secret_note.activity_id) not in html
    assert "Zanzibar" in _client(enrolled).get(lesson.url).content.decode()  # the writer does see it


def test_door_notes_from_peers(secret_note, classmate, moderator, lesson, course):
    for viewer in (classmate, moderator):
        panel = selectors.notes_panel_for_lesson(lesson=lesson, course=course, viewer=viewer)
        assert panel.peers == []
        assert panel.mine == []


def test_door_an_outsider_sees_no_shared_notes_either(enrolled, outsider, lesson, course, published):
    services.note_create(author=enrolled, lesson=lesson, body="Shared with the course only", shared=True)
    assert selectors.notes_panel_for_lesson(lesson=lesson, course=course, viewer=outsider).peers == []
    assert "Shared with the course only" not in _client(outsider).get(lesson.url).content.decode()
    assert "Shared with the course only" not in Client().get(lesson.url).content.decode()


def test_door_anonymous_shared_notes_hide_the_name_from_peers(enrolled, grace, lesson, published):
    services.note_create(author=enrolled, lesson=lesson, body="Anonymous tip", shared=True, anonymous=True)
    html = grace.get(lesson.url).content.decode()
    assert "Anonymous tip" in html
    assert "A classmate" in html
    assert "Ada Lovelace" not in html.split('id="notes"')[1]


def test_door_my_notes_of_another_user(secret_note, grace):
    for path in ("/notes/", "/notes/?q=Zanzibar", f"/notes/?tag={SECRET_TAG}"):
        html = grace.get(path).content.decode()
        assert "salary is 41000" not in html
        assert "0 notes" in html
    assert SECRET_TAG not in grace.get("/notes/").content.decode()
    note_id = secret_note.activity_id
    assert grace.get(reverse("notes:edit", args=[note_id])).status_code == 404
    assert grace.post(reverse("notes:edit", args=[note_id]), {"body": "pwned"}).status_code == 404
    assert grace.post(reverse("notes:share", args=[note_id]), {"shared": "1"}).status_code == 404
    assert grace.post(reverse("notes:delete", args=[note_id])).status_code == 404
    assert grace.get(reverse("notes:discuss", args=[note_id])).status_code == 404
    secret_note.refresh_from_db()
    assert secret_note.body_markdown.startswith(SECRET)
    assert not secret_note.is_shared


def test_door_exports_of_my_notes(secret_note, grace):
    for path in ("/notes/export.md", "/notes/export.json"):
        body = grace.get(path).content.decode()
        assert "Zanzibar" not in body
        assert SECRET_TAG not in body
    assert grace.get("/notes/export.json").json() == {"notes": []}


def test_door_json_endpoints(secret_note, grace, outsider, lesson, published):
    vote = grace.post(reverse("notes:vote", args=[secret_note.activity_id]), HTTP_ACCEPT="application/json")
    assert vote.status_code == 404
    assert vote.json() == {"error": "No such note."}
    # A note on a lesson you cannot see: 404, nothing stored.
    response = _client(outsider).post(
        reverse("notes:create", args=[lesson.pk]), {"body": "Hi"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 404
    assert Note.objects.count() == 1


def test_door_unpublished_lessons(enrolled, lesson, published):
    lesson.unpublish()
    assert _client(enrolled).post(reverse("notes:create", args=[lesson.pk]), {"body": "Hi"}).status_code == 404
    assert _client(enrolled).get(reverse("notes:create", args=[lesson.pk])).status_code == 404


def test_door_the_xapi_api(secret_note, enrolled, grace, lesson):
    iri = secret_note.xapi_activity().iri
    services.note_delete(user=enrolled, note=secret_note)  # puts the note's IRI in the store
    # A learner's session is no LRS credential.
    assert XAPIClient(None).get("statements", params={"activity": iri}).status_code == 401
    assert grace.get("/xapi/statements", HTTP_X_EXPERIENCE_API_VERSION="1.0.3").status_code == 401
    # Even an analyst's credential gets no text: it was never recorded.
    forget_cached_credentials()
    credential, secret = lrs_credential_create(name="Analyst", scope="read")
    analyst = XAPIClient(basic(credential.key, secret))
    found = analyst.get("statements", params={"activity": iri})
    assert found.status_code == 200
    assert found.json()["statements"]
    everything = analyst.get("statements", params={"limit": 500}).content.decode()
    assert "Zanzibar" not in everything
    assert SECRET_TAG not in everything
    activity = analyst.get("activities", params={"activityId": iri})
    assert "Zanzibar" not in activity.content.decode()
    assert Client().get(iri.removeprefix("http://testserver"), HTTP_ACCEPT="application/json").status_code == 404


def test_door_statement_exports(secret_note, classmate, grace):
    for fmt in ("ndjson", "csv", "json"):
        out = io.StringIO()
        call_command("export_statements", "--format", fmt, stdout=out)
        assert "Zanzibar" not in out.getvalue()
        assert SECRET_TAG not in out.getvalue()
    for fmt in ("ndjson", "csv"):
        own = b"".join(grace.get(f"/accounts/statements.{fmt}").streaming_content).decode()
        assert str(secret_note.activity_id) not in own
        assert "Zanzibar" not in own


def test_door_notifications(secret_note, classmate, grace, enrolled, lesson):
    services.subscription_set(user=classmate, subscribed=True, lesson=lesson)
    shared = services.note_create(author=enrolled, lesson=lesson, body="Shared, but no one is pinged", shared=True)
    services.note_vote_toggle(user=classmate, note=shared)
    assert not Notification.objects.exists()
    assert "Zanzibar" not in grace.get("/discussions/notifications/").content.decode()


def test_door_wagtail_admin_for_authors(secret_note, course):
    author = UserFactory(username="author2", groups=["Learners", "Authors"])
    course.authors.add(author)
    course.save()
    admin = _client(author)
    assert admin.get("/admin/").status_code == 200
    for path in ("/admin/snippets/discussions/note/", "/admin/discussions/note/", "/admin/snippets/"):
        response = admin.get(path)
        assert "Zanzibar" not in response.content.decode()
        assert response.status_code in (200, 302, 403, 404)
    tags = admin.get("/admin/tag-autocomplete/", {"term": "payrise"})
    assert SECRET_TAG not in tags.content.decode()
    search = admin.get("/admin/pages/search/", {"q": "Zanzibar"})
    assert "Zanzibar-7" not in search.content.decode()


def test_door_the_site_search_and_statements_in_json(secret_note, grace):
    response = grace.get("/search/", {"q": "Zanzibar"})
    assert "Zanzibar-7" not in response.content.decode()
    for statement in __import__("insights.models", fromlist=["Statement"]).Statement.objects.all():
        assert "Zanzibar" not in json.dumps(statement.data)
