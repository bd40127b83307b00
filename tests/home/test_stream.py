"""The activity stream: what shows, to whom, worded how, a page at a time. Two users, every door."""

from __future__ import annotations

import pytest
from django.db import transaction

from courses import services as course_services
from discussions import services as discussion_services
from insights.services import statement_record
from insights.stream import decode_cursor, encode_cursor, stream_for_viewer
from insights.xapi import vocabulary as xapi
from insights.xapi.activities import StatementContext
from tests.accounts.world import ask, complete_course, rate, share_note
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("old_accounts")


def kinds(page):
    return [(item.kind, item.actor.username, item.title) for item in page.items]


def test_followed_persons_question_in_my_course_shows_as_a_sentence(client, world):
    discussion_services.follow_create(follower=world.viewer, target=world.friend)
    thread = ask(world.friend, world.mine_lessons[0], "How do I write a good headline")
    client.force_login(world.viewer)
    response = client.get("/stream/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/people/priya/">Priya Shah</a>' in html
    assert f'asked <a href="{thread.get_absolute_url()}">“How do I write a good headline”</a>' in html
    assert 'in <a href="/courses/writing-for-the-web/">Writing for the Web</a>' in html
    assert '<span class="stream-item__time">· <time datetime="' in html


def test_questions_in_courses_the_viewer_cannot_read_never_show(world):
    discussion_services.follow_create(follower=world.viewer, target=world.friend)
    discussion_services.follow_create(follower=world.viewer, target=world.other)  # follows the course, not enrolled
    ask(world.friend, world.other_lessons[0], "Is an e-mail address personal data")
    ask(world.stranger, world.other_lessons[0], "Who is our data protection officer")
    for stream_filter in ("all", "people", "courses", "questions"):
        assert stream_for_viewer(viewer=world.viewer, stream_filter=stream_filter).items == []
    # The friend, enrolled there, sees the stranger's question through the course.
    assert kinds(stream_for_viewer(viewer=world.friend)) == [("question", "sam", "Who is our data protection officer")]


def test_hidden_and_deleted_posts_drop_out(world):
    moderator = UserFactory(username="mod", groups=["Learners", "Moderators"])
    hidden = ask(world.friend, world.mine_lessons[0], "A question a moderator hides")
    deleted = ask(world.friend, world.mine_lessons[0], "A question its author deletes")
    kept = ask(world.friend, world.mine_lessons[1], "A question that stays")
    discussion_services.post_hide(moderator=moderator, post=hidden, reason="Off-topic")
    discussion_services.post_delete(actor=world.friend, post=deleted)
    assert kinds(stream_for_viewer(viewer=world.viewer)) == [("question", "priya", kept.title)]


def test_discussions_show_but_not_under_the_questions_filter(world):
    ask(world.friend, world.mine_lessons[0], "Share your favourite style guide", kind="discussion")
    ask(world.friend, world.mine_lessons[0], "Why front-load sentences")
    assert [i.kind for i in stream_for_viewer(viewer=world.viewer).items] == ["question", "discussion"]
    assert [i.kind for i in stream_for_viewer(viewer=world.viewer, stream_filter="questions").items] == ["question"]


def test_accepted_answer_names_whose_answer(client, world):
    thread = ask(world.viewer, world.mine_lessons[0], "Title case or sentence case")
    reply = discussion_services.reply_create(author=world.friend, thread=thread, body="Sentence case.")
    discussion_services.answer_accept(user=world.viewer, reply=reply)
    third = UserFactory(username="lee", first_name="Lee")
    course_services.enrolment_create(user=third, course=world.mine)
    page = stream_for_viewer(viewer=third)
    answer = next(item for item in page.items if item.kind == "answer")
    assert (answer.actor, answer.other, answer.title) == (world.viewer, world.friend, thread.title)
    client.force_login(third)
    html = client.get("/stream/").content.decode()
    assert 'accepted <a href="/people/priya/">Priya Shah</a>’s answer to' in html
    # Un-accepting (the answer deleted) takes it out of the stream.
    discussion_services.post_delete(actor=world.friend, post=reply)
    assert "answer" not in [item.kind for item in stream_for_viewer(viewer=third).items]


def test_shared_notes_and_reviews_render_private_notes_and_bare_ratings_do_not(client, world):
    lesson = world.mine_lessons[0]
    note = share_note(world.friend, lesson, world.mine)
    rate(world.friend, lesson, world.mine, 4, "Clear and practical, the checklist is gold.")
    rate(world.stranger, world.other_lessons[0], world.other, 5, "Great, but in a course Ada can't read.")
    rate(world.friend, world.mine_lessons[1], world.mine, 2, None)  # no review: not news
    with transaction.atomic():  # a private note is `annotated`, never `shared`: it stays out
        statement_record(
            actor=world.friend,
            verb=xapi.ANNOTATED,
            object=lesson.xapi_activity(),
            context=StatementContext(parent=[world.mine.xapi_activity()], extensions={xapi.VISIBILITY: "private"}),
        )
    page = stream_for_viewer(viewer=world.viewer)
    assert [(i.kind, i.title) for i in page.items] == [("review", lesson.title), ("note", lesson.title)]
    assert page.items[0].score == 4
    client.force_login(world.viewer)
    html = client.get("/stream/").content.decode()
    assert f'rated <a href="{lesson.url}">{lesson.title}</a> 4/5' in html
    assert "the checklist is gold" in html
    assert f'shared a note on <a href="{lesson.url}#note-{note.activity_id}">{lesson.title}</a>' in html


def test_anonymous_notes_and_hidden_or_replaced_reviews_stay_out(world):
    lesson = world.mine_lessons[0]
    share_note(world.friend, lesson, world.mine, anonymous=True)  # peers see "A classmate": the stream can't say who
    first = rate(world.friend, lesson, world.mine, 2, "Too long.")
    rate(world.friend, lesson, world.mine, 4, "Better on a second read: the checklist is gold.")
    page = stream_for_viewer(viewer=world.viewer)
    assert [(i.kind, i.review) for i in page.items] == [("review", "Better on a second read: the checklist is gold.")]

    moderator = UserFactory(username="mod", groups=["Learners", "Moderators"])
    discussion_services.post_hide(moderator=moderator, post=first, reason="Spoils the quiz")
    assert stream_for_viewer(viewer=world.viewer).items == []


def test_completions_show_unless_the_learner_opted_out(world):
    discussion_services.follow_create(follower=world.viewer, target=world.stranger)
    complete_course(world.stranger, world.other, world.other_lessons)  # public course: completions may show
    complete_course(world.friend, world.mine, world.mine_lessons)
    page = stream_for_viewer(viewer=world.viewer)
    assert [(i.kind, i.actor.username) for i in page.items] == [("completion", "priya"), ("completion", "sam")]
    world.stranger.show_completions = False
    world.stranger.save(update_fields=["show_completions"])
    assert [(i.kind, i.actor.username) for i in stream_for_viewer(viewer=world.viewer).items] == [
        ("completion", "priya")
    ]


def test_published_lessons_in_my_and_followed_courses(world):
    from taggit.models import Tag

    from tests.factories import LessonPageFactory

    author = UserFactory(username="author", groups=["Learners", "Moderators"])
    new = LessonPageFactory(parent=world.mine, title="Writing link text")
    new.save_revision(user=author).publish(user=author)
    new.save_revision(user=author).publish(user=author)  # republished: still one sentence per page
    elsewhere = LessonPageFactory(parent=world.other, title="Retention schedules")
    elsewhere.save_revision(user=author).publish(user=author)
    assert kinds(stream_for_viewer(viewer=world.viewer)) == [("lesson", "author", "Writing link text")]
    # Following a tag of the other course brings its public news (not its discussions).
    world.other.tags.add("privacy")
    world.other.save()
    discussion_services.follow_create(follower=world.viewer, target=Tag.objects.get(slug="privacy"))
    ask(world.stranger, world.other_lessons[0], "Can I keep CVs for a year")
    assert kinds(stream_for_viewer(viewer=world.viewer)) == [
        ("lesson", "author", "Retention schedules"),
        ("lesson", "author", "Writing link text"),
    ]


def test_my_own_actions_are_not_news_to_me(world):
    ask(world.viewer, world.mine_lessons[0], "My own question")
    assert stream_for_viewer(viewer=world.viewer).items == []


def test_filters_courses_and_people(world):
    discussion_services.follow_create(follower=world.viewer, target=world.stranger)
    complete_course(world.stranger, world.other, world.other_lessons)
    ask(world.friend, world.mine_lessons[0], "In my course")
    assert [i.kind for i in stream_for_viewer(viewer=world.viewer, stream_filter="courses").items] == ["question"]
    assert [i.kind for i in stream_for_viewer(viewer=world.viewer, stream_filter="people").items] == ["completion"]
    assert stream_for_viewer(viewer=world.viewer, stream_filter="nonsense").filter == "all"


def test_pages_follow_on_without_gaps_or_repeats(client, world):
    titles = [f"Question number {n}" for n in range(25)]
    for n, title in enumerate(titles):
        ask(world.friend, world.mine_lessons[n % 2], title)
    first = stream_for_viewer(viewer=world.viewer)
    assert len(first.items) == 20
    assert first.next_cursor
    second = stream_for_viewer(viewer=world.viewer, cursor=first.next_cursor)
    assert not second.next_cursor
    shown = [item.title for item in first.items + second.items]
    assert shown == list(reversed(titles))
    client.force_login(world.viewer)
    html = client.get("/stream/").content.decode()
    assert f'href="?filter=all&amp;after={first.next_cursor}" rel="next">Older activity</a>' in html
    assert client.get(f"/stream/?after={first.next_cursor}").content.decode().count("stream-item__sentence") == 5


def test_bad_cursors_mean_the_first_page(client, world):
    ask(world.friend, world.mine_lessons[0], "Something")
    for cursor in ("", "!!!", "bm90LWEtY3Vyc29y", "x" * 500):
        assert decode_cursor(cursor) is None
    client.force_login(world.viewer)
    assert client.get("/stream/?after=%%%&filter=<script>").status_code == 200


def test_cursor_round_trip():
    from datetime import UTC, datetime
    from uuid import uuid4

    moment, key = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC), uuid4()
    assert decode_cursor(encode_cursor(moment, key)) == (moment, key)


def test_statements_from_other_tools_map_back_to_the_person(world):
    """A statement stored without Guild's user link (as from an xAPI tool posting with the same pseudonymous
    account) still shows under the right person."""
    from insights.models import Statement

    share_note(world.friend, world.mine_lessons[0], world.mine)
    assert Statement.objects.filter(verb=xapi.SHARED.iri).update(actor_user=None) == 1
    assert [(i.kind, i.actor) for i in stream_for_viewer(viewer=world.viewer).items] == [("note", world.friend)]


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get("/stream/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    from django.contrib.auth.models import AnonymousUser

    assert stream_for_viewer(viewer=AnonymousUser()).items == []


def test_home_page_shows_the_stream_and_suggestions(client, world):
    thread = ask(world.friend, world.mine_lessons[0], "Home page question")
    client.force_login(world.viewer)
    html = client.get("/").content.decode()
    assert "Home page question" in html
    assert thread.get_absolute_url() in html
    assert 'href="/stream/">See all activity</a>' in html
    assert "People and topics to follow" in html
    assert "Priya Shah" in html
