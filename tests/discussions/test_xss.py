"""≥150 XSS payloads as titles, bodies, replies and names: nothing that can run script is stored or served."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from courses import services as course_services
from discussions import services
from discussions.markdown import ALLOWED_TAGS
from discussions.models import Reply, Thread
from discussions.services import DiscussionError

from .xss import payloads, problems

pytestmark = pytest.mark.django_db


def test_the_corpus_is_large_enough():
    assert len(payloads()) >= 150
    assert len(set(payloads())) == len(payloads())


@pytest.mark.parametrize("payload", payloads())
def test_rendered_body_is_safe(payload):
    try:
        _markdown, rendered = services.clean_body(payload)
    except DiscussionError:
        return  # nothing left after sanitising: refused, which is safe too
    assert not problems(rendered, allowed_tags=set(ALLOWED_TAGS)), (payload, rendered)
    assert "<script" not in rendered.lower()


@pytest.mark.parametrize("payload", payloads())
def test_titles_are_plain_text(payload):
    try:
        title = services.clean_title(payload)
    except DiscussionError:
        return
    assert not problems(title), (payload, title)
    assert not any(tag in title.lower() for tag in ("<script", "<img", "<svg", "<iframe")), title


def test_every_payload_everywhere_is_served_safely(enrolled, classmate, lesson, course):
    corpus = payloads()
    course.save_revision().publish()
    # People whose names are payloads (bypassing the signup validators, as an import or admin might).
    villains = []
    for number, payload in enumerate(corpus[:40]):
        villain = User.objects.create(
            username=f"v{number}{payload[:100]}", first_name=payload[:150], last_name=payload[-150:]
        )
        course_services.enrolment_create(user=villain, course=course)
        villains.append(villain)
    thread = services.thread_create(author=enrolled, lesson=lesson, kind="question", title="XSS host", body="Host")
    for number, payload in enumerate(corpus):
        try:
            services.thread_create(author=classmate, lesson=lesson, kind="discussion", title=payload, body=payload)
        except DiscussionError:
            services.thread_create(
                author=classmate,
                lesson=lesson,
                kind="discussion",
                title=f"T{number} {payload}",
                body=f"B{number} {payload}",
            )
        author = villains[number % len(villains)]
        services.reply_create(author=author, thread=thread, body=f"{number} {payload}")
    for post in [*Thread.objects.all(), *Reply.objects.all()]:
        assert not problems(post.body_html, allowed_tags=set(ALLOWED_TAGS)), post.body_markdown
        assert not problems(getattr(post, "title", "")), post.title

    client = Client()
    client.force_login(enrolled)
    pages = [f"{lesson.url}?page={n}" for n in range(1, Thread.objects.count() // 20 + 2)]
    pages += [f"{thread.get_absolute_url()}?page={n}" for n in (1, 2)]
    pages += [t.get_absolute_url() for t in Thread.objects.order_by("pk")[:60]]
    pages += ["/discussions/notifications/", course.url]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        found = problems(response.content.decode())
        assert not found, (url, found[:5])
