"""Services: rows, counters, permissions and the statement each action records (DESIGN.md §4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from discussions import services
from discussions.models import (
    DELETED_PLACEHOLDER,
    Flag,
    ModerationAction,
    PostRevision,
    Reply,
    Subscription,
    Thread,
    Vote,
)
from discussions.services import DiscussionError
from insights.models import Statement
from insights.xapi import vocabulary as xapi
from insights.xapi.activities import activity_iri

pytestmark = pytest.mark.django_db


def statements(verb):
    return list(Statement.objects.filter(verb=verb.iri).order_by("stored"))


def parents(statement):
    return [a["id"] for a in statement.data["context"]["contextActivities"].get("parent", [])]


def grouping(statement):
    return [a["id"] for a in statement.data["context"]["contextActivities"].get("grouping", [])]


def test_thread_create_records_posted_with_lesson_parent_and_course_grouping(thread, lesson, course, enrolled):
    assert thread.body_html == "<p>Ours run <strong>forty</strong> minutes.</p>"
    [posted] = statements(xapi.POSTED)
    assert posted.object_id == activity_iri("thread", thread.activity_id)
    assert posted.data["object"]["definition"]["type"] == xapi.THREAD.iri
    assert parents(posted) == [lesson.xapi_activity().iri]
    assert grouping(posted) == [course.xapi_activity().iri]
    assert posted.registration == enrolled.enrolments.get().registration
    assert Subscription.objects.filter(user=enrolled, thread=thread).exists()


def test_thread_about_a_block_records_the_block(enrolled, lesson, course):
    block_id = next(iter(lesson.body)).id
    thread = services.thread_create(
        author=enrolled,
        lesson=lesson,
        kind="discussion",
        title="This paragraph",
        body="Is it right?",
        block_id=block_id,
    )
    assert thread.block_id == block_id
    assert thread.course == course
    [posted] = statements(xapi.POSTED)
    assert posted.data["context"]["extensions"][xapi.BLOCK_ID.iri] == block_id


def test_unknown_block_is_refused(enrolled, lesson):
    with pytest.raises(DiscussionError, match="no longer exists"):
        services.thread_create(author=enrolled, lesson=lesson, kind="question", title="t", body="b", block_id="nope")
    assert not Thread.objects.exists()


def test_reply_records_posted_with_thread_parent_and_counts(thread, reply, lesson, course):
    thread.refresh_from_db()
    assert thread.reply_count == 1
    posted = statements(xapi.POSTED)[-1]
    assert posted.object_id == activity_iri("reply", reply.activity_id)
    assert posted.data["object"]["definition"]["type"] == xapi.REPLY.iri
    assert parents(posted) == [thread.xapi_activity().iri]
    assert grouping(posted) == [lesson.xapi_activity().iri, course.xapi_activity().iri]


def test_quote_must_be_in_the_same_thread(thread, reply, enrolled, lesson):
    other = services.thread_create(author=enrolled, lesson=lesson, kind="discussion", title="Other", body="x")
    with pytest.raises(DiscussionError):
        services.reply_create(author=enrolled, thread=other, body="quoting", quoted=reply)
    quoting = services.reply_create(author=enrolled, thread=thread, body="Agreed", quoted=reply)
    assert quoting.quoted == reply


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("   ", "body", "title"),
        ("<script>alert(1)</script>", "body", "title"),
        ("Fine", "", "empty"),
        ("Fine", "   \n\t ", "empty"),
        ("Fine", "x" * 50_000, "too long"),
        ("x" * 201, "body", "under 200"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(enrolled, lesson, title, body, message):
    before = Statement.objects.count()
    with pytest.raises(DiscussionError, match=message):
        services.thread_create(author=enrolled, lesson=lesson, kind="question", title=title, body=body)
    assert not Thread.objects.exists()
    assert Statement.objects.count() == before


def test_people_outside_the_course_cannot_post(outsider, lesson, thread):
    with pytest.raises(DiscussionError, match="Enrol"):
        services.thread_create(author=outsider, lesson=lesson, kind="question", title="Hi", body="there")
    with pytest.raises(DiscussionError, match="Enrol"):
        services.reply_create(author=outsider, thread=thread, body="there")
    with pytest.raises(DiscussionError, match="Enrol"):
        services.vote_toggle(user=outsider, post=thread)


def test_course_authors_and_moderators_can_post_without_enrolling(lesson, course, moderator, outsider):
    course.authors.add(outsider)
    course.save()
    services.thread_create(author=outsider, lesson=lesson, kind="discussion", title="From the author", body="Welcome")
    services.thread_create(author=moderator, lesson=lesson, kind="discussion", title="House rules", body="Be kind")
    assert Thread.objects.count() == 2


def test_double_submit_returns_the_first_post(enrolled, lesson, thread, classmate):
    again = services.thread_create(
        author=enrolled, lesson=lesson, kind="question", title=thread.title, body=thread.body_markdown
    )
    assert again.pk == thread.pk
    first = services.reply_create(author=classmate, thread=thread, body="Same")
    second = services.reply_create(author=classmate, thread=thread, body="Same")
    assert first.pk == second.pk
    assert Reply.objects.count() == 1
    assert len(statements(xapi.POSTED)) == 2


def test_edit_keeps_history_and_records_edited(thread, enrolled, classmate):
    services.post_edit(editor=enrolled, post=thread, title="How long is a stand-up?", body="Ours run *forty*.")
    thread.refresh_from_db()
    assert thread.title == "How long is a stand-up?"
    assert thread.edited_at
    [revision] = PostRevision.objects.filter(thread=thread)
    assert revision.title == "How long should a stand-up be?"
    assert "forty" in revision.body_markdown
    assert len(statements(xapi.EDITED)) == 1
    with pytest.raises(DiscussionError, match="Only the author"):
        services.post_edit(editor=classmate, post=thread, body="hijack")
    services.post_edit(editor=enrolled, post=thread, title=thread.title, body=thread.body_markdown)  # unchanged
    assert len(statements(xapi.EDITED)) == 1


def test_delete_is_soft_keeps_the_thread_and_unaccepts(thread, reply, enrolled, classmate):
    services.answer_accept(user=enrolled, reply=reply)
    with pytest.raises(DiscussionError, match="Only the author"):
        services.post_delete(actor=enrolled, post=reply)
    services.post_delete(actor=classmate, post=reply)
    reply.refresh_from_db()
    thread.refresh_from_db()
    assert reply.is_deleted
    assert Reply.objects.filter(pk=reply.pk).exists()
    assert thread.reply_count == 0
    assert thread.accepted_reply is None
    assert len(statements(xapi.DELETED)) == 1
    services.post_delete(actor=classmate, post=reply)
    assert len(statements(xapi.DELETED)) == 1
    assert DELETED_PLACEHOLDER == "[deleted]"


def test_vote_toggles_counts_and_records_voted_up_then_unvoted(thread, classmate):
    assert services.vote_toggle(user=classmate, post=thread) is True
    thread.refresh_from_db()
    assert thread.helpful_count == 1
    assert services.vote_toggle(user=classmate, post=thread) is False
    thread.refresh_from_db()
    assert thread.helpful_count == 0
    assert not Vote.objects.exists()
    assert len(statements(xapi.VOTED_UP)) == 1
    assert len(statements(xapi.UNVOTED)) == 1


def test_cannot_vote_for_own_or_deleted_posts(thread, reply, enrolled, classmate):
    with pytest.raises(DiscussionError, match="own post"):
        services.vote_toggle(user=enrolled, post=thread)
    services.post_delete(actor=classmate, post=reply)
    before = Statement.objects.count()
    with pytest.raises(DiscussionError, match="deleted"):
        services.vote_toggle(user=enrolled, post=reply)
    reply.refresh_from_db()
    assert reply.helpful_count == 0
    assert Statement.objects.count() == before


def test_accept_by_asker_or_staff_only(thread, reply, classmate, moderator, enrolled):
    with pytest.raises(DiscussionError, match="person who asked"):
        services.answer_accept(user=classmate, reply=reply)
    services.answer_accept(user=enrolled, reply=reply)
    thread.refresh_from_db()
    assert thread.accepted_reply == reply
    [accepted] = statements(xapi.ACCEPTED)
    assert accepted.object_id == activity_iri("reply", reply.activity_id)
    assert parents(accepted) == [thread.xapi_activity().iri]
    other = services.reply_create(author=moderator, thread=thread, body="Or ten.")
    services.answer_accept(user=moderator, reply=other)
    thread.refresh_from_db()
    assert thread.accepted_reply == other


def test_accepting_can_be_withdrawn_and_moved_to_another_reply(thread, reply, classmate, moderator, enrolled):
    services.answer_accept(user=enrolled, reply=reply)
    with pytest.raises(DiscussionError, match="person who asked"):
        services.answer_unaccept(user=classmate, reply=reply)
    assert services.answer_unaccept(user=enrolled, reply=reply) is True
    thread.refresh_from_db()
    assert thread.accepted_reply is None
    [withdrawn] = statements(xapi.UNACCEPTED)
    assert withdrawn.object_id == activity_iri("reply", reply.activity_id)
    assert withdrawn.verb == xapi.UNACCEPTED.iri
    assert withdrawn.verb.endswith("/xapi/verbs/unaccepted")
    assert parents(withdrawn) == [thread.xapi_activity().iri]
    assert services.answer_unaccept(user=enrolled, reply=reply) is False  # nothing accepted: nothing recorded
    assert len(statements(xapi.UNACCEPTED)) == 1

    services.answer_accept(user=enrolled, reply=reply)
    other = services.reply_create(author=moderator, thread=thread, body="Or ten.")
    services.answer_accept(user=moderator, reply=other)  # a moderator moves the acceptance
    thread.refresh_from_db()
    assert thread.accepted_reply == other
    assert [s.object_id for s in statements(xapi.UNACCEPTED)] == [activity_iri("reply", reply.activity_id)] * 2
    assert len(statements(xapi.ACCEPTED)) == 3  # first, again after withdrawing, then the other reply


def test_discussions_have_no_accepted_answers(enrolled, classmate, lesson):
    talk = services.thread_create(author=enrolled, lesson=lesson, kind="discussion", title="Chat", body="Hi")
    answer = services.reply_create(author=classmate, thread=talk, body="Hello")
    with pytest.raises(DiscussionError, match="Only questions"):
        services.answer_accept(user=enrolled, reply=answer)


def test_flags_record_reason_and_hide_at_threshold(settings, thread, classmate, moderator, course):
    settings.DISCUSSIONS_FLAG_HIDE_THRESHOLD = 2
    services.flag_create(user=classmate, post=thread, reason="spam")
    [flagged] = statements(xapi.FLAGGED)
    assert flagged.data["context"]["extensions"][xapi.FLAG_REASON.iri] == "spam"
    with pytest.raises(DiscussionError, match="already flagged"):
        services.flag_create(user=classmate, post=thread, reason="spam")
    thread.refresh_from_db()
    assert thread.flag_count == 1
    assert not thread.is_hidden
    services.flag_create(user=moderator, post=thread, reason="abusive", note="Rude")
    thread.refresh_from_db()
    assert thread.is_hidden
    assert thread.flag_count == 2
    assert ModerationAction.objects.filter(action="auto-hide", thread=thread).exists()


def test_cannot_flag_own_post_or_with_unknown_reason(thread, enrolled, classmate):
    with pytest.raises(DiscussionError, match="own post"):
        services.flag_create(user=enrolled, post=thread, reason="spam")
    with pytest.raises(DiscussionError, match="Choose"):
        services.flag_create(user=classmate, post=thread, reason="because")
    assert not Flag.objects.exists()


def test_moderators_hide_restore_dismiss_pin_close_and_mute_with_statements(thread, reply, classmate, moderator):
    with pytest.raises(DiscussionError, match="moderators"):
        services.post_hide(moderator=classmate, post=reply, reason="no")
    services.flag_create(user=moderator, post=reply, reason="off-topic")
    services.post_hide(moderator=moderator, post=reply, reason="Off-topic")
    thread.refresh_from_db()
    assert thread.reply_count == 0
    assert Flag.objects.get().resolution == "upheld"
    services.post_restore(moderator=moderator, post=reply, reason="On reflection fine")
    thread.refresh_from_db()
    assert thread.reply_count == 1
    services.flag_create(user=moderator, post=thread, reason="other")
    assert services.flags_dismiss(moderator=moderator, post=thread) == 1
    services.thread_pin(moderator=moderator, thread=thread, pinned=True)
    with pytest.raises(DiscussionError, match="Say why"):
        services.thread_close(moderator=moderator, thread=thread, closed=True, reason="")
    services.thread_close(moderator=moderator, thread=thread, closed=True, reason="Answered in lesson 2")
    with pytest.raises(DiscussionError, match="closed"):
        services.reply_create(author=classmate, thread=thread, body="One more thing")
    services.reply_create(author=moderator, thread=thread, body="Moderators may still add a note")
    mute = services.user_mute(moderator=moderator, user=classmate, days=3, reason="Spamming")
    assert mute.until > timezone.now() + timedelta(days=2)
    for verb in (xapi.HID, xapi.RESTORED, xapi.DISMISSED, xapi.PINNED, xapi.CLOSED, xapi.MUTED):
        assert statements(verb), verb.key
    assert statements(xapi.MUTED)[0].data["object"]["objectType"] == "Agent"
    logged = set(ModerationAction.objects.values_list("action", flat=True))
    assert {"hide", "restore", "dismiss", "pin", "close", "mute"} <= logged


def test_muted_people_cannot_post(thread, classmate, moderator, lesson):
    services.user_mute(moderator=moderator, user=classmate, days=1, reason="Cooling off")
    with pytest.raises(DiscussionError, match="paused your posting"):
        services.reply_create(author=classmate, thread=thread, body="Let me speak")
    with pytest.raises(DiscussionError, match="paused your posting"):
        services.thread_create(author=classmate, lesson=lesson, kind="question", title="t", body="b")


def test_new_accounts_are_rate_limited(settings, classmate, thread):
    settings.DISCUSSIONS_NEW_ACCOUNT_DAYS = 7
    settings.DISCUSSIONS_NEW_ACCOUNT_POSTS_PER_HOUR = 3
    for number in range(3):
        services.reply_create(author=classmate, thread=thread, body=f"Reply {number}")
    with pytest.raises(DiscussionError, match="New accounts can post 3 times an hour"):
        services.reply_create(author=classmate, thread=thread, body="One too many")
    assert Reply.objects.count() == 3
    classmate.date_joined = timezone.now() - timedelta(days=8)
    classmate.save()
    services.reply_create(author=classmate, thread=thread, body="Now an old hand")


def test_every_statement_is_valid(thread, reply, enrolled, classmate, moderator):
    from insights.xapi.validation import validate_statement

    services.vote_toggle(user=classmate, post=thread)
    services.answer_accept(user=enrolled, reply=reply)
    services.flag_create(user=enrolled, post=reply, reason="other")
    services.post_hide(moderator=moderator, post=reply, reason="x")
    for statement in Statement.objects.all():
        data = {k: v for k, v in statement.data.items() if k not in ("stored", "authority", "version")}
        validate_statement(data)
