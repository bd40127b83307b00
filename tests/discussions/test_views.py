"""Views: the lesson panel, thread page and forms; CSRF, permissions, and bad input → errors, never a 500."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from discussions import services
from discussions.models import Flag, Reply, Thread, Vote
from insights.models import Statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(enrolled):
    client = Client()
    client.force_login(enrolled)
    return client


@pytest.fixture
def grace(classmate):
    client = Client()
    client.force_login(classmate)
    return client


def test_lesson_page_shows_the_panel_with_threads(ada, lesson, thread, course):
    course.save_revision().publish()
    response = ada.get(lesson.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="discussion"' in html
    assert thread.title in html
    assert reverse("discussions:thread_create", args=[lesson.pk]) in html


def test_panel_asks_outsiders_to_enrol_and_lists_nothing(outsider, lesson, thread):
    client = Client()
    client.force_login(outsider)
    html = client.get(lesson.url).content.decode()
    assert thread.title not in html
    assert "Enrol in this course to read and join the discussion" in html
    assert client.get(thread.get_absolute_url()).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, thread):
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_start_a_thread_from_a_block(ada, lesson):
    block_id = next(iter(lesson.body)).id
    url = reverse("discussions:thread_create", args=[lesson.pk])
    page = ada.get(f"{url}?block={block_id}")
    assert page.status_code == 200
    assert f'value="{block_id}" selected' in page.content.decode()
    response = ada.post(
        url, {"kind": "question", "title": "What about this?", "body": "Explain?", "block_id": block_id}
    )
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    html = ada.get(thread.get_absolute_url()).content.decode()
    assert f'href="{lesson.url}#block-{block_id}"' in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "question", "title": "   ", "body": "x"}, "Give your thread a title."),
        ({"kind": "question", "title": "Fine", "body": ""}, "the post is empty"),
        ({"kind": "question", "title": "Fine", "body": "y" * 50_000}, "too long"),
        ({"kind": "poll", "title": "Fine", "body": "x"}, "Select a valid choice"),
        ({"kind": "question", "title": "Fine", "body": "x", "block_id": "nope"}, "Select a valid choice"),
    ],
)
def test_bad_thread_input_shows_form_errors(ada, lesson, data, message):
    response = ada.post(reverse("discussions:thread_create", args=[lesson.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Thread.objects.exists()


def test_reply_and_quote(ada, grace, thread, reply):
    page = grace.get(f"{thread.get_absolute_url()}?quote={reply.activity_id}")
    assert "Quoting" in page.content.decode()
    response = ada.post(
        reverse("discussions:reply_create", args=[thread.activity_id]), {"body": "Agreed!", "quote": reply.activity_id}
    )
    assert response.status_code == 302
    new = Reply.objects.latest("created_at")
    assert new.quoted == reply
    html = ada.get(thread.get_absolute_url()).content.decode()
    assert "wrote:" in html
    assert "Agreed!" in html


def test_empty_reply_is_a_form_error_not_a_500(ada, thread):
    response = ada.post(reverse("discussions:reply_create", args=[thread.activity_id]), {"body": "   "})
    assert response.status_code == 400
    assert "the post is empty" in response.content.decode()
    assert not Reply.objects.exists()


def test_unknown_thread_is_404(ada):
    assert ada.get(reverse("discussions:thread", args=[uuid.uuid4()])).status_code == 404
    assert ada.post(reverse("discussions:reply_create", args=[uuid.uuid4()]), {"body": "x"}).status_code == 404
    assert ada.get("/discussions/threads/not-a-uuid/").status_code == 404


def test_forms_need_csrf(enrolled, thread, lesson):
    client = Client(enforce_csrf_checks=True)
    client.force_login(enrolled)
    before = Statement.objects.count()
    urls = [
        (reverse("discussions:thread_create", args=[lesson.pk]), {"kind": "question", "title": "t", "body": "b"}),
        (reverse("discussions:reply_create", args=[thread.activity_id]), {"body": "b"}),
        (reverse("discussions:thread_edit", args=[thread.activity_id]), {"title": "t", "body": "b"}),
        (reverse("discussions:thread_delete", args=[thread.activity_id]), {}),
        (reverse("discussions:thread_vote", args=[thread.activity_id]), {}),
        (reverse("discussions:thread_flag", args=[thread.activity_id]), {"reason": "spam"}),
        (reverse("discussions:notifications_read"), {}),
        (reverse("discussions:preview"), {"body": "x"}),
    ]
    for url, data in urls:
        assert client.post(url, data).status_code == 403, url
    assert Statement.objects.count() == before


def test_only_the_author_edits(grace, ada, thread):
    assert grace.get(reverse("discussions:thread_edit", args=[thread.activity_id])).status_code == 404
    assert (
        grace.post(
            reverse("discussions:thread_edit", args=[thread.activity_id]), {"title": "x", "body": "y"}
        ).status_code
        == 404
    )
    response = ada.post(
        reverse("discussions:thread_edit", args=[thread.activity_id]), {"title": "New title", "body": "New body"}
    )
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.title == "New title"
    html = grace.get(thread.get_absolute_url()).content.decode()
    assert "(edited)" in html
    assert grace.get(reverse("discussions:thread_history", args=[thread.activity_id])).status_code == 404
    history = ada.get(reverse("discussions:thread_history", args=[thread.activity_id]))
    assert history.status_code == 200
    assert "How long should a stand-up be?" in history.content.decode()


def test_delete_leaves_a_placeholder(ada, grace, thread, reply):
    grace.post(reverse("discussions:reply_delete", args=[reply.activity_id]))
    html = ada.get(thread.get_absolute_url()).content.decode()
    assert "[deleted]" in html
    assert "Fifteen minutes" not in html


def test_vote_on_deleted_post_is_a_clear_error(ada, grace, thread, reply):
    grace.post(reverse("discussions:reply_delete", args=[reply.activity_id]))
    response = ada.post(reverse("discussions:reply_vote", args=[reply.activity_id]), follow=True)
    assert response.status_code == 200
    assert "deleted" in response.content.decode()
    json = ada.post(reverse("discussions:reply_vote", args=[reply.activity_id]), HTTP_ACCEPT="application/json")
    assert json.status_code == 400
    assert "deleted" in json.json()["error"]
    assert not Vote.objects.exists()


def test_vote_json_toggle(grace, thread):
    url = reverse("discussions:thread_vote", args=[thread.activity_id])
    assert grace.post(url, HTTP_ACCEPT="application/json").json() == {"voted": True, "count": 1}
    assert grace.post(url, HTTP_ACCEPT="application/json").json() == {"voted": False, "count": 0}


def test_accept_shows_answer_on_top(ada, grace, thread, reply):
    ada.post(reverse("discussions:accept", args=[reply.activity_id]))
    html = grace.get(thread.get_absolute_url()).content.decode()
    assert html.index("Accepted answer") < html.index("replies-heading")


def test_the_asker_withdraws_an_accepted_answer_and_accepts_another(ada, grace, thread, reply):
    ada.post(reverse("discussions:accept", args=[reply.activity_id]))
    html = ada.get(thread.get_absolute_url()).content.decode()
    assert "Withdraw acceptance" in html
    assert "Withdraw acceptance" not in grace.get(thread.get_absolute_url()).content.decode()
    assert grace.post(reverse("discussions:unaccept", args=[reply.activity_id])).status_code == 302
    thread.refresh_from_db()
    assert thread.accepted_reply_id == reply.pk  # only the asker, an author or a moderator
    response = ada.post(reverse("discussions:unaccept", args=[reply.activity_id]), follow=True)
    assert "the question is open again" in response.content.decode()
    thread.refresh_from_db()
    assert thread.accepted_reply_id is None
    html = ada.get(thread.get_absolute_url()).content.decode()
    assert "Accepted answer" not in html
    assert "Accept as answer" in html


def test_flag_form_and_hidden_posts_vanish_for_learners(settings, grace, ada, thread, reply, moderator):
    settings.DISCUSSIONS_FLAG_HIDE_THRESHOLD = 1
    assert ada.get(reverse("discussions:reply_flag", args=[reply.activity_id])).status_code == 200
    bad = ada.post(reverse("discussions:reply_flag", args=[reply.activity_id]), {"reason": "nonsense"})
    assert bad.status_code == 400
    ada.post(reverse("discussions:reply_flag", args=[reply.activity_id]), {"reason": "spam"})
    assert Flag.objects.count() == 1
    html = ada.get(thread.get_absolute_url()).content.decode()
    assert "Fifteen minutes" not in html
    mod = Client()
    mod.force_login(moderator)
    assert "Fifteen minutes" in mod.get(thread.get_absolute_url()).content.decode()
    queue = mod.get("/admin/discussions/moderation/")
    assert queue.status_code == 200
    assert "Fifteen minutes" in queue.content.decode()
    assert ada.get("/admin/discussions/moderation/").status_code in (302, 403)
    mod.post(reverse("discussions:reply_restore", args=[reply.activity_id]), {"next": "/admin/discussions/moderation/"})
    assert "Fifteen minutes" in ada.get(thread.get_absolute_url()).content.decode()


def test_hidden_thread_is_404_for_learners(grace, thread, moderator):
    services.post_hide(moderator=moderator, post=thread, reason="Spam")
    assert grace.get(thread.get_absolute_url()).status_code == 404


def test_moderator_pins_and_closes(thread, moderator, grace):
    mod = Client()
    mod.force_login(moderator)
    mod.post(reverse("discussions:thread_pin", args=[thread.activity_id]))
    mod.post(reverse("discussions:thread_close", args=[thread.activity_id]), {"reason": "Covered in lesson 2"})
    thread.refresh_from_db()
    assert thread.is_pinned
    assert thread.is_closed
    html = grace.get(thread.get_absolute_url()).content.decode()
    assert "Covered in lesson 2" in html
    assert 'id="reply-form"' not in html
    # learners can't moderate
    grace.post(reverse("discussions:thread_reopen", args=[thread.activity_id]))
    thread.refresh_from_db()
    assert thread.is_closed


def test_course_page_lists_unanswered_questions(ada, thread, course):
    course.save_revision().publish()
    html = ada.get(course.url).content.decode()
    assert "Unanswered questions (1)" in html
    assert thread.title in html


def test_preview_is_sanitised(ada):
    response = ada.post(reverse("discussions:preview"), {"body": "**hi** <script>alert(1)</script>"})
    assert "<strong>hi</strong>" in response.json()["html"]
    assert "<script" not in response.json()["html"]


def test_sorting_and_pagination_params_never_500(ada, lesson, thread):
    for query in ("?sort=helpful", "?sort=unanswered", "?sort=bogus", "?page=999", "?page=abc"):
        assert ada.get(lesson.url + query).status_code == 200
