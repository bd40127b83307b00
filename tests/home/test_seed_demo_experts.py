"""seed_demo makes "who knows this" and routing visible on first run, and stays idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from courses.models import CoursePage, LessonPage
from discussions.models import Notification, NotificationKind, QuestionRoute, Thread
from home.demo import experts as demo
from insights.experts import helpers_for_lesson
from insights.models import ExpertiseScore, Statement
from insights.xapi import vocabulary as xapi

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        first, second = io.StringIO(), io.StringIO()
        call_command("seed_demo", stdout=first)
        counts = (ExpertiseScore.objects.count(), QuestionRoute.objects.count(), Statement.objects.count())
        call_command("seed_demo", stdout=second)
        yield first.getvalue(), second.getvalue(), counts
        transaction.set_rollback(True)


def test_helpers_are_suggested_on_the_demo_lessons(seeded):
    from accounts.models import User

    course = CoursePage.objects.get(slug=demo.COURSE)
    lesson = LessonPage.objects.child_of(course).live().order_by("path")[0]
    viewer = User.objects.get(username="learner01")
    helpers = helpers_for_lesson(lesson=lesson, course=course, viewer=viewer)
    assert len(helpers) >= 3
    assert all(helper.reasons for helper in helpers)
    client = Client()
    client.force_login(viewer)
    assert "People who can help" in client.get(lesson.url).content.decode()


def test_a_waiting_question_was_routed(seeded):
    thread = Thread.objects.get(title=demo.TITLE)
    routes = QuestionRoute.objects.filter(thread=thread)
    assert routes.count() >= 2
    assert {route.hop for route in routes} == {1, 2}  # helpers, then (three days on) the authors
    assert Notification.objects.filter(thread=thread, kind=NotificationKind.ROUTED).count() == routes.count()
    assert Statement.objects.filter(verb=xapi.ROUTED.iri).count() == routes.count()
    client = Client()
    client.force_login(thread.author)
    assert "Guild has asked" in client.get(thread.get_absolute_url()).content.decode()


def test_seeding_again_changes_nothing(seeded):
    first, second, counts = seeded
    assert "who knows this: created" in first
    assert "who knows this: already present" in second
    assert counts == (ExpertiseScore.objects.count(), QuestionRoute.objects.count(), Statement.objects.count())
