"""A new learner's first course, in a real browser on a phone-sized screen.

sign up → catalogue → course → enrol → lesson → knowledge check (wrong, then right) → complete →
progress on the course page and on home. Screenshots of the lesson and course pages go to test-artifacts/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from courses.models import Enrolment, KnowledgeCheckAnswer, LessonProgress
from insights.models import Statement
from insights.xapi import vocabulary as xapi
from tests.factories import CoursePageFactory, LessonPageFactory, knowledge_check, paragraph

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]  # see conftest

PROSE = "Send the agenda a day ahead, with the decision each item needs."


def meetings_course():
    course = CoursePageFactory(
        title="Running effective meetings",
        slug="effective-meetings",
        summary="Shorter meetings that end with decisions.",
    )
    check = knowledge_check(question="What should reach people before the meeting?")
    check["value"]["options"] = [
        {"text": "Nothing: keep it spontaneous", "is_correct": False, "feedback": "People arrive unprepared."},
        {"text": "An agenda with the decisions needed", "is_correct": True, "feedback": "Yes: they can prepare."},
        {"text": "Only the calendar invite", "is_correct": False, "feedback": "An invite alone says nothing."},
    ]
    lessons = [
        LessonPageFactory(parent=course, title="Why meetings fail", body=[paragraph(f"<p>{PROSE}</p>"), check]),
        LessonPageFactory(parent=course, title="Running the room", body=[paragraph("<p>Keep time.</p>")]),
        LessonPageFactory(parent=course, title="After the meeting", body=[paragraph("<p>Write it down.</p>")]),
    ]
    return course, lessons


def progress_bar(page, name: str = "Course progress"):
    return page.get_by_role("progressbar", name=name, exact=True)


def test_a_new_learner_signs_up_enrols_answers_and_completes_a_lesson(phone, artifacts):
    page = phone
    course, lessons = meetings_course()

    # Sign up.
    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your Guild account")
    assert_styled(page)
    page.get_by_label("Username").fill("margaret")
    page.get_by_label("First name").fill("Margaret")
    page.get_by_label("Email").fill("margaret@example.com")
    page.get_by_label("Password", exact=True).fill("apollo-guidance-42")
    page.get_by_label("Password confirmation").fill("apollo-guidance-42")
    page.get_by_role("button", name="Create account").click()

    # The catalogue.
    expect(page).to_have_url(re.compile(r"/courses/$"))
    expect(page.get_by_text("Welcome to Guild, Margaret!")).to_be_visible()
    page.get_by_role("link", name="Running effective meetings").click()

    # The course: enrol.
    expect(page.get_by_role("heading", level=1)).to_have_text("Running effective meetings")
    page.get_by_role("button", name="Enrol", exact=True).click()
    expect(page.get_by_text("You're enrolled in Running effective meetings.")).to_be_visible()
    expect(progress_bar(page)).to_have_attribute("aria-valuenow", "0")

    # The first lesson.
    page.get_by_role("link", name=re.compile(r"^Start.*Why meetings fail")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Why meetings fail")
    expect(page.get_by_text(PROSE)).to_be_visible()

    # A knowledge check: wrong, then right, with feedback each time.
    question = page.get_by_role("group", name="What should reach people before the meeting?")
    question.get_by_label("Only the calendar invite").check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_text("Not quite")).to_be_visible()
    expect(page.get_by_text("An invite alone says nothing.")).to_be_visible()
    page.get_by_label("An agenda with the decisions needed").check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_text("Correct", exact=False).first).to_be_visible()
    expect(page.get_by_text("Yes: they can prepare.")).to_be_visible()
    expect(page.get_by_text("An invite alone says nothing.")).to_have_count(0)
    expect(page.get_by_label("An agenda with the decisions needed")).to_be_checked()

    # Complete the lesson.
    page.get_by_role("button", name="Mark lesson complete").click()
    expect(page.get_by_text("Lesson complete: Why meetings fail.")).to_be_visible()
    expect(page.get_by_text("You completed this lesson.")).to_be_visible()
    assert_fits_the_phone(page)
    page.screenshot(path=str(artifacts / "lesson-phone.png"), full_page=True)

    # Progress on the course page…
    page.goto(course.url)
    expect(progress_bar(page)).to_have_attribute("aria-valuenow", "33")
    expect(page.get_by_text("1 of 3 lessons complete").first).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"Continue: Running the room"))).to_be_visible()
    assert_fits_the_phone(page)
    page.screenshot(path=str(artifacts / "course-phone.png"), full_page=True)

    # …and on home, under My learning.
    page.goto("/")
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()
    expect(progress_bar(page, "Course progress: Running effective meetings").first).to_have_attribute(
        "aria-valuenow", "33"
    )
    expect(page.get_by_text("Next up: Running the room")).to_be_visible()

    # What the browser did is what the database holds.
    user = User.objects.get(username="margaret")
    enrolment = Enrolment.objects.get(user=user, course=course)
    assert LessonProgress.objects.get(user=user, lesson=lessons[0]).completed_at is not None
    assert list(
        KnowledgeCheckAnswer.objects.filter(user=user).order_by("answered_at").values_list("choice", flat=True)
    ) == [
        "c",
        "b",
    ]
    verbs = list(Statement.objects.filter(actor_user=user).order_by("timestamp").values_list("verb", flat=True))
    assert verbs == [
        xapi.REGISTERED.iri,
        xapi.EXPERIENCED.iri,
        xapi.ANSWERED.iri,
        xapi.ANSWERED.iri,
        xapi.COMPLETED.iri,
    ]
    assert set(Statement.objects.filter(actor_user=user).values_list("registration", flat=True)) == {
        enrolment.registration
    }
    assert (artifacts / "lesson-phone.png").stat().st_size > 10_000
    assert (artifacts / "course-phone.png").stat().st_size > 10_000


def test_visitors_are_asked_to_sign_in_to_read_a_lesson(phone):
    page = phone
    _, lessons = meetings_course()
    page.goto(lessons[0].url)
    expect(page.get_by_role("heading", name="Sign in to read this lesson")).to_be_visible()
    expect(page.get_by_text(PROSE)).to_have_count(0)
    page.get_by_role("link", name="Log in", exact=True).last.click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))


def assert_styled(page) -> None:
    """The stylesheet loaded: it answers 200 and changes how the page looks from the browser's defaults."""
    stylesheet = page.evaluate(
        "() => [...document.styleSheets].filter(s => s.href && s.href.includes('/static/')).map(s => s.href)"
    )
    assert stylesheet, "no stylesheet from /static/ on the page"
    for href in stylesheet:
        assert page.request.get(href).status == 200, href
    rules = page.evaluate(
        "() => [...document.styleSheets].filter(s => s.href && s.href.includes('/static/'))"
        ".reduce((n, s) => n + s.cssRules.length, 0)"
    )
    assert rules > 10, "the stylesheet loaded but is (nearly) empty"
    body = page.evaluate(
        "() => { const s = getComputedStyle(document.body); return [s.fontFamily, s.margin, s.backgroundColor]; }"
    )
    defaults = ['"Times New Roman"', "8px", "rgba(0, 0, 0, 0)"]
    assert body != defaults, f"body still has the browser's default style: {body}"
    button = page.get_by_role("button").first
    assert button.evaluate("b => getComputedStyle(b).borderStyle") != "outset", "buttons are unstyled"


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a 375 px phone ({width} px wide)"
