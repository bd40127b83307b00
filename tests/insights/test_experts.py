"""Who knows this: ranking on constructed evidence where the right answer is known."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from courses import services as course_services
from courses.blocks import option_ids
from discussions import services as discussion_services
from insights import experts
from insights.experts import expertise_refresh, helpers_for_lesson, helpers_for_tag
from insights.models import ExpertiseScope, ExpertiseScore, Statement
from insights.services import statement_record
from insights.xapi import vocabulary as xapi
from insights.xapi.activities import ActivityRef, StatementContext
from tests.factories import UserFactory, course_with_lessons


@pytest.fixture(autouse=True)
def _settings(settings, monkeypatch):
    settings.DISCUSSIONS_NEW_ACCOUNT_DAYS = 0
    settings.EXPERTS_HALF_LIFE_DAYS = 180
    monkeypatch.setattr(experts, "OVERLAP", timedelta(0))


def person(username: str, course, **fields):
    user = UserFactory(username=username, **fields)
    course_services.enrolment_create(user=user, course=course)
    return user


@pytest.fixture
def people(course):
    return {name: person(name, course, first_name=name.title(), last_name="Tester") for name in (
        "asker", "expert", "poster", "voter1", "voter2", "viewer",
    )}  # fmt: skip


def ask(asker, lesson, course, title="How long should a stand-up be?"):
    return discussion_services.thread_create(
        author=asker, lesson=lesson, course=course, kind="question", title=title, body="Ours run for forty minutes."
    )


def names(helpers) -> list[str]:
    return [helper.user.username for helper in helpers]


def test_one_accepted_answer_beats_ten_unvoted_replies(people, course, lessons):
    lesson = lessons[0]
    thread = ask(people["asker"], lesson, course)
    answer = discussion_services.reply_create(author=people["expert"], thread=thread, body="Fifteen minutes, standing.")
    for n in range(10):
        discussion_services.reply_create(author=people["poster"], thread=thread, body=f"Another thought, number {n}.")
    discussion_services.answer_accept(user=people["asker"], reply=answer)

    expertise_refresh()
    helpers = helpers_for_lesson(lesson=lesson, course=course, viewer=people["viewer"])
    assert names(helpers)[0] == "expert"
    assert helpers[0].reasons[0] == "1 accepted answer on this lesson"
    assert names(helpers).index("poster") > 0
    # The poster's replies count for little, and only the latest five of them.
    poster_row = ExpertiseScore.objects.get(user=people["poster"], scope_kind=ExpertiseScope.LESSON)
    assert poster_row.evidence == {"replies": 5}


def test_helpful_votes_count_and_a_withdrawn_vote_does_not(people, course, lessons):
    lesson = lessons[0]
    thread = ask(people["asker"], lesson, course)
    voted = discussion_services.reply_create(author=people["expert"], thread=thread, body="Time-box it.")
    unvoted = discussion_services.reply_create(author=people["poster"], thread=thread, body="Use a timer.")
    for voter in (people["voter1"], people["voter2"]):
        discussion_services.vote_toggle(user=voter, post=voted)
    discussion_services.vote_toggle(user=people["voter1"], post=unvoted)
    discussion_services.vote_toggle(user=people["voter1"], post=unvoted)  # withdrawn

    expertise_refresh()
    helpers = helpers_for_lesson(lesson=lesson, course=course, viewer=people["viewer"])
    assert names(helpers)[0] == "expert"
    assert "2 helpful votes on their posts on this lesson" in helpers[0].reasons
    poster = ExpertiseScore.objects.get(user=people["poster"], scope_kind=ExpertiseScope.LESSON)
    assert "votes" not in poster.evidence


def test_hidden_and_deleted_posts_earn_nothing(people, course, lessons, settings):
    lesson = lessons[0]
    moderator = UserFactory(username="mod", groups=["Learners", "Moderators"])
    thread = ask(people["asker"], lesson, course)
    hidden = discussion_services.reply_create(author=people["expert"], thread=thread, body="Buy my course!")
    discussion_services.vote_toggle(user=people["voter1"], post=hidden)
    discussion_services.answer_accept(user=people["asker"], reply=hidden)
    discussion_services.post_hide(moderator=moderator, post=hidden, reason="Spam")
    deleted = discussion_services.reply_create(author=people["poster"], thread=thread, body="Short answer.")
    discussion_services.vote_toggle(user=people["voter1"], post=deleted)
    discussion_services.post_delete(actor=people["poster"], post=deleted)
    # Hidden automatically by flags: no `hid` statement, the discussion rows say so.
    settings.DISCUSSIONS_FLAG_HIDE_THRESHOLD = 1
    flagged = discussion_services.reply_create(author=people["voter2"], thread=thread, body="Off topic rant.")
    discussion_services.vote_toggle(user=people["voter1"], post=flagged)
    discussion_services.flag_create(user=people["asker"], post=flagged, reason="off-topic")

    expertise_refresh()
    assert helpers_for_lesson(lesson=lesson, course=course, viewer=people["viewer"]) == []
    assert not ExpertiseScore.objects.exists()

    discussion_services.post_restore(moderator=moderator, post=hidden, reason="Fine after all")
    expertise_refresh()
    helpers = helpers_for_lesson(lesson=lesson, course=course, viewer=people["viewer"])
    # Restored, it earns its vote again; hiding took away the acceptance for good (the thread lost it).
    assert names(helpers) == ["expert"]
    assert helpers[0].reasons == ("1 helpful vote on their posts on this lesson",)


def _record(actor, verb, obj, *, lesson, course, parent=None, when=None, result=None):
    with transaction.atomic():
        return statement_record(
            actor=actor,
            verb=verb,
            object=obj,
            result=result,
            context=StatementContext(
                parent=[parent or lesson.xapi_activity()], grouping=[lesson.xapi_activity(), course.xapi_activity()]
            ),
            timestamp=when,
        )


def _answered_reply(author, accepter, *, lesson, course, when):
    thread = ActivityRef(kind="thread", key=uuid.uuid4(), name="A question")
    reply = ActivityRef(kind="reply", key=uuid.uuid4(), name="A reply")
    _record(author, xapi.POSTED, reply, lesson=lesson, course=course, parent=thread, when=when)
    _record(accepter, xapi.ACCEPTED, reply, lesson=lesson, course=course, parent=thread, when=when)


def test_evidence_fades_with_its_half_life(people, course, lessons):
    lesson = lessons[0]
    now = timezone.now()
    # Two accepted answers two half-lives ago (worth 2 × 5 × ¼ = 2.5) against one last week (≈ 4.9).
    for _ in range(2):
        _answered_reply(people["poster"], people["asker"], lesson=lesson, course=course, when=now - timedelta(days=360))
    _answered_reply(people["expert"], people["asker"], lesson=lesson, course=course, when=now - timedelta(days=7))

    expertise_refresh()
    helpers = helpers_for_lesson(lesson=lesson, course=course, viewer=people["viewer"])
    assert names(helpers) == ["expert", "poster"]
    assert helpers[1].reasons[0] == "2 accepted answers on this lesson"
    blend = 1 + experts.weights().course_blend  # lesson score + a share of the same course-wide evidence
    # Each accepted answer is 5, and each reply behind it 0.1.
    assert helpers[1].score == pytest.approx(2 * 5.1 * 0.25 * blend, rel=0.01)
    assert helpers[0].score == pytest.approx(5.1 * 2 ** (-7 / 180) * blend, rel=0.01)


def test_shared_notes_count_by_their_votes_and_private_notes_never(people, course, lessons):
    lesson = lessons[0]
    note = ActivityRef(kind="note", key=uuid.uuid4(), name="My meeting checklist")
    _record(people["expert"], xapi.SHARED, note, lesson=lesson, course=course)
    for voter in (people["voter1"], people["voter2"]):
        _record(voter, xapi.VOTED_UP, note, lesson=lesson, course=course)
    # A private note is only ever `annotated` on the lesson: that is not evidence.
    _record(people["poster"], xapi.ANNOTATED, lesson.xapi_activity(), lesson=lesson, course=course)

    expertise_refresh()
    helpers = helpers_for_lesson(lesson=lesson, course=course, viewer=people["viewer"])
    assert names(helpers) == ["expert"]
    assert helpers[0].reasons[0] == "shared notes on this lesson with 2 helpful votes"


def test_completion_and_knowledge_checks_right_first_time(people, course, lessons):
    lesson = lessons[0]
    block_id, check = next(iter(lesson.knowledge_checks().items()))
    choices = option_ids(len(check["options"]))
    right = next(c for c, option in zip(choices, check["options"], strict=True) if option["is_correct"])
    wrong = next(c for c in choices if c != right)
    course_services.lesson_view(user=people["expert"], lesson=lesson)
    course_services.knowledge_check_answer(user=people["expert"], lesson=lesson, block_id=block_id, choice=right)
    course_services.lesson_complete(user=people["expert"], lesson=lesson)
    course_services.knowledge_check_answer(user=people["poster"], lesson=lesson, block_id=block_id, choice=wrong)
    course_services.knowledge_check_answer(user=people["poster"], lesson=lesson, block_id=block_id, choice=right)

    expertise_refresh()
    helpers = helpers_for_lesson(lesson=lesson, course=course, viewer=people["viewer"])
    assert names(helpers) == ["expert"]  # the poster got it right only at the second try
    assert helpers[0].reasons == ("1 knowledge check right first time on this lesson", "completed this lesson")


def test_opted_out_and_inactive_people_are_never_suggested(people, course, lessons, monkeypatch):
    lesson = lessons[0]
    thread = ask(people["asker"], lesson, course)
    for author in (people["expert"], people["poster"]):
        reply = discussion_services.reply_create(author=author, thread=thread, body=f"Answer from {author.username}.")
        discussion_services.vote_toggle(user=people["voter1"], post=reply)
    expertise_refresh()
    assert set(names(helpers_for_lesson(lesson=lesson, course=course, viewer=people["viewer"]))) == {"expert", "poster"}

    # Opting out takes effect on the next page view (read-time check), and the next refresh drops the rows.
    monkeypatch.setattr(experts, "suggestible", lambda user: user.username != "expert")
    assert names(helpers_for_lesson(lesson=lesson, course=course, viewer=people["viewer"])) == ["poster"]
    monkeypatch.setattr(experts, "_opted_out", lambda ids: {people["expert"].pk} & set(ids))
    expertise_refresh(full=True)
    assert not ExpertiseScore.objects.filter(user=people["expert"]).exists()

    people["poster"].is_active = False
    people["poster"].save()
    monkeypatch.undo()
    assert experts._opted_out([people["poster"].pk, people["expert"].pk]) == {people["poster"].pk}
    assert helpers_for_lesson(lesson=lesson, course=course, viewer=people["viewer"]) == []


def test_the_viewer_is_not_suggested_to_themselves_and_visitors_see_nobody(people, course, lessons):
    from django.contrib.auth.models import AnonymousUser

    lesson = lessons[0]
    thread = ask(people["asker"], lesson, course)
    reply = discussion_services.reply_create(author=people["expert"], thread=thread, body="Fifteen minutes.")
    discussion_services.answer_accept(user=people["asker"], reply=reply)
    expertise_refresh()
    assert names(helpers_for_lesson(lesson=lesson, course=course, viewer=people["asker"])) == ["expert"]
    assert helpers_for_lesson(lesson=lesson, course=course, viewer=people["expert"]) == []
    assert helpers_for_lesson(lesson=lesson, course=course, viewer=AnonymousUser()) == []


def test_course_evidence_helps_on_other_lessons_of_the_course(people, course, lessons):
    thread = ask(people["asker"], lessons[0], course)
    reply = discussion_services.reply_create(author=people["expert"], thread=thread, body="Fifteen minutes.")
    discussion_services.answer_accept(user=people["asker"], reply=reply)
    expertise_refresh()
    helpers = helpers_for_lesson(lesson=lessons[1], course=course, viewer=people["viewer"])
    assert names(helpers) == ["expert"]
    assert helpers[0].reasons == ("1 accepted answer in this course",)


def test_refresh_is_incremental_and_idempotent(people, course, lessons):
    other_course, other_lessons = course_with_lessons(2, title="Writing for the web", slug="web-writing")
    writer = person("writer", other_course)
    reader = person("reader", other_course)
    thread = ask(reader, other_lessons[0], other_course, title="Front-load the summary?")
    discussion_services.vote_toggle(
        user=reader, post=discussion_services.reply_create(author=writer, thread=thread, body="Yes, always.")
    )
    thread = ask(people["asker"], lessons[0], course)
    discussion_services.answer_accept(
        user=people["asker"],
        reply=discussion_services.reply_create(author=people["expert"], thread=thread, body="Fifteen minutes."),
    )
    first = expertise_refresh()
    assert first.courses == 2
    before = {(r.user_id, r.scope_kind, r.scope_key): r.score for r in ExpertiseScore.objects.all()}

    assert expertise_refresh().courses == 0  # nothing new since the high-water mark
    discussion_services.vote_toggle(user=people["voter1"], post=thread)  # only the meetings course changes
    again = expertise_refresh()
    assert again.courses == 1
    after = {(r.user_id, r.scope_kind, r.scope_key): r.score for r in ExpertiseScore.objects.all()}
    writer_rows = {key: score for key, score in after.items() if key[0] == writer.pk}
    assert writer_rows
    assert writer_rows == {key: before[key] for key in writer_rows}
    assert expertise_refresh(full=True).courses == 2
    assert {(r.user_id, r.scope_kind, r.scope_key): r.score for r in ExpertiseScore.objects.all()} == pytest.approx(
        after
    )


def test_tag_helpers_add_up_the_tagged_courses(people, course, lessons):
    course.tags.add("meetings")
    course.save_revision().publish()
    thread = ask(people["asker"], lessons[0], course)
    discussion_services.answer_accept(
        user=people["asker"],
        reply=discussion_services.reply_create(author=people["expert"], thread=thread, body="Fifteen minutes."),
    )
    report = expertise_refresh()
    assert report.tags == 1
    helpers = helpers_for_tag(tag_slug="meetings", tag_name="meetings", viewer=people["viewer"])
    assert names(helpers) == ["expert"]
    assert helpers[0].reasons == ("1 accepted answer in meetings courses",)

    client = Client()
    client.force_login(people["viewer"])
    page = client.get("/courses/?tag=meetings").content.decode()
    assert "People who can help" in page
    assert "Expert Tester" in page
    assert "1 accepted answer in meetings courses" in page
    assert "People who can help" not in client.get("/courses/").content.decode()


def test_lesson_page_shows_helpers_with_their_reasons_in_one_query(people, course, lessons, django_assert_num_queries):
    lesson = lessons[0]
    client = Client()
    client.force_login(people["viewer"])
    client.get(lesson.url)  # warm caches (site root, etc.)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as empty:
        assert "People who can help" not in client.get(lesson.url).content.decode()

    thread = ask(people["asker"], lesson, course)
    for n, author in enumerate([people["expert"], people["poster"], people["voter1"], people["voter2"]]):
        reply = discussion_services.reply_create(author=author, thread=thread, body=f"Answer number {n}.")
        discussion_services.vote_toggle(user=people["asker"], post=reply)
    discussion_services.answer_accept(user=people["asker"], reply=reply)
    for n in range(30):  # many more people with evidence than the panel shows
        extra = person(f"extra{n:02d}", course)
        discussion_services.vote_toggle(
            user=people["asker"], post=discussion_services.reply_create(author=extra, thread=thread, body=f"Idea {n}.")
        )
    expertise_refresh()

    with CaptureQueriesContext(connection) as full:
        page = client.get(lesson.url).content.decode()
    assert "People who can help" in page
    assert "1 accepted answer on this lesson" in page
    assert page.count('class="helper"') == 5
    helper_queries = [q for q in full.captured_queries if "insights_expertisescore" in q["sql"]]
    assert len(helper_queries) == 1
    # The discussion panel grows with threads on the lesson; the helpers panel adds nothing on top.
    assert len(full.captured_queries) <= len(empty.captured_queries) + 3


def test_refresh_runs_after_commits_when_enabled(
    people, course, lessons, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.cache import cache

    from insights.tasks import expertise_refresh_task

    enqueued = []
    enqueue = expertise_refresh_task.apply_async
    monkeypatch.setattr(
        expertise_refresh_task,
        "apply_async",
        lambda *args, **kwargs: enqueued.append(kwargs) or enqueue(*args, **kwargs),
    )
    settings.EXPERTS_REFRESH_ON_COMMIT = True
    cache.delete(experts.REFRESH_QUEUED_KEY)
    thread = ask(people["asker"], lessons[0], course)
    cache.delete(experts.REFRESH_QUEUED_KEY)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reply = discussion_services.reply_create(author=people["expert"], thread=thread, body="Fifteen minutes.")
        discussion_services.answer_accept(user=people["asker"], reply=reply)
    hooks = [c for c in callbacks if getattr(c, "__name__", "") == "statements_committed"]
    assert len(hooks) == 2  # one after-commit hook per transaction (reply, accept)…
    assert len(enqueued) == 1  # …but debounced: one refresh per window
    assert ExpertiseScore.objects.filter(user=people["expert"]).exists()
    cache.delete(experts.REFRESH_QUEUED_KEY)


def test_management_command_reports_what_it_did(people, course, lessons, capsys):
    thread = ask(people["asker"], lessons[0], course)
    discussion_services.reply_create(author=people["expert"], thread=thread, body="Fifteen minutes.")
    call_command("refresh_expertise", "--full")
    out = capsys.readouterr().out
    assert "Recomputed 1 course(s)" in out
    assert Statement.objects.exists()


def test_the_privacy_setting_opts_people_out_of_suggestions(people, course, lessons):
    lesson = lessons[0]
    thread = ask(people["asker"], lesson, course)
    reply = discussion_services.reply_create(author=people["expert"], thread=thread, body="Fifteen minutes.")
    discussion_services.answer_accept(user=people["asker"], reply=reply)
    expertise_refresh()
    assert names(helpers_for_lesson(lesson=lesson, course=course, viewer=people["viewer"])) == ["expert"]

    people["expert"].suggest_as_helper = False
    people["expert"].save(update_fields=["suggest_as_helper"])
    assert helpers_for_lesson(lesson=lesson, course=course, viewer=people["viewer"]) == []
    assert experts.topics_for_user(user=people["expert"], viewer=people["viewer"]) == []


def test_profiles_say_what_people_are_known_for_from_strong_evidence_only(people, course, lessons):
    course.tags.add("meetings")
    course.save_revision().publish()
    thread = ask(people["asker"], lessons[0], course)
    answer = discussion_services.reply_create(author=people["expert"], thread=thread, body="Fifteen minutes.")
    discussion_services.answer_accept(user=people["asker"], reply=answer)
    for n in range(4):
        discussion_services.reply_create(author=people["poster"], thread=thread, body=f"An unvoted thought, {n}.")
    expertise_refresh()

    assert sorted(experts.topics_for_user(user=people["expert"], viewer=people["viewer"])) == sorted(
        ["meetings", course.title]
    )
    assert experts.topics_for_user(user=people["poster"], viewer=people["viewer"]) == []

    client = Client()
    client.force_login(people["viewer"])
    page = client.get(f"/people/{people['expert'].username}/").content.decode()
    assert "Known for" in page
    assert course.title in page
    assert "Known for" not in client.get(f"/people/{people['poster'].username}/").content.decode()


def test_anonymous_shared_notes_earn_no_suggestion_that_would_name_their_writer(people, course, lessons):
    lesson = lessons[0]
    anonymous = discussion_services.note_create(
        author=people["expert"], lesson=lesson, body="Timebox every item.", shared=True, anonymous=True
    )
    named = discussion_services.note_create(author=people["poster"], lesson=lesson, body="Agenda first.", shared=True)
    for voter in (people["voter1"], people["voter2"]):
        discussion_services.note_vote_toggle(user=voter, note=anonymous)
        discussion_services.note_vote_toggle(user=voter, note=named)
    expertise_refresh()
    helpers = helpers_for_lesson(lesson=lesson, course=course, viewer=people["viewer"])
    assert names(helpers) == ["poster"]
    assert helpers[0].reasons[0] == "shared notes on this lesson with 2 helpful votes"
