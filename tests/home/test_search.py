"""/search/: one box across courses, lessons, discussions and people, never showing what the viewer may not see.

Search indexing runs after commit (Wagtail's signal handlers enqueue it on commit), so these tests
index explicitly with `index.insert_or_update_object`, as the committed request would.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from wagtail.search import index

from courses import services as course_services
from discussions import services as discussion_services
from discussions.models import Reply, Thread
from home.search import SEARCH_SOURCES, site_search
from tests.factories import LessonPageFactory, UserFactory, course_with_lessons


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DISCUSSIONS_NEW_ACCOUNT_DAYS = 0


def reindex(*objects):
    for obj in objects:
        obj.refresh_from_db()
        index.insert_or_update_object(obj)


@pytest.fixture
def world(db):
    meetings, meeting_lessons = course_with_lessons(
        2, title="Running effective meetings", slug="meetings", summary="Shorter meetings with a clear agenda."
    )
    privacy, privacy_lessons = course_with_lessons(
        1, title="Data privacy at work", slug="privacy", summary="Handling personal data with care."
    )
    lesson = meeting_lessons[0]
    lesson.title = "Agendas that work"
    lesson.summary = "Write the agenda before you book the room."
    lesson.save_revision().publish()
    member = UserFactory(username="member", first_name="Mina", last_name="Member", job_title="Facilitator")
    outsider = UserFactory(username="outsider", first_name="Otto", last_name="Side", team="Finance")
    for person in (member,):
        course_services.enrolment_create(user=person, course=meetings)
    course_services.enrolment_create(user=outsider, course=privacy)
    thread = discussion_services.thread_create(
        author=member, lesson=lesson, course=meetings, kind="question", title="Timebox the agenda items?",
        body="Should every agenda item get a **timebox**?",
    )  # fmt: skip
    reply = discussion_services.reply_create(
        author=member, thread=thread, body="Yes: the timebox keeps the agenda honest."
    )
    hidden = discussion_services.reply_create(author=member, thread=thread, body="A hidden agenda remark.")
    moderator = UserFactory(username="mod", groups=["Learners", "Moderators"])
    discussion_services.post_hide(moderator=moderator, post=hidden, reason="Off-topic")
    deleted = discussion_services.thread_create(
        author=member, lesson=lesson, course=meetings, kind="discussion", title="Deleted agenda musings",
        body="Nothing to see.",
    )  # fmt: skip
    discussion_services.post_delete(actor=member, post=deleted)
    draft = LessonPageFactory(parent=meetings, title="Agenda draft lesson", slug="agenda-draft", live=False)
    reindex(thread, reply, hidden, deleted, *Thread.objects.all(), *Reply.objects.all())
    for page in (meetings, privacy, lesson, *meeting_lessons, *privacy_lessons, draft):
        index.insert_or_update_object(page.specific)
    return {
        "meetings": meetings, "privacy": privacy, "lesson": lesson, "member": member, "outsider": outsider,
        "thread": thread, "reply": reply, "hidden": hidden, "deleted": deleted, "draft": draft, "moderator": moderator,
    }  # fmt: skip


def run(query, viewer, kind=""):
    request = RequestFactory().get("/search/")
    request.user = viewer
    return site_search(query=query, viewer=viewer, request=request, kind=kind)


def titles(page):
    return {section.source.key: [r.title for r in section.results] for section in page.sections}


def test_a_member_finds_courses_lessons_threads_and_replies(world):
    found = titles(run("agenda", world["member"]))
    assert found["courses"] == ["Running effective meetings"]
    assert found["lessons"] == ["Agendas that work"]
    assert found["threads"] == ["Timebox the agenda items?"]
    assert found["replies"] == ["Reply in “Timebox the agenda items?”"]


def test_never_hidden_deleted_or_draft(world):
    for viewer in (world["member"], world["moderator"]):
        page = run("agenda", viewer)
        shown = [r for section in page.sections for r in section.results]
        texts = " ".join(f"{r.title} {r.snippet}" for r in shown)
        assert "hidden agenda remark" not in texts
        assert "Deleted agenda musings" not in texts
        assert "Agenda draft lesson" not in texts


def test_discussions_of_courses_the_viewer_is_not_in_never_match(world):
    found = titles(run("agenda timebox", world["outsider"]))
    assert "threads" not in found
    assert "replies" not in found
    assert titles(run("timebox", world["moderator"]))["threads"] == ["Timebox the agenda items?"]


def test_unpublished_course_hides_its_lessons(world):
    world["meetings"].unpublish()
    found = titles(run("agenda", world["member"]))
    assert "courses" not in found
    assert "lessons" not in found
    assert "threads" not in found


def test_visitors_search_courses_and_lessons_only(world):
    page = run("agenda", AnonymousUser())
    assert {s.source.key for s in page.sections} == {"courses", "lessons"}
    assert [s.key for s in page.sources] == ["courses", "lessons"]
    assert run("agenda", AnonymousUser(), kind="threads").kind == ""  # a filter they may not use falls back


def test_people_by_name_team_or_title(world):
    assert titles(run("finance", world["member"]))["people"] == ["Otto Side"]
    assert titles(run("mina facilitator", world["outsider"]))["people"] == ["Mina Member"]


def test_type_filter_and_paging(world):
    page = run("agenda", world["member"], kind="lessons")
    assert [s.source.key for s in page.sections] == ["lessons"]
    assert not page.sections[0].has_more
    assert [s.key for s in SEARCH_SOURCES] == ["courses", "lessons", "threads", "replies", "notes", "people"]


def test_punctuation_and_operators_are_just_words(world):
    from home.search import clean_query

    assert clean_query(" Agenda  AND <b>'timebox'</b> NOT \" ") == "agenda and b timebox b not"
    assert clean_query("!!!") == ""
    assert titles(run("AGENDA?!", world["member"]))["threads"] == ["Timebox the agenda items?"]


def test_search_page_renders_and_bad_input_is_harmless(world, django_assert_max_num_queries):
    client = Client()
    client.force_login(world["member"])
    response = client.get("/search/", {"q": "agenda"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Timebox the agenda items?" in body
    assert "Agendas that work" in body
    assert 'role="search"' in body
    for params in (
        {"q": "x" * 5000},
        {"q": "agenda", "page": "abc"},
        {"q": "agenda", "type": "nope"},
        {"q": "'\"<>&|!"},
    ):
        assert client.get("/search/", params).status_code == 200
    assert client.get("/search/").status_code == 200
    with django_assert_max_num_queries(20):
        client.get("/search/", {"q": "agenda"})


def test_query_count_does_not_grow_with_results(world, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(world["member"])
    client.get("/search/", {"q": "agenda"})
    with CaptureQueriesContext(connection) as few:
        client.get("/search/", {"q": "agenda"})
    for n in range(12):
        thread = discussion_services.thread_create(
            author=world["member"], lesson=world["lesson"], course=world["meetings"], kind="question",
            title=f"Agenda question {n}", body=f"Agenda detail {n}.",
        )  # fmt: skip
        reply = discussion_services.reply_create(author=world["member"], thread=thread, body=f"Agenda answer {n}.")
        reindex(thread, reply)
    with CaptureQueriesContext(connection) as many:
        client.get("/search/", {"q": "agenda"})
    assert len(many.captured_queries) == len(few.captured_queries)


def test_shared_notes_are_found_by_classmates_and_private_notes_by_nobody(world):
    from discussions.models import Note

    classmate = UserFactory(username="classmate", first_name="Cleo")
    course_services.enrolment_create(user=classmate, course=world["meetings"])
    discussion_services.note_create(
        author=world["member"], lesson=world["lesson"], body="Parking lot for stray agenda topics.", shared=True
    )
    discussion_services.note_create(
        author=classmate, lesson=world["lesson"], body="Rotate the agenda timekeeper weekly.", shared=True,
        anonymous=True,
    )  # fmt: skip
    discussion_services.note_create(
        author=world["member"], lesson=world["lesson"], body="Private agenda grumble about Bob."
    )
    reindex(*Note.objects.all())

    def notes_found(viewer):
        section = next((s for s in run("agenda", viewer, kind="notes").sections if s.source.key == "notes"), None)
        return {r.snippet: r.meta for r in section.results} if section else {}

    found = notes_found(classmate)
    assert set(found) == {"Parking lot for stray agenda topics.", "Rotate the agenda timekeeper weekly."}
    assert found["Parking lot for stray agenda topics."] == "by Mina Member"
    assert notes_found(world["member"])["Rotate the agenda timekeeper weekly."] == "by a classmate"
    for viewer in (world["member"], classmate, world["outsider"], world["moderator"]):
        assert "Private agenda grumble about Bob." not in notes_found(viewer)
    assert notes_found(world["outsider"]) == {}  # not in the course
