"""Notes in a real browser on a phone: write a note about one block, see the block's marker, click the note
and land on its block, highlighted."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from courses import services as course_services
from discussions.models import Note
from insights.models import Statement
from insights.xapi import vocabulary as xapi
from tests.factories import CoursePageFactory, LessonPageFactory, UserFactory, knowledge_check, paragraph

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]  # see conftest

HIGHLIGHTED = re.compile(r"\bblock--highlight\b")
PARAGRAPHS = [
    "An agenda is a plan for how a group will spend its time and what it will produce.",
    "Write each item as an outcome: decide, discuss or inform, and say who decides.",
    "Put the item that needs the most thought first, while people are sharpest.",
    "Send the agenda at least a working day ahead, with the reading and how long it takes.",
    "Invite the people the outcome needs; everyone else can read the notes afterwards.",
]


@pytest.fixture
def lesson_and_learner(baseline_data):
    course = CoursePageFactory(title="Running effective meetings", slug="effective-meetings")
    body = [paragraph(f"<p>{text} {' '.join([text] * 6)}</p>") for text in PARAGRAPHS] + [knowledge_check()]
    lesson = LessonPageFactory(parent=course, title="Agendas that do the work", body=body)
    course.save_revision().publish()
    learner = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    course_services.enrolment_create(user=learner, course=course)
    return lesson, learner


def test_write_a_note_about_a_block_and_click_it_to_highlight_the_block(
    phone, live_server, lesson_and_learner, artifacts
):
    lesson, learner = lesson_and_learner
    client = Client()
    client.force_login(learner)
    phone.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )  # fmt: skip
    page = phone
    page.goto(lesson.url)
    target_id = [block.id for block in lesson.body][3]
    target = page.locator(f"#block-{target_id}")

    # "Add a note" under the fourth block opens the form about that block.
    target.get_by_role("button", name="Add a note").click()
    expect(page.locator("#note-block")).to_have_value(target_id)
    expect(page.get_by_label("Note", exact=True)).to_be_focused()
    page.get_by_label("Note", exact=True).fill("Send it **a day ahead**, with the reading time.")
    page.get_by_label("Tags").fill("agendas, try this")
    page.get_by_role("button", name="Save note").click()

    note = Note.objects.get()
    assert note.block_id == target_id
    assert sorted(note.tags.names()) == ["agendas", "try this"]
    assert Statement.objects.filter(verb=xapi.ANNOTATED.iri, actor_user=learner).exists()
    card = page.locator(f"#note-{note.activity_id}")
    expect(card).to_contain_text("a day ahead")
    expect(card.locator("strong")).to_have_text("a day ahead")
    expect(card.locator(".badge")).to_have_text("Private")
    # The block shows a marker for the learner's own note.
    expect(target.locator("[data-note-marker]")).to_have_text("Your note")

    # Scroll away, then click the note's anchor: the page scrolls to the block and highlights it.
    page.evaluate("window.scrollTo(0, 0)")
    card.get_by_role("link", name="On part 4").click()
    expect(target).to_have_class(HIGHLIGHTED)
    expect(target).to_be_in_viewport()
    expect(target).to_be_focused()
    page.screenshot(path=str(artifacts / "lesson-notes-highlight.png"))

    # And the marker leads back to the note.
    target.locator("[data-note-marker]").click()
    expect(card).to_be_in_viewport()
    page.locator("#notes").screenshot(path=str(artifacts / "lesson-notes-panel.png"))
