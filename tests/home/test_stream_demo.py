"""seed_demo makes the stream and profiles look alive: follows, bios, and a stream with real sentences."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from accounts.models import User
from discussions.models import Follow
from insights.stream import stream_for_viewer

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_the_demo_learner_has_a_lively_stream(seeded):
    learner = User.objects.get(username="learner")
    assert Follow.objects.filter(follower=learner, user__isnull=False).count() >= 6
    assert Follow.objects.filter(follower=learner, tag__isnull=False).exists()
    page = stream_for_viewer(viewer=learner)
    assert len(page.items) >= 10
    assert {"question", "answer"} <= {item.kind for item in page.items}


def test_profiles_have_bios_and_followers(seeded):
    client = Client()
    client.force_login(User.objects.get(username="learner"))
    html = client.get("/people/learner11/").content.decode()
    assert "I edit the style guide" in html
    assert "Content Designer" in html
    assert "follower" in html


def test_seeding_again_adds_no_follows_or_bios(seeded):
    before = (Follow.objects.count(), User.objects.exclude(bio="").count())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert (Follow.objects.count(), User.objects.exclude(bio="").count()) == before
    assert "social: already present" in out.getvalue()
