"""Following people, courses and tags: services, the one-click endpoint, statements, suggestions."""

from __future__ import annotations

import pytest
from taggit.models import Tag

from discussions import services
from discussions.follows import follow_suggestions
from discussions.models import Follow
from insights.models import Statement
from insights.xapi import vocabulary as xapi
from insights.xapi.activities import activity_iri
from tests.accounts.world import ask
from tests.factories import UserFactory


def statements(verb):
    return list(Statement.objects.filter(verb=verb.iri).order_by("stored"))


def test_following_a_person_records_an_agent_object_without_platform(world):
    follow = services.follow_create(follower=world.viewer, target=world.friend)
    assert follow.user == world.friend
    [recorded] = statements(xapi.FOLLOWED)
    assert recorded.data["object"] == {
        "objectType": "Agent",
        "account": {"homePage": recorded.data["actor"]["account"]["homePage"], "name": str(world.friend.public_id)},
    }
    assert "platform" not in recorded.data["context"]
    assert "revision" not in recorded.data["context"]


def test_following_twice_is_one_follow_and_one_statement(world):
    first = services.follow_create(follower=world.viewer, target=world.mine)
    again = services.follow_create(follower=world.viewer, target=world.mine)
    assert first.pk == again.pk
    assert len(statements(xapi.FOLLOWED)) == 1
    assert statements(xapi.FOLLOWED)[0].object_id == activity_iri("course", world.mine.activity_id)


def test_unfollow_records_stop_following_once(world):
    services.follow_create(follower=world.viewer, target=world.friend)
    assert services.follow_delete(follower=world.viewer, target=world.friend) is True
    assert services.follow_delete(follower=world.viewer, target=world.friend) is False
    assert not Follow.objects.exists()
    assert len(statements(xapi.STOPPED_FOLLOWING)) == 1


def test_a_tag_is_an_activity_whose_iri_resolves(client, world):
    world.mine.tags.add("plain language")
    world.mine.save()
    tag = Tag.objects.get(name="plain language")
    services.follow_create(follower=world.viewer, target=tag)
    [recorded] = statements(xapi.FOLLOWED)
    iri = activity_iri("tag", tag.slug)
    assert recorded.object_id == iri
    assert recorded.data["object"]["definition"]["type"] == xapi.TAG.iri
    path = iri.split("://", 1)[1].split("/", 1)[1]
    described = client.get(f"/{path}", HTTP_ACCEPT="application/json")
    assert described.status_code == 200
    assert described.json()["definition"]["name"] == {"en": "plain language"}
    assert client.get(f"/{path}")["Location"] == f"/courses/?tag={tag.slug}"
    assert client.get("/xapi/activities/tag/no-such-tag", HTTP_ACCEPT="application/json").status_code == 404


def test_nobody_follows_themselves_or_an_unpublished_course(world):
    with pytest.raises(services.DiscussionError):
        services.follow_create(follower=world.viewer, target=world.viewer)
    world.other.unpublish()
    world.other.refresh_from_db()
    with pytest.raises(services.DiscussionError):
        services.follow_create(follower=world.viewer, target=world.other)
    assert not Follow.objects.exists()
    assert not Statement.objects.filter(verb=xapi.FOLLOWED.iri).exists()


def test_one_click_follow_and_undo(client, world):
    client.force_login(world.viewer)
    response = client.post(
        "/people/follow/", {"kind": "user", "target": "priya", "action": "follow", "next": "/people/priya/"}
    )
    assert response["Location"] == "/people/priya/"
    assert Follow.objects.filter(follower=world.viewer, user=world.friend).exists()
    html = client.get("/people/priya/").content.decode()
    assert 'aria-pressed="true">Following<span class="visually-hidden"> Priya Shah</span> · Undo' in html
    client.post("/people/follow/", {"kind": "user", "target": "priya", "action": "unfollow"})
    assert not Follow.objects.exists()
    client.post("/people/follow/", {"kind": "course", "target": str(world.mine.pk), "action": "follow"})
    assert Follow.objects.filter(course=world.mine).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "user", "target": "nobody"},
        {"kind": "course", "target": "abc"},
        {"kind": "tag", "target": "no-such-tag"},
        {"kind": "group", "target": "x"},
        {"kind": "user", "target": "ada"},  # yourself
        {"kind": "user", "target": "priya", "action": "explode"},
    ],
)
def test_bad_follow_requests_are_400_json_and_change_nothing(client, world, data):
    client.force_login(world.viewer)
    response = client.post("/people/follow/", data, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["error"]
    assert not Follow.objects.exists()


def test_follow_needs_sign_in_and_post(client, world):
    assert client.post("/people/follow/", {"kind": "user", "target": "priya"}).status_code == 302
    client.force_login(world.viewer)
    assert client.get("/people/follow/").status_code == 405
    assert not Follow.objects.exists()


def test_external_next_urls_are_ignored(client, world):
    client.force_login(world.viewer)
    response = client.post("/people/follow/", {"kind": "user", "target": "priya", "next": "https://evil.example/"})
    assert response["Location"] == "/stream/"


def test_suggestions_answerers_then_classmates_then_tags(world):
    world.mine.tags.add("headlines")
    world.mine.save()
    thread = ask(world.viewer, world.mine_lessons[0], "What makes a headline work")
    helper = UserFactory(username="helper", first_name="Hel", last_name="Per")
    from courses import services as course_services

    course_services.enrolment_create(user=helper, course=world.mine)
    services.reply_create(author=helper, thread=thread, body="Front-load the keywords.")
    suggestions = follow_suggestions(viewer=world.viewer)
    assert [(s.kind, s.user.username if s.user else s.tag.slug, s.reason) for s in suggestions] == [
        ("user", "helper", "Answered your questions"),
        ("user", "priya", "In your courses"),
        ("tag", "headlines", "A topic of your courses"),
    ]
    services.follow_create(follower=world.viewer, target=helper)
    world.viewer.__dict__.pop("_following", None)
    assert "helper" not in [s.user.username for s in follow_suggestions(viewer=world.viewer) if s.user]
