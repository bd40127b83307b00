"""Ask a question, see who can help: in Chromium on a phone-sized screen.

A colleague's accepted answer on the lesson makes them the suggested helper on the lesson page; the
learner asks a question, and their thread page suggests the same person, with the routing promise.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from courses import services as course_services
from discussions import services as discussion_services
from discussions.models import Thread
from insights.experts import expertise_refresh
from tests.factories import UserFactory, course_with_lessons

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]  # see conftest


@pytest.fixture
def lesson_with_an_expert(baseline_data, settings):
    settings.DISCUSSIONS_NEW_ACCOUNT_DAYS = 0
    course, lessons = course_with_lessons(2, title="Running effective meetings", slug="effective-meetings")
    expert = UserFactory(username="erin", first_name="Erin", last_name="Okafor", job_title="Programme Manager")
    asker = UserFactory(username="sam", first_name="Sam", last_name="Reyes")
    learner = UserFactory(username="margaret", first_name="Margaret", last_name="Hamilton")
    for person in (expert, asker, learner):
        course_services.enrolment_create(user=person, course=course)
    lesson = lessons[0]
    old = discussion_services.thread_create(
        author=asker, lesson=lesson, course=course, kind="question", title="Who should write the agenda?",
        body="The chair or the person who called the meeting?",
    )  # fmt: skip
    answer = discussion_services.reply_create(author=expert, thread=old, body="Whoever owns the decision.")
    discussion_services.answer_accept(user=asker, reply=answer)
    expertise_refresh()
    return learner, lesson


def test_ask_a_question_and_see_who_can_help(phone, lesson_with_an_expert, live_server, artifacts):
    learner, lesson = lesson_with_an_expert
    client = Client()
    client.force_login(learner)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    phone.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page = phone

    page.goto(lesson.url)
    panel = page.get_by_role("region", name="People who can help")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("link", name="Erin Okafor")).to_be_visible()
    expect(panel).to_contain_text("1 accepted answer on this lesson")
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "helpers-lesson-phone.png"), full_page=False)

    page.get_by_role("link", name="Ask a question or start a discussion").click()
    page.get_by_label("Title").fill("How do I keep a stand-up to fifteen minutes?")
    page.get_by_label("Details").fill("Ours always runs over because of one long update.")
    page.get_by_role("button", name="Post").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("How do I keep a stand-up to fifteen minutes?")
    helpers = page.get_by_role("region", name="People who can help")
    expect(helpers.get_by_role("link", name="Erin Okafor")).to_be_visible()
    expect(helpers).to_contain_text("Guild asks the people who know this topic for you")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways at 375 px ({width} px)"
    helpers.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "helpers-thread-phone.png"), full_page=False)
    assert Thread.objects.filter(author=learner).count() == 1

    # The header's search box finds the new question (indexed when it committed).
    search = page.get_by_role("search").first
    search.get_by_role("searchbox").fill("stand-up fifteen")
    search.get_by_role("searchbox").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    expect(page.get_by_role("link", name="How do I keep a stand-up to fifteen minutes?")).to_be_visible()
    page.screenshot(path=str(artifacts / "search-phone.png"), full_page=False)
