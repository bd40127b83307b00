"""Routing unanswered questions to people who may know, then to the course's authors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from courses import services as course_services
from discussions import services
from discussions.models import Notification, NotificationKind, QuestionRoute, RouteHop, Thread
from discussions.services import DiscussionError, question_route, question_route_decline, questions_route_due
from insights.experts import expertise_refresh
from insights.models import Statement
from insights.xapi import vocabulary as xapi
from insights.xapi.statements import actor_for_user
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _routing_settings(settings):
    settings.ROUTING_HELPERS_AFTER_HOURS = 24
    settings.ROUTING_AUTHORS_AFTER_HOURS = 24
    settings.ROUTING_HELPERS_PER_QUESTION = 2
    settings.ROUTING_DAILY_CAP = 3


def person(username, course):
    user = UserFactory(username=username, first_name=username.title(), last_name="Tester")
    course_services.enrolment_create(user=user, course=course)
    return user


@pytest.fixture
def world(course, lessons):
    """Three people with answers on lesson 1 (best: "alice"), an asker, a course author."""
    lesson = lessons[0]
    people = {name: person(name, course) for name in ("alice", "bob", "carol", "asker", "voter")}
    author = UserFactory(username="author", groups=["Learners", "Authors"])
    course.authors.add(author)
    course.save_revision().publish()
    course = type(course).objects.get(pk=course.pk)  # the published row, not the in-memory cluster
    old = services.thread_create(
        author=people["voter"], lesson=lesson, course=course, kind="question", title="Agenda first?", body="Or not?"
    )
    for name, votes in (("alice", 3), ("bob", 2), ("carol", 1)):
        reply = services.reply_create(author=people[name], thread=old, body=f"{name} says: agenda first.")
        voters = [people[v] for v in ("voter", "asker", "bob" if name != "bob" else "carol")][:votes]
        for voter in voters:
            services.vote_toggle(user=voter, post=reply)
    expertise_refresh()
    question = services.thread_create(
        author=people["asker"], lesson=lesson, course=course, kind="question", title="Who keeps the time?",
        body="In our stand-ups nobody does.",
    )  # fmt: skip
    return {**people, "author": author, "lesson": lesson, "course": course, "question": question}


def later(thread, hours):
    return thread.created_at + timedelta(hours=hours)


def routed_statements(thread):
    return Statement.objects.filter(verb=xapi.ROUTED.iri, object_id=thread.xapi_activity().iri)


def test_nothing_happens_before_the_question_has_waited(world):
    assert question_route(thread=world["question"], now=later(world["question"], 23)) == []
    assert questions_route_due(now=later(world["question"], 23)).routes == 0


def test_routes_to_the_top_helpers_then_to_the_authors(world):
    question = world["question"]
    first = questions_route_due(now=later(question, 25))
    assert first.as_dict() == {"questions": 1, "routes": 2}
    routes = QuestionRoute.objects.filter(thread=question)
    assert {r.recipient.username for r in routes} == {"alice", "bob"}
    assert {r.hop for r in routes} == {RouteHop.HELPERS}
    notes = Notification.objects.filter(thread=question, kind=NotificationKind.ROUTED)
    assert {n.recipient.username for n in notes} == {"alice", "bob"}
    assert all(n.actor == world["asker"] for n in notes)

    statements = list(routed_statements(question))
    assert len(statements) == 2
    routed_to = {s.data["context"]["extensions"][xapi.ROUTED_TO.iri]["name"] for s in statements}
    assert routed_to == {actor_for_user(world[name])["account"]["name"] for name in ("alice", "bob")}

    # Re-running is a no-op until the authors are due.
    assert questions_route_due(now=later(question, 30)).routes == 0
    second = questions_route_due(now=later(question, 49))
    assert second.routes == 1
    author_route = QuestionRoute.objects.get(thread=question, hop=RouteHop.AUTHORS)
    assert author_route.recipient == world["author"]
    assert questions_route_due(now=later(question, 60)).routes == 0
    assert routed_statements(question).count() == 3


def test_the_asker_is_never_routed_their_own_question(world):
    question = services.thread_create(
        author=world["alice"], lesson=world["lesson"], course=world["course"], kind="question",
        title="How do I stop meetings overrunning?", body="They always do.",
    )  # fmt: skip
    routes = question_route(thread=question, now=later(question, 25))
    assert {r.recipient.username for r in routes} == {"bob", "carol"}


def test_answered_or_replied_questions_are_not_routed(world):
    question = world["question"]
    services.reply_create(author=world["asker"], thread=question, body="Adding detail: we are six people.")
    assert question_route(thread=question, now=later(question, 25)) != []  # the asker's own reply is no answer

    other = services.thread_create(
        author=world["asker"], lesson=world["lesson"], course=world["course"], kind="question",
        title="Should we stand?", body="Sitting makes them long.",
    )  # fmt: skip
    services.reply_create(author=world["carol"], thread=other, body="Yes, stand.")
    assert question_route(thread=other, now=later(other, 25)) == []
    discussion = services.thread_create(
        author=world["asker"], lesson=world["lesson"], course=world["course"], kind="discussion",
        title="Share your stand-up tips", body="Mine: a timer.",
    )  # fmt: skip
    assert question_route(thread=discussion, now=later(discussion, 25)) == []


def test_daily_cap_per_person(world, settings):
    settings.ROUTING_DAILY_CAP = 1
    questions = [
        services.thread_create(
            author=world["asker"],
            lesson=world["lesson"],
            course=world["course"],
            kind="question",
            title=f"Question number {n}",
            body="Help please.",
        )  # fmt: skip
        for n in range(3)
    ]
    now = later(questions[-1], 25)
    report = questions_route_due(now=now)
    per_person = {}
    for route in QuestionRoute.objects.filter(created_at__gt=now - timedelta(days=1)):
        per_person[route.recipient_id] = per_person.get(route.recipient_id, 0) + 1
    assert per_person
    assert max(per_person.values()) == 1
    assert report.routes == len(per_person) == 3  # alice, bob, carol: one question each, then nobody is free


def test_declining_stops_further_routing_to_that_person(world):
    question = world["question"]
    question_route(thread=question, now=later(question, 25))
    route = question_route_decline(user=world["alice"], thread=question)
    assert route.declined_at is not None
    assert not Notification.objects.filter(recipient=world["alice"], thread=question, read_at=None).exists()
    assert Statement.objects.filter(verb=xapi.DECLINED.iri, actor_user=world["alice"]).count() == 1
    assert question_route_decline(user=world["alice"], thread=question) == route  # twice: no-op
    assert Statement.objects.filter(verb=xapi.DECLINED.iri, actor_user=world["alice"]).count() == 1
    with pytest.raises(DiscussionError):
        question_route_decline(user=world["carol"], thread=question)

    # A new question on the same lesson: alice declined lately, so carol is asked instead.
    fresh = services.thread_create(
        author=world["asker"], lesson=world["lesson"], course=world["course"], kind="question",
        title="Who takes notes?", body="Nobody wants to.",
    )  # fmt: skip
    routes = question_route(thread=fresh, now=later(fresh, 25))
    assert {r.recipient.username for r in routes} == {"bob", "carol"}


def test_people_who_cannot_read_the_course_are_not_asked(world):
    course_services.enrolment_cancel(user=world["alice"], course=world["course"])
    routes = question_route(thread=world["question"], now=later(world["question"], 25))
    assert {r.recipient.username for r in routes} == {"bob", "carol"}


def test_thread_page_says_how_many_were_asked_and_offers_a_decline(world):
    question = world["question"]
    question_route(thread=question, now=later(question, 25))
    client = Client()
    client.force_login(world["asker"])
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Guild has asked 2 people who know this topic" in page
    assert "help with this</button>" not in page

    client.force_login(world["alice"])
    page = client.get(question.get_absolute_url()).content.decode()
    assert "can&#x27;t help with this" in page or "can't help with this" in page
    response = client.post(f"/discussions/threads/{question.activity_id}/decline/")
    assert response.status_code == 302
    page = client.get(question.get_absolute_url()).content.decode()
    assert "we won&#x27;t ask you about it again" in page or "we won't ask you about it again" in page

    client.force_login(world["carol"])  # not asked: the decline is refused and nothing changes
    client.post(f"/discussions/threads/{question.activity_id}/decline/")
    assert not QuestionRoute.objects.filter(recipient=world["carol"]).exists()

    notifications = Client()
    notifications.force_login(world["bob"])
    assert "asked a question you might know" in notifications.get("/discussions/notifications/").content.decode()


def test_thread_page_routing_note_costs_one_query(world, django_assert_max_num_queries):
    question = world["question"]
    client = Client()
    client.force_login(world["asker"])
    client.get(question.get_absolute_url())
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(question.get_absolute_url())
    question_route(thread=question, now=later(question, 25))
    with CaptureQueriesContext(connection) as after:
        client.get(question.get_absolute_url())
    assert len(after.captured_queries) == len(before.captured_queries)


def test_immediate_mailers_get_an_email(world):
    services.notification_preference_set(user=world["alice"], email_mode="immediate")
    question_route(thread=world["question"], now=later(world["question"], 25))
    assert [m.to for m in mail.outbox] == [[world["alice"].email]]
    assert "You might know this" in mail.outbox[0].subject


def test_old_and_hidden_questions_are_left_alone(world, settings):
    question = world["question"]
    assert question_route(thread=question, now=later(question, 24 * 15)) == []  # over ROUTING_MAX_AGE_DAYS
    Thread.objects.filter(pk=question.pk).update(hidden_at=timezone.now())
    assert question_route(thread=question, now=later(question, 25)) == []


def test_management_command(world, capsys):
    Thread.objects.filter(pk=world["question"].pk).update(created_at=timezone.now() - timedelta(hours=25))
    call_command("route_questions")
    assert "Routed 1 question(s) to 2 person(s)." in capsys.readouterr().out
    call_command("route_questions")
    assert "Routed 0 question(s) to 0 person(s)." in capsys.readouterr().out


def test_who_was_asked_stays_private(world):
    """Classmates see how many people were asked, never who; only the asker sees suggested helpers."""
    question = world["question"]
    question_route(thread=question, now=later(question, 25))
    client = Client()
    client.force_login(world["voter"])
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Guild has asked 2 people who know this topic" in page
    assert "Alice Tester" not in page
    assert "Bob Tester" not in page
    assert "People who can help" not in page
    client.force_login(world["asker"])
    assert "People who can help" in client.get(question.get_absolute_url()).content.decode()
