"""The worst stored payloads, rendered in real Chromium: no dialog opens and no injected script runs.

Lives with the e2e tests to share their one Playwright session (tests/e2e/conftest.py: Debian's
/usr/bin/chromium, pytest-django's live server).
Every payload of the corpus is posted as a reply, the most dangerous ones also as thread titles and
as people's names; the lesson page, both pages of the thread, and the live preview are then driven
with hovers and focus so event-handler payloads would fire if any survived.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from courses import services as course_services
from discussions import services
from discussions.services import DiscussionError
from tests.discussions.xss import payloads
from tests.factories import CoursePageFactory, LessonPageFactory, UserFactory, paragraph

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SENTINEL = """
window.__xss = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  const original = window[name];
  window[name] = function () { window.__xss.push(name); };
}
"""
WORST = ("onerror", "onload", "onmouseover", "onfocus", "javascript:", "data:", "<script", "<svg", "ontoggle")


def worst(corpus: list[str]) -> list[str]:
    return [p for p in corpus if any(marker in p.lower() for marker in WORST)]


@pytest.fixture
def poisoned(baseline_data):
    course = CoursePageFactory(title="Security", slug="security")
    lesson = LessonPageFactory(parent=course, title="Safe posting", body=[paragraph("<p>Be careful.</p>")])
    course.save_revision().publish()
    host = UserFactory(username="host", first_name="Host", last_name="Learner")
    course_services.enrolment_create(user=host, course=course)
    corpus = payloads()
    nasty = worst(corpus)
    villains = []
    for number, payload in enumerate(nasty[:15]):
        villain = User.objects.create(username=f"villain{number}", first_name=payload[:150], last_name=payload[-150:])
        course_services.enrolment_create(user=villain, course=course)
        villains.append(villain)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "DISCUSSIONS_NEW_ACCOUNT_DAYS", 0)
        thread = services.thread_create(author=host, lesson=lesson, kind="question", title="Host", body=nasty[0])
        for number, payload in enumerate(corpus):
            services.reply_create(author=villains[number % len(villains)], thread=thread, body=f"{number}: {payload}")
        for number, payload in enumerate(nasty[:25]):
            try:
                services.thread_create(
                    author=villains[number % len(villains)],
                    lesson=lesson,
                    kind="discussion",
                    title=payload,
                    body=payload,
                )
            except DiscussionError:
                continue
    return host, lesson, thread


def test_worst_payloads_never_run_in_chromium(poisoned, browser, live_server):
    host, lesson, thread = poisoned
    client = Client()
    client.force_login(host)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(base_url=live_server.url)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    context.add_init_script(SENTINEL)
    context.set_default_timeout(10_000)
    page = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        for url in (
            lesson.url,
            f"{lesson.url}?page=2",
            thread.get_absolute_url(),
            f"{thread.get_absolute_url()}?page=2",
        ):
            page.goto(url)
            page.wait_for_load_state("load")
            for element in page.locator(".post, .thread-list__item").all()[:40]:
                element.hover(timeout=1_000, force=True)
            page.keyboard.press("Tab")
            page.wait_for_timeout(300)
            assert page.evaluate("window.__xss") == [], url
        # The live preview renders server-sanitised HTML into the page as you type.
        page.goto(thread.get_absolute_url())
        box = page.locator("#id_body")
        for payload in worst(payloads())[:20]:
            box.fill(payload)
            page.wait_for_timeout(450)
        page.wait_for_timeout(800)
        page.locator(".markdown-preview").hover(force=True)
        assert page.evaluate("window.__xss") == []
    finally:
        context.close()
    assert not dialogs, dialogs
    assert not errors, errors
