"""Posting a reply: median time of `reply_create` including its statement and the notification fan-out.

A thread with 200 subscribers (all enrolled, a quarter on immediate e-mail through the locmem
backend); each timed call runs the service inside `transaction.atomic()` and then the on-commit
fan-out task inline (as with no broker), creating 200 notifications and ~50 e-mails.

    python bench/discussions_post.py [N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/discussions_post.py
"""

from __future__ import annotations

import statistics
import sys
import time

from _setup import backend_name, django_setup


def main(calls: int) -> None:
    django_setup("discussions_post")
    from django.core import mail
    from django.db import transaction
    from django.test.utils import override_settings

    from courses import services as course_services
    from discussions import services
    from discussions.models import EmailMode, Notification, NotificationPreference, Subscription
    from tests.factories import UserFactory, course_with_lessons

    course, lessons = course_with_lessons(1)
    people = [UserFactory(username=f"sub{i:03d}", email=f"sub{i:03d}@example.com") for i in range(201)]
    for person in people:
        course_services.enrolment_create(user=person, course=course)
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=p, email_mode=EmailMode.IMMEDIATE) for p in people[1::4]]
    )
    poster = people[0]
    with override_settings(DISCUSSIONS_NEW_ACCOUNT_DAYS=0):
        thread = services.thread_create(author=poster, lesson=lessons[0], kind="question", title="Bench", body="Go")
        for person in people[1:]:
            services.subscription_set(user=person, thread=thread, subscribed=True)
        assert Subscription.objects.filter(thread=thread).count() == 201

        service_only: list[float] = []
        total: list[float] = []
        for index in range(calls):
            mail.outbox = []
            started = time.perf_counter()
            with transaction.atomic():
                services.reply_create(author=poster, thread=thread, body=f"Reply number {index}")
                committed_at = time.perf_counter()
            # Leaving the block committed and ran the on-commit fan-out task inline (no broker).
            finished = time.perf_counter()
            service_only.append(committed_at - started)
            total.append(finished - started)
        notifications = Notification.objects.count()
    sys.stdout.write(f"backend: {backend_name()}, {calls} replies, 200 subscribers each\n")
    sys.stdout.write(
        f"  reply_create + statement (in the request): median {statistics.median(service_only) * 1000:.1f} ms\n"
    )
    sys.stdout.write(
        f"  reply_create + statement + fan-out (200 notifications, ~50 e-mails): median "
        f"{statistics.median(total) * 1000:.1f} ms (p90 {sorted(total)[int(len(total) * 0.9)] * 1000:.1f} ms)\n"
    )
    sys.stdout.write(f"  notifications created: {notifications}, e-mails in the last call: {len(mail.outbox)}\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
