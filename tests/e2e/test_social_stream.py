"""Follow someone, they share a note and ask a question, both show in the follower's stream: a real browser, a phone."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from courses import services as course_services
from discussions import services
from discussions.models import Follow
from tests.factories import CoursePageFactory, LessonPageFactory, UserFactory, paragraph

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]  # see conftest


def test_follow_a_colleague_and_see_their_shared_note_and_question_in_the_stream(phone, artifacts):
    page = phone
    course = CoursePageFactory(title="Writing for the Web", slug="writing-for-the-web", summary="Write for readers.")
    lesson = LessonPageFactory(parent=course, title="Headlines", body=[paragraph("<p>Front-load them.</p>")])
    course.save_revision().publish()
    ada = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    priya = UserFactory(username="priya", first_name="Priya", last_name="Shah", job_title="Content designer")
    for person in (ada, priya):
        course_services.enrolment_create(user=person, course=course)

    page.goto("/accounts/login/?next=/people/priya/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("guild-test-pass")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Priya Shah", level=1)).to_be_visible()
    page.get_by_role("button", name="Follow Priya Shah").click()
    expect(page.get_by_role("button", name="Following Priya Shah · Undo")).to_be_visible()
    assert Follow.objects.filter(follower=ada, user=priya).exists()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "DISCUSSIONS_NEW_ACCOUNT_DAYS", 0)
        services.note_create(author=priya, lesson=lesson, body="Eight words is plenty for most headlines.", shared=True)
        thread = services.thread_create(
            author=priya, lesson=lesson, kind="question", title="How long should a headline be?", body="Any rule?"
        )

    page.goto("/stream/")
    sentences = page.locator(".stream-item__sentence")
    expect(sentences.first).to_contain_text("Priya Shah asked “How long should a headline be?” on Headlines")
    expect(sentences.first).to_contain_text("in Writing for the Web")
    expect(sentences.nth(1)).to_contain_text("Priya Shah shared a note on Headlines")
    page.get_by_role("link", name="People I follow").click()
    expect(page.locator(".stream-item")).to_have_count(2)
    page.screenshot(path=str(artifacts / "stream-phone.png"), full_page=True)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"the stream scrolls sideways on a phone ({width} px)"
    page.get_by_role("link", name="“How long should a headline be?”").click()
    expect(page).to_have_url(re.compile(re.escape(thread.get_absolute_url()) + "$"))
