"""Notes: writing, anchoring, sharing, votes, turning a note into a question, My notes, exports, statements."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from discussions import selectors, services
from discussions.models import Note, NoteVote, Thread
from discussions.services import DiscussionError
from insights.models import Statement
from insights.xapi import vocabulary as xapi

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _block_ids(lesson) -> list[str]:
    return [block.id for block in lesson.body]


@pytest.fixture
def ada(enrolled):
    return _client(enrolled)


@pytest.fixture
def grace(classmate):
    return _client(classmate)


@pytest.fixture
def published(course):
    course.save_revision().publish()
    return course


# --- services -------------------------------------------------------------------------------------


def test_a_note_is_private_by_default_anchored_and_sanitised(enrolled, lesson, course):
    block = _block_ids(lesson)[0]
    note = services.note_create(
        author=enrolled, lesson=lesson, body="Agendas **first** <script>alert(1)</script>", block_id=block,
        tags="agendas, Meetings, agendas",
    )  # fmt: skip
    assert not note.is_shared
    assert note.block_id == block
    assert "<strong>first</strong>" in note.body_html
    assert "<script>" not in note.body_html
    assert sorted(note.tags.names(), key=str.lower) == ["agendas", "Meetings"]
    statement = Statement.objects.get(verb=xapi.ANNOTATED.iri)
    assert statement.object_id == lesson.xapi_activity().iri
    extensions = statement.data["context"]["extensions"]
    assert extensions[xapi.VISIBILITY.iri] == "private"
    assert extensions[xapi.BLOCK_ID.iri] == block
    assert xapi.NOTE_TEXT.iri not in extensions
    assert "Agendas" not in json.dumps(statement.data)


def test_a_video_moment_is_kept_only_for_video_blocks(enrolled, lesson):
    note = services.note_create(author=enrolled, lesson=lesson, body="Hm", block_id=_block_ids(lesson)[0],
                                video_seconds=95)  # fmt: skip
    assert note.video_seconds is None  # a paragraph has no moments


@pytest.mark.parametrize(
    ("body", "block", "message"),
    [("", "", "empty"), ("   ", "", "empty"), ("**   **", "", "no text"), ("x" * 20_001, "", "too long"),
     ("Fine", "not-a-block", "no longer exists")],
)  # fmt: skip
def test_bad_notes_are_refused_and_nothing_is_stored(enrolled, lesson, body, block, message):
    with pytest.raises(DiscussionError, match=message):
        services.note_create(author=enrolled, lesson=lesson, body=body, block_id=block)
    assert not Note.objects.exists()
    assert not Statement.objects.filter(verb=xapi.ANNOTATED.iri).exists()


def test_only_people_in_the_course_can_write_notes(outsider, lesson):
    with pytest.raises(DiscussionError, match="Enrol"):
        services.note_create(author=outsider, lesson=lesson, body="Sneaky")
    assert not Note.objects.exists()


def test_too_many_or_too_long_tags_are_refused(enrolled, lesson):
    with pytest.raises(DiscussionError, match="at most 10"):
        services.note_create(author=enrolled, lesson=lesson, body="x", tags=[f"t{i}" for i in range(11)])
    with pytest.raises(DiscussionError, match="under 40"):
        services.note_create(author=enrolled, lesson=lesson, body="x", tags=["y" * 41])


def test_a_double_submit_keeps_one_note(enrolled, lesson):
    first = services.note_create(author=enrolled, lesson=lesson, body="Same")
    again = services.note_create(author=enrolled, lesson=lesson, body="Same")
    assert first.pk == again.pk
    assert Statement.objects.filter(verb=xapi.ANNOTATED.iri).count() == 1


def test_sharing_records_shared_and_the_text_only_under_the_export_policy(enrolled, lesson, settings):
    note = services.note_create(author=enrolled, lesson=lesson, body="Private words")
    services.note_share(user=enrolled, note=note, shared=True)
    shared = Statement.objects.get(verb=xapi.SHARED.iri)
    assert shared.object_id == note.xapi_activity().iri
    assert shared.data["object"]["definition"]["type"] == xapi.NOTE.iri
    assert "Private words" not in json.dumps(shared.data)
    # Policy off (the default): even a shared note's text stays out.
    services.note_edit(editor=enrolled, note=note, body="Shared words")
    latest = Statement.objects.filter(verb=xapi.ANNOTATED.iri).order_by("-stored").first()
    assert "Shared words" not in json.dumps(latest.data)
    settings.XAPI_EXPORT_SHARED_NOTE_TEXT = True
    services.note_edit(editor=enrolled, note=note, body="Exported words")
    latest = Statement.objects.filter(verb=xapi.ANNOTATED.iri).order_by("-stored").first()
    assert latest.data["context"]["extensions"][xapi.NOTE_TEXT.iri] == "Exported words"
    # …and never for a private note, whatever the policy.
    services.note_create(author=enrolled, lesson=lesson, body="Still secret")
    assert "Still secret" not in json.dumps([s.data for s in Statement.objects.all()])


def test_only_the_writer_changes_a_note(enrolled, classmate, lesson):
    note = services.note_create(author=enrolled, lesson=lesson, body="Mine", shared=True)
    for action in (
        lambda: services.note_edit(editor=classmate, note=note, body="Theirs"),
        lambda: services.note_share(user=classmate, note=note, shared=False),
        lambda: services.note_delete(user=classmate, note=note),
        lambda: services.note_to_thread(user=classmate, note=note, title="Stolen"),
    ):
        with pytest.raises(DiscussionError, match="Only the person who wrote"):
            action()
    note.refresh_from_db()
    assert note.body_markdown == "Mine"
    assert note.is_shared


def test_helpful_votes_toggle_once_per_person(enrolled, classmate, lesson):
    note = services.note_create(author=enrolled, lesson=lesson, body="Useful", shared=True)
    assert services.note_vote_toggle(user=classmate, note=note) is True
    assert Note.objects.get(pk=note.pk).helpful_count == 1
    assert services.note_vote_toggle(user=classmate, note=note) is False
    assert Note.objects.get(pk=note.pk).helpful_count == 0
    assert not NoteVote.objects.exists()
    verbs = list(Statement.objects.filter(object_id=note.xapi_activity().iri).values_list("verb", flat=True))
    assert xapi.VOTED_UP.iri in verbs
    assert xapi.UNVOTED.iri in verbs
    with pytest.raises(DiscussionError, match="own note"):
        services.note_vote_toggle(user=enrolled, note=note)


def test_private_notes_take_no_votes(enrolled, classmate, lesson):
    note = services.note_create(author=enrolled, lesson=lesson, body="Mine")
    with pytest.raises(DiscussionError, match="no longer shared"):
        services.note_vote_toggle(user=classmate, note=note)


def test_a_shared_note_becomes_a_question_linked_both_ways(enrolled, lesson):
    block = _block_ids(lesson)[0]
    note = services.note_create(author=enrolled, lesson=lesson, body="Why agendas *first*?", block_id=block)
    with pytest.raises(DiscussionError, match="Share the note first"):
        services.note_to_thread(user=enrolled, note=note, title="Why agendas first?")
    services.note_share(user=enrolled, note=note, shared=True)
    thread = services.note_to_thread(user=enrolled, note=note, title="Why agendas first?")
    assert thread.is_question
    assert thread.block_id == block
    assert thread.body_markdown == note.body_markdown
    assert Note.objects.get(pk=note.pk).thread == thread
    assert Thread.objects.get(pk=thread.pk).source_note.pk == note.pk
    assert services.note_to_thread(user=enrolled, note=note, title="Again").pk == thread.pk
    assert Statement.objects.filter(verb=xapi.POSTED.iri, object_id=thread.xapi_activity().iri).exists()


def test_deleting_a_note_records_deleted_and_keeps_its_question(enrolled, lesson):
    note = services.note_create(author=enrolled, lesson=lesson, body="Ask this", shared=True)
    thread = services.note_to_thread(user=enrolled, note=note, title="A question")
    iri = note.xapi_activity().iri
    services.note_delete(user=enrolled, note=note)
    assert not Note.objects.exists()
    assert Thread.objects.filter(pk=thread.pk).exists()
    assert Statement.objects.filter(verb=xapi.DELETED.iri, object_id=iri).exists()


def test_when_the_author_removes_the_block_the_note_says_its_anchor_moved(enrolled, lesson, course):
    first, second = _block_ids(lesson)
    note = services.note_create(author=enrolled, lesson=lesson, body="About the first part", block_id=first)
    lesson.body = json.dumps([dict(item) for item in lesson.body.raw_data if item["id"] != first])
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    panel = selectors.notes_panel_for_lesson(lesson=lesson, course=course, viewer=enrolled)
    (mine,) = panel.mine
    assert mine.pk == note.pk
    assert mine.anchor_moved
    assert panel.markers == {}
    # Editing its text keeps the (moved) anchor and the note.
    services.note_edit(editor=enrolled, note=note, body="Still about the first part")
    assert Note.objects.get(pk=note.pk).block_id == first
    assert second in {block.id for block in lesson.body}


# --- the lesson page and the panel ----------------------------------------------------------------


def test_the_lesson_page_shows_my_notes_with_markers_and_peers(ada, grace, enrolled, classmate, lesson, published):
    block = _block_ids(lesson)[0]
    mine = services.note_create(author=enrolled, lesson=lesson, body="My own **thought**", block_id=block)
    services.note_create(author=classmate, lesson=lesson, body="Grace's shared tip", shared=True)
    services.note_create(author=classmate, lesson=lesson, body="Grace's anonymous tip", shared=True, anonymous=True)
    html = ada.get(lesson.url).content.decode()
    assert 'id="notes"' in html
    assert "js/notes.js" in html
    assert f'id="note-{mine.activity_id}"' in html
    assert f'data-note-block="{block}"' in html
    assert f'data-note-anchor="{block}"' in html
    assert "<strong>thought</strong>" in html
    assert "Grace's shared tip" in html
    assert "Grace Hopper" in html
    assert "Grace's anonymous tip" in html
    assert "A classmate" in html
    delete = html[html.index(f'action="/notes/{mine.activity_id}/delete/"') :]
    assert f'name="next" value="{lesson.url}#notes"' in delete[:400]  # deleting returns to the panel


def test_peers_are_ranked_by_helpful_votes_then_recency(enrolled, classmate, outsider, lesson, course):
    from courses import services as course_services

    course_services.enrolment_create(user=outsider, course=course)
    old = services.note_create(author=classmate, lesson=lesson, body="Old but helpful", shared=True)
    services.note_create(author=classmate, lesson=lesson, body="Newest", shared=True)
    services.note_vote_toggle(user=outsider, note=old)
    panel = selectors.notes_panel_for_lesson(lesson=lesson, course=course, viewer=enrolled)
    assert [n.body_html for n in panel.peers] == ["<p>Old but helpful</p>", "<p>Newest</p>"]


def test_moderators_see_who_wrote_an_anonymous_note(moderator, classmate, lesson, course):
    services.note_create(author=classmate, lesson=lesson, body="Anonymous", shared=True, anonymous=True)
    panel = selectors.notes_panel_for_lesson(lesson=lesson, course=course, viewer=moderator)
    assert panel.peers[0].writer_label == "Grace Hopper (anonymous to peers)"


def test_peers_notes_after_your_own(enrolled, classmate, moderator, lesson, course):
    lesson.peer_notes_after_own = True
    lesson.save()
    services.note_create(author=classmate, lesson=lesson, body="Spoiler", shared=True)
    panel = selectors.notes_panel_for_lesson(lesson=lesson, course=course, viewer=enrolled)
    assert panel.peers_locked
    assert panel.peers == []
    assert selectors.notes_panel_for_lesson(lesson=lesson, course=course, viewer=moderator).peers
    services.note_create(author=enrolled, lesson=lesson, body="My attempt first")
    enrolled.__dict__.pop("_discussions_enrolments", None)
    panel = selectors.notes_panel_for_lesson(lesson=lesson, course=course, viewer=enrolled)
    assert not panel.peers_locked
    assert len(panel.peers) == 1


def test_the_setting_is_in_the_wagtail_editor():
    from courses.models import LessonPage

    names = {getattr(panel, "field_name", None) for panel in LessonPage.content_panels}
    assert "peer_notes_after_own" in names


# --- views ----------------------------------------------------------------------------------------


def test_write_a_note_from_the_lesson(ada, lesson, published):
    block = _block_ids(lesson)[0]
    response = ada.post(
        reverse("notes:create", args=[lesson.pk]),
        {"body": "Keep the agenda to three items", "block_id": block, "tags": "agendas", "shared": "on"},
    )
    note = Note.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#note-{note.activity_id}")
    assert note.is_shared
    assert note.block_id == block


def test_bad_input_shows_form_errors_and_stores_nothing(ada, lesson, published):
    url = reverse("notes:create", args=[lesson.pk])
    response = ada.post(url, {"body": "", "video_moment": "soon"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "the note is empty" in html
    assert "minutes and seconds" in html
    response = ada.post(url, {"body": "", "block_id": "nope"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "errors" in response.json()
    assert not Note.objects.exists()


def test_a_video_moment_parses(ada, lesson, published):
    from discussions.forms import parse_video_moment

    assert parse_video_moment("2:15") == 135
    assert parse_video_moment("90") == 90
    assert parse_video_moment("1:00:01") == 3601
    assert parse_video_moment("") is None
    with pytest.raises(ValueError, match="x"):
        parse_video_moment("x")


def test_edit_share_vote_discuss_and_delete_through_the_pages(ada, grace, enrolled, classmate, lesson, published):
    note = services.note_create(author=enrolled, lesson=lesson, body="First thought")
    edit = reverse("notes:edit", args=[note.activity_id])
    assert ada.get(edit).status_code == 200
    assert ada.post(edit, {"body": "Second thought", "block_id": "", "tags": "a, b"}).status_code == 302
    note.refresh_from_db()
    assert note.body_markdown == "Second thought"
    assert sorted(note.tags.names()) == ["a", "b"]
    ada.post(reverse("notes:share", args=[note.activity_id]), {"shared": "1", "anonymous": "1"})
    note.refresh_from_db()
    assert note.is_shared
    assert note.anonymous
    vote = grace.post(reverse("notes:vote", args=[note.activity_id]), HTTP_ACCEPT="application/json")
    assert vote.json() == {"voted": True, "count": 1}
    assert ada.post(reverse("notes:vote", args=[note.activity_id]), HTTP_ACCEPT="application/json").status_code == 400
    discuss = reverse("notes:discuss", args=[note.activity_id])
    assert "Second thought" in ada.get(discuss).content.decode()
    assert ada.post(discuss, {"title": ""}).status_code == 400
    response = ada.post(discuss, {"title": "Is a second thought better?"})
    thread = Thread.objects.get()
    assert response["Location"] == thread.get_absolute_url()
    assert f"#note-{note.activity_id}" in grace.get(thread.get_absolute_url()).content.decode()  # the link back
    assert ada.post(reverse("notes:delete", args=[note.activity_id])).status_code == 302
    assert not Note.objects.exists()


def test_my_notes_groups_searches_filters_and_exports(enrolled, lesson, lessons, course, ada):
    services.note_create(author=enrolled, lesson=lessons[1], body="Chairing: **stop** the loudest voice", tags="chair")
    services.note_create(author=enrolled, lesson=lesson, body="Agendas as questions", tags="agendas")
    services.note_create(author=enrolled, lesson=lesson, body="Invite fewer people")
    html = ada.get("/notes/").content.decode()
    assert course.title in html
    assert lesson.title in html
    assert lessons[1].title in html
    assert html.index("Agendas as questions") < html.index("Chairing")  # course order: lesson 1 before 2
    found = ada.get("/notes/?q=invite fewer").content.decode()
    assert "Invite fewer people" in found
    assert "Agendas as questions" not in found
    tagged = ada.get("/notes/?tag=chair").content.decode()
    assert "Chairing" in tagged
    assert "Invite fewer" not in tagged
    markdown = ada.get("/notes/export.md")
    assert markdown["Content-Disposition"] == 'attachment; filename="guild-notes.md"'
    text = markdown.content.decode()
    assert f"## {course.title}" in text
    assert "Chairing: **stop** the loudest voice" in text
    data = ada.get("/notes/export.json")
    assert data["Content-Disposition"].endswith('guild-notes.json"')
    notes = data.json()["notes"]
    assert len(notes) == 3
    assert {"chair"} in [set(n["tags"]) for n in notes]


def test_my_notes_needs_signing_in(client):
    assert client.get("/notes/").status_code == 302
    assert client.get("/notes/export.json").status_code == 302


def test_a_shared_note_iri_resolves_and_a_private_one_does_not(client, enrolled, lesson, published):
    shared = services.note_create(author=enrolled, lesson=lesson, body="Shared text", shared=True)
    private = services.note_create(author=enrolled, lesson=lesson, body="Private text")
    response = client.get(shared.xapi_activity().iri.removeprefix("http://testserver"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["definition"]["type"] == xapi.NOTE.iri
    assert "Shared text" not in response.content.decode()
    path = private.xapi_activity().iri.removeprefix("http://testserver")
    assert client.get(path, HTTP_ACCEPT="application/json").status_code == 404
    assert _client(enrolled).get(path).status_code == 404


def test_no_notes_on_an_unpublished_lesson(enrolled, lesson):
    lesson.unpublish()
    with pytest.raises(DiscussionError, match="isn't published"):
        services.note_create(author=enrolled, lesson=lesson, body="Too early")
    assert not Note.objects.exists()
