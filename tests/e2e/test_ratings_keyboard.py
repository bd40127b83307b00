"""Rating a lesson with the keyboard only, on a phone-sized screen, in real Chromium.

The stars are a native radio group: Tab reaches it, the arrow keys choose, Tab moves on to the review,
Enter submits. No JavaScript is involved, so this is also the no-JS path.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from courses import services as course_services
from discussions.models import Rating
from tests.e2e.conftest import PHONE
from tests.factories import CoursePageFactory, LessonPageFactory, UserFactory, paragraph

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_rate_a_lesson_by_keyboard(baseline_data, browser, live_server):
    course = CoursePageFactory(title="Writing for the web", slug="web")
    lesson = LessonPageFactory(parent=course, title="Front-load the point", body=[paragraph("<p>Lead with it.</p>")])
    course.save_revision().publish()
    learner = UserFactory(username="keyboard", first_name="Kay", last_name="Board")
    course_services.enrolment_create(user=learner, course=course)
    client = Client()
    client.force_login(learner)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(lesson.url)
        stars = page.get_by_role("group", name="Your rating")
        stars.scroll_into_view_if_needed()
        page.get_by_role("radio", name="1 star", exact=True).focus()
        page.keyboard.press("Space")
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        assert page.get_by_role("radio", name="4 stars").is_checked()
        focused = page.evaluate("document.activeElement.id")
        assert focused == "rating-stars-4"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "rating-review"
        page.keyboard.type("Clear examples; I rewrote our team page after it.")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**{lesson.url}#ratings")
        assert page.get_by_text("You rated this 4 stars").is_visible()
        assert page.get_by_role("img", name="Rated 4.0 out of 5").first.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
    assert not errors
    rating = Rating.objects.get(author=learner, lesson=lesson)
    assert (rating.stars, rating.review) == (4, "Clear examples; I rewrote our team page after it.")
