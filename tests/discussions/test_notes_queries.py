"""Query bounds for notes: the panel costs 2 queries with 3 shared notes or 500; pages do not grow with notes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Enrolment
from discussions import permissions, selectors, services
from discussions.models import Note, NoteVote
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOTES_PANEL_QUERIES = 2  # my notes on the lesson; peers' top shared notes with writers and my votes joined


def populate(lesson, course, viewer, *, shared: int, mine: int) -> None:
    now = timezone.now()
    writers = [UserFactory(username=f"writer{i}") for i in range(10)]
    block_ids = [block.id for block in lesson.body]
    notes = Note.objects.bulk_create(
        [
            Note(
                author=writers[i % len(writers)], lesson=lesson, course=course, block_id=block_ids[i % len(block_ids)],
                body_markdown=f"Shared note {i}", body_html=f"<p>Shared note {i}</p>", visibility="shared",
                anonymous=i % 5 == 0, shared_at=now - timedelta(minutes=i), created_at=now - timedelta(minutes=i),
                helpful_count=i % 4,
            )
            for i in range(shared)
        ]
        + [
            Note(
                author=viewer, lesson=lesson, course=course, block_id=block_ids[i % len(block_ids)],
                body_markdown=f"My note {i}", body_html=f"<p>My note {i}</p>", created_at=now - timedelta(hours=i),
            )
            for i in range(mine)
        ]
    )  # fmt: skip
    NoteVote.objects.bulk_create([NoteVote(user=viewer, note=note, created_at=now) for note in notes[:shared:3]])


def test_the_notes_panel_costs_two_queries_whatever_the_number_of_notes(
    enrolled, lesson, course, django_assert_max_num_queries
):
    populate(lesson, course, enrolled, shared=500, mine=30)
    # What the lesson page already knows (the enrolment) or the discussion panel already asked (roles).
    permissions.remember_enrolment(enrolled, course, Enrolment.objects.get(user=enrolled))
    selectors.access_for(viewer=enrolled, course=course)
    with django_assert_max_num_queries(NOTES_PANEL_QUERIES):
        panel = selectors.notes_panel_for_lesson(lesson=lesson, course=course, viewer=enrolled)
        assert len(panel.mine) == 30
        assert len(panel.peers) == selectors.PEER_NOTES_LIMIT
        assert panel.peers_more
        counts = [note.helpful_count for note in panel.peers]
        assert counts == sorted(counts, reverse=True)
        assert panel.voted
        labels = {note.writer_label for note in panel.peers}
        assert all(label for label in labels)


def lesson_queries(client, url) -> tuple[int, int]:
    """(all queries, queries reading notes) for the second view in a row."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    notes = sum(1 for query in captured.captured_queries if "discussions_note" in query["sql"])
    return len(captured), notes


def test_the_lesson_page_costs_the_same_with_500_shared_notes(enrolled, course, lessons):
    course.save_revision().publish()
    small, big, empty = lessons
    services.note_create(author=enrolled, lesson=small, body="One note")
    populate(big, course, enrolled, shared=500, mine=30)
    client = Client()
    client.force_login(enrolled)
    assert lesson_queries(client, big.url) == lesson_queries(client, small.url) == lesson_queries(client, empty.url)
    total, notes = lesson_queries(client, big.url)
    assert notes == NOTES_PANEL_QUERIES
    html = client.get(big.url).content.decode()
    assert html.count('class="note"') == 30 + selectors.PEER_NOTES_LIMIT


def test_my_notes_is_bounded(enrolled, course, lessons, django_assert_max_num_queries):
    for lesson in lessons:
        populate(lesson, course, enrolled, shared=0, mine=40)
    for note in Note.objects.filter(author=enrolled)[:30]:
        note.tags.add("agendas", f"tag-{note.pk % 5}")
    client = Client()
    client.force_login(enrolled)
    client.get("/notes/")
    with django_assert_max_num_queries(12):
        response = client.get("/notes/")
    assert response.content.decode().count('class="note card') == 120
    with django_assert_max_num_queries(12):
        assert client.get("/notes/export.json").status_code == 200
