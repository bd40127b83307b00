"""The stream, home page and profiles cost a fixed number of queries, whatever the store holds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from courses import services as course_services
from discussions import services as discussion_services
from tests.accounts.world import ask, complete_course, rate, share_note
from tests.factories import UserFactory

STREAM_QUERIES = 15
PROFILE_QUERIES = 24
HOME_QUERIES = 28  # the home page without the stream costs about 13 (my learning, suggestions, header)


pytestmark = pytest.mark.usefixtures("old_accounts")


def populate(world, people: int, start: int = 0) -> None:
    """`people` followed colleagues in Ada's course, each doing one of everything the stream shows."""
    world.mine.tags.add("plain-language")
    world.mine.save()
    discussion_services.follow_create(follower=world.viewer, target=Tag.objects.get(slug="plain-language"))
    discussion_services.follow_create(follower=world.viewer, target=world.mine)
    lesson = world.mine_lessons[0]
    for n in range(start, start + people):
        person = UserFactory(username=f"colleague{n}", first_name=f"Colleague {n}")
        course_services.enrolment_create(user=person, course=world.mine)
        discussion_services.follow_create(follower=world.viewer, target=person)
        thread = ask(person, lesson, f"Question {n} from a colleague")
        ask(person, world.mine_lessons[1], f"Discussion {n}", kind="discussion")
        reply = discussion_services.reply_create(author=world.friend, thread=thread, body="An answer.")
        discussion_services.answer_accept(user=person, reply=reply)
        share_note(person, lesson, world.mine)
        rate(person, lesson, world.mine, 4, f"Review {n}")
        complete_course(person, world.mine, world.mine_lessons)


def count(client, url: str) -> int:
    """Queries for one request, after a first one warmed the per-process caches (Wagtail's site root paths)."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("stream_filter", ["all", "courses", "people", "questions"])
def test_stream_page_queries_do_not_grow(world, stream_filter):
    client = Client()
    client.force_login(world.viewer)
    populate(world, 2)
    small = count(client, f"/stream/?filter={stream_filter}")
    populate_more = [UserFactory(username=f"extra{n}") for n in range(3)]
    for person in populate_more:
        discussion_services.follow_create(follower=world.viewer, target=person)
    world_big = world
    for n in range(2, 14):
        person = UserFactory(username=f"colleague{n}", first_name=f"Colleague {n}")
        course_services.enrolment_create(user=person, course=world_big.mine)
        discussion_services.follow_create(follower=world.viewer, target=person)
        thread = ask(person, world.mine_lessons[0], f"Question {n} from a colleague")
        reply = discussion_services.reply_create(author=world.friend, thread=thread, body="An answer.")
        discussion_services.answer_accept(user=person, reply=reply)
        share_note(person, world.mine_lessons[0], world.mine)
        rate(person, world.mine_lessons[0], world.mine, 5, f"Review {n}")
        complete_course(person, world.mine, world.mine_lessons)
    big = count(client, f"/stream/?filter={stream_filter}")
    assert big == small
    assert big <= STREAM_QUERIES


def test_stream_page_two_costs_the_same(world):
    populate(world, 8)
    client = Client()
    client.force_login(world.viewer)
    html = client.get("/stream/").content.decode()
    cursor = html.split("after=", 1)[1].split('"', 1)[0]
    assert count(client, f"/stream/?after={cursor}") <= STREAM_QUERIES


def test_the_selector_alone(world, django_assert_max_num_queries):
    from insights.stream import stream_for_viewer

    populate(world, 6)
    # scope (2), statements, people, then one loader per kind on the page: threads, replies, notes, ratings, lessons…
    with django_assert_max_num_queries(10):
        page = stream_for_viewer(viewer=world.viewer)
    assert len(page.items) == 20
    assert {item.kind for item in page.items} >= {"question", "answer", "note", "review", "completion"}


def test_home_page_queries_do_not_grow(world):
    client = Client()
    client.force_login(world.viewer)
    populate(world, 2)
    small = count(client, "/")
    populate(world, 8, start=2)
    # Loaders run only for the kinds of thing on the page (threads, replies, lessons…), so the count may
    # differ by the page's mix, never by the data's size: the bound is the home page's fixed parts + the stream.
    assert small <= HOME_QUERIES
    assert count(client, "/") <= HOME_QUERIES


def test_profile_queries_do_not_grow(world):
    client = Client()
    client.force_login(world.viewer)
    small = count(client, "/people/priya/")
    populate(world, 6)
    for n in range(10):
        follower = UserFactory(username=f"fan{n}")
        discussion_services.follow_create(follower=follower, target=world.friend)
        discussion_services.follow_create(follower=world.friend, target=follower)
    complete_course(world.friend, world.mine, world.mine_lessons)
    complete_course(world.friend, world.other, world.other_lessons)
    big = count(client, "/people/priya/")
    # Her recent activity loads threads, replies or lessons only when such rows are on it: a fixed bound.
    assert small <= PROFILE_QUERIES
    assert big <= PROFILE_QUERIES
