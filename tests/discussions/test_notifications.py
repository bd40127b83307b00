"""Notifications: fan-out after commit, mentions, immediate e-mail, daily digest, login-free unsubscribe."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from discussions import services, tasks
from discussions.models import EmailMode, Notification, NotificationPreference, Subscription
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def post_reply(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return services.reply_create(**kwargs)


def test_fan_out_runs_after_commit_not_in_the_service(thread, classmate, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.reply_create(author=classmate, thread=thread, body="Hi")
    assert not Notification.objects.exists()
    assert callbacks
    for callback in callbacks:
        callback()
    assert Notification.objects.filter(recipient=thread.author, kind="reply").exists()


def test_reply_notifies_subscribers_but_not_the_replier(
    thread, enrolled, classmate, django_capture_on_commit_callbacks
):
    post_reply(django_capture_on_commit_callbacks, author=classmate, thread=thread, body="Try fifteen minutes")
    [notification] = Notification.objects.all()
    assert notification.recipient == enrolled
    assert notification.actor == classmate
    assert Subscription.objects.filter(user=classmate, thread=thread).exists()


def test_mentions_notify_readers_only(thread, classmate, outsider, course, django_capture_on_commit_callbacks):
    from courses import services as course_services

    bob = UserFactory(username="bob.smith")
    course_services.enrolment_create(user=bob, course=course)
    post_reply(
        django_capture_on_commit_callbacks, author=classmate, thread=thread,
        body="@bob.smith and @outsider, thoughts? `@notme` in code",
    )  # fmt: skip
    kinds = dict(Notification.objects.values_list("recipient__username", "kind"))
    assert kinds == {"ada": "reply", "bob.smith": "mention"}


def test_fan_out_is_idempotent(thread, classmate, django_capture_on_commit_callbacks):
    reply = post_reply(django_capture_on_commit_callbacks, author=classmate, thread=thread, body="Once")
    tasks.discussion_fan_out("reply", reply.pk, classmate.pk)
    assert Notification.objects.count() == 1


def test_lesson_subscribers_hear_about_new_threads(classmate, enrolled, lesson, django_capture_on_commit_callbacks):
    services.subscription_set(user=classmate, lesson=lesson, subscribed=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_create(author=enrolled, lesson=lesson, kind="discussion", title="New", body="Thread")
    assert Notification.objects.get().recipient == classmate


def test_immediate_email_with_working_unsubscribe(thread, enrolled, classmate, django_capture_on_commit_callbacks):
    services.notification_preference_set(user=enrolled, email_mode=EmailMode.IMMEDIATE)
    post_reply(django_capture_on_commit_callbacks, author=classmate, thread=thread, body="An answer for you")
    [message] = mail.outbox
    assert message.to == [enrolled.email]
    assert thread.title in message.subject
    assert "An answer for you" in message.body
    assert Notification.objects.get().emailed_at is not None
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    path = unsubscribe.replace("http://testserver", "")
    anonymous = Client(enforce_csrf_checks=False)
    assert anonymous.get(path).status_code == 200
    assert anonymous.post(path).status_code == 200
    assert NotificationPreference.objects.get(user=enrolled).email_mode == EmailMode.OFF
    assert Client().post("/discussions/unsubscribe/tampered-token/").status_code == 400


def test_thread_unsubscribe_link(thread, enrolled):
    token = services.unsubscribe_token(enrolled, f"thread:{thread.pk}")
    Client().post(reverse("discussions:unsubscribe", args=[token]))
    assert not Subscription.objects.filter(user=enrolled, thread=thread).exists()


def test_daily_digest_sends_once(thread, enrolled, classmate, django_capture_on_commit_callbacks):
    post_reply(django_capture_on_commit_callbacks, author=classmate, thread=thread, body="First")
    post_reply(django_capture_on_commit_callbacks, author=classmate, thread=thread, body="Second")
    assert not mail.outbox  # daily digest is the default
    call_command("send_discussion_digest")
    [digest] = mail.outbox
    assert digest.to == [enrolled.email]
    assert "2 updates" in digest.subject
    assert "/discussions/unsubscribe/" in digest.body
    assert tasks.send_daily_digests() == 0
    assert len(mail.outbox) == 1


def test_people_who_opted_out_get_no_mail(thread, enrolled, classmate, django_capture_on_commit_callbacks):
    services.notification_preference_set(user=enrolled, email_mode=EmailMode.OFF)
    post_reply(django_capture_on_commit_callbacks, author=classmate, thread=thread, body="Quiet")
    tasks.send_daily_digests()
    assert not mail.outbox
    assert Notification.objects.count() == 1


def test_notification_centre_and_header_count(thread, enrolled, classmate, django_capture_on_commit_callbacks):
    post_reply(django_capture_on_commit_callbacks, author=classmate, thread=thread, body="Ping")
    client = Client()
    client.force_login(enrolled)
    page = client.get(reverse("discussions:notifications")).content.decode()
    assert "1 unread" in page
    assert "replied in" in page
    assert 'class="notification-badge"' in page
    notification = Notification.objects.get()
    response = client.post(reverse("discussions:notification_open", args=[notification.pk]))
    assert response.status_code == 302
    assert str(thread.activity_id) in response["Location"]
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'class="notification-badge"' not in client.get(reverse("discussions:notifications")).content.decode()
    other = Client()
    other.force_login(classmate)
    assert other.post(reverse("discussions:notification_open", args=[notification.pk])).status_code == 404


def test_preferences_form(enrolled):
    client = Client()
    client.force_login(enrolled)
    client.post(reverse("discussions:notification_settings"), {"email_mode": "immediate"})
    assert NotificationPreference.objects.get(user=enrolled).email_mode == "immediate"
    response = client.post(reverse("discussions:notification_settings"), {"email_mode": "hourly"}, follow=True)
    assert response.status_code == 200


def test_a_post_hidden_after_notifying_leaves_the_centre_the_badge_and_the_digest(
    thread, enrolled, classmate, moderator, django_capture_on_commit_callbacks
):
    reply = post_reply(django_capture_on_commit_callbacks, author=classmate, thread=thread, body="Buy cheap watches")
    services.post_hide(moderator=moderator, post=reply, reason="Spam")
    client = Client()
    client.force_login(enrolled)
    page = client.get(reverse("discussions:notifications")).content.decode()
    assert "replied in" not in page
    assert 'class="notification-badge"' not in page
    tasks.send_daily_digests()
    assert not mail.outbox

    services.post_restore(moderator=moderator, post=reply, reason="Not spam after all")
    page = client.get(reverse("discussions:notifications")).content.decode()
    assert "replied in" in page
    assert 'class="notification-badge"' in page
    tasks.send_daily_digests()
    [digest] = mail.outbox
    assert "1 update" in digest.subject
