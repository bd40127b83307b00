"""Reads about people: profiles, as the viewer may see them (DESIGN.md §2 rule 4).

What a profile shows is decided by its owner (privacy settings) and by the viewer's access:
contributions are counted and listed only from courses the viewer takes part in, never hidden or
deleted posts. A profile costs a fixed number of queries whatever the person has done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import F, Sum

from discussions import permissions

from .models import User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    Viewer = User | AnonymousUser

RECENT = 8


def known_for(*, user: User, viewer: Viewer) -> list:
    """Topics the person is known for, from the expert finder's evidence (insights.experts)."""
    from insights.experts import topics_for_user

    return topics_for_user(user=user, viewer=viewer)


def profile_for_viewer(*, username: str, viewer: Viewer) -> dict[str, Any] | None:
    """Everything /people/<username>/ shows, or None when there is no such active person."""
    from courses.models import Enrolment
    from discussions.follows import followers_of, following_for
    from discussions.models import Reply, Thread
    from insights.stream import stream_for_viewer

    person = User.objects.filter(username=username, is_active=True).first()
    if person is None:
        return None
    own = permissions.signed_in(viewer) and viewer.pk == person.pk
    context: dict[str, Any] = {"person": person, "own": own, "known_for": known_for(user=person, viewer=viewer)}
    context["is_following"] = permissions.signed_in(viewer) and person.pk in following_for(viewer=viewer).user_ids
    if person.show_completions or own:
        context["completed"] = list(
            Enrolment.objects.filter(user=person, completed_at__isnull=False, course__live=True)
            .select_related("course")
            .order_by("-completed_at")
        )
    if person.show_contributions or own:
        readable = permissions.participating_courses(viewer).values("pk")
        threads = Thread.objects.filter(author=person, hidden_at=None, deleted_at=None, course_id__in=readable)
        answers = Reply.objects.filter(
            author=person,
            hidden_at=None,
            deleted_at=None,
            thread__hidden_at=None,
            thread__deleted_at=None,
            thread__accepted_reply=F("pk"),
            thread__course_id__in=readable,
        )
        context["thread_count"] = threads.count()
        context["recent_threads"] = list(threads.select_related("course", "lesson").order_by("-created_at")[:RECENT])
        context["answer_count"] = answers.count()
        context["recent_answers"] = list(answers.select_related("thread__course").order_by("-created_at")[:RECENT])
        helpful = [
            model.objects.filter(author=person, hidden_at=None, deleted_at=None).aggregate(n=Sum("helpful_count"))["n"]
            for model in (Thread, Reply)
        ]
        context["helpful_votes"] = sum(n or 0 for n in helpful)
    if permissions.signed_in(viewer):
        context["activity"] = stream_for_viewer(viewer=viewer, actor=person, page_size=RECENT)
    context["follows"] = followers_of(user=person, viewer=viewer)
    return context
