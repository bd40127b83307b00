"""Voices: a nudge for people who have never posted, and a welcome from the course's authors for their first post."""

from __future__ import annotations

from discussions import services
from discussions.models import Notification, NotificationKind
from tests.accounts.world import ask
from tests.factories import UserFactory


def test_first_post_notifies_the_course_authors_once(world, django_capture_on_commit_callbacks):
    author = UserFactory(username="amira", first_name="Amira", groups=["Learners", "Authors"])
    world.mine.authors.add(author)
    world.mine.save()
    with django_capture_on_commit_callbacks(execute=True):
        thread = ask(world.viewer, world.mine_lessons[0], "My very first question")
    welcome = Notification.objects.get(recipient=author, kind=NotificationKind.FIRST_POST)
    assert (welcome.actor, welcome.thread) == (world.viewer, thread)
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_create(author=world.viewer, thread=thread, body="And a follow-up.")
        ask(world.viewer, world.mine_lessons[1], "A second question")
    assert Notification.objects.filter(kind=NotificationKind.FIRST_POST).count() == 1


def test_a_first_reply_is_welcomed_too(world, django_capture_on_commit_callbacks):
    author = UserFactory(username="amira", groups=["Learners", "Authors"])
    world.mine.authors.add(author)
    world.mine.save()
    thread = ask(world.friend, world.mine_lessons[0], "Someone else's question")
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.reply_create(author=world.viewer, thread=thread, body="My first words here.")
    welcome = Notification.objects.get(recipient=author, kind=NotificationKind.FIRST_POST, reply=reply)
    assert welcome.actor == world.viewer


def test_the_author_sees_the_welcome_in_their_notifications(client, world, django_capture_on_commit_callbacks):
    author = UserFactory(username="amira", groups=["Learners", "Authors"])
    world.mine.authors.add(author)
    world.mine.save()
    with django_capture_on_commit_callbacks(execute=True):
        ask(world.viewer, world.mine_lessons[0], "Hello everyone")
    client.force_login(author)
    html = client.get("/discussions/notifications/").content.decode()
    assert "posted for the first time, say welcome:" in html
    assert "“Hello everyone”" in html


def test_nudge_on_home_and_lesson_until_the_first_post(client, world):
    client.force_login(world.viewer)
    assert "Your colleagues would like to hear from you" in client.get("/").content.decode()
    lesson_html = client.get(world.mine_lessons[0].url).content.decode()
    assert "First time here?" in lesson_html
    ask(world.viewer, world.mine_lessons[0], "Finally asking")
    assert "Your colleagues would like to hear from you" not in client.get("/").content.decode()
    assert "First time here?" not in client.get(world.mine_lessons[0].url).content.decode()


def test_no_nudge_for_people_not_in_the_course(client, world):
    client.force_login(world.stranger)  # not enrolled in `mine`: the lesson's discussion is closed to them
    assert "First time here?" not in client.get(world.mine_lessons[0].url).content.decode()
