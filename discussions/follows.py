"""Reads about follows: who follows whom, what the viewer follows, and whom they might follow.

Writes are `follow_create` / `follow_delete` in services.py. Every function here takes the viewer
and costs a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q

from . import permissions
from .models import Follow, Reply

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    Viewer = User | AnonymousUser

SUGGESTIONS = 4


@dataclass
class Following:
    """What the viewer follows, as id sets (one query), for rendering follow buttons anywhere on a page."""

    user_ids: set[int] = field(default_factory=set)
    course_ids: set[int] = field(default_factory=set)
    tag_ids: set[int] = field(default_factory=set)


def following_for(*, viewer: Viewer) -> Following:
    following = Following()
    if not permissions.signed_in(viewer):
        return following
    cached = viewer.__dict__.get("_following")
    if cached is not None:
        return cached
    for user_id, course_id, tag_id in Follow.objects.filter(follower_id=viewer.pk).values_list(
        "user_id", "course_id", "tag_id"
    ):
        if user_id:
            following.user_ids.add(user_id)
        elif course_id:
            following.course_ids.add(course_id)
        elif tag_id:
            following.tag_ids.add(tag_id)
    viewer.__dict__["_following"] = following
    return following


@dataclass
class Suggestion:
    kind: str  # "user" or "tag"
    reason: str
    user: User | None = None
    tag: object | None = None


def follow_suggestions(*, viewer: Viewer, limit: int = SUGGESTIONS) -> list[Suggestion]:
    """People who answered my questions first, then classmates (most courses shared first), then up to
    two tags of my courses; never anyone or anything already followed, never myself or inactive
    accounts. Two queries.
    """
    from accounts.models import User
    from courses.models import CoursePage, Enrolment

    if not permissions.signed_in(viewer):
        return []
    my_follows = Follow.objects.filter(follower_id=viewer.pk)
    my_courses = Enrolment.objects.filter(user_id=viewer.pk, unenrolled_at=None).values("course_id")
    answered = Reply.objects.filter(
        author_id=OuterRef("pk"), thread__author_id=viewer.pk, hidden_at=None, deleted_at=None, thread__deleted_at=None
    )
    people = (
        User.objects.filter(is_active=True)
        .exclude(pk=viewer.pk)
        .exclude(pk__in=my_follows.filter(user__isnull=False).values("user_id"))
        .annotate(
            answered=Exists(answered),
            shared=Count("enrolments", filter=Q(enrolments__course_id__in=my_courses, enrolments__unenrolled_at=None)),
        )
        .filter(Q(answered=True) | Q(shared__gt=0))
        .order_by("-answered", "-shared", "-last_login", "username")[:limit]
    )
    suggestions: list[Suggestion] = []
    for user in people:
        if user.answered:
            reason = "Answered your questions"
        else:
            reason = "In your courses" if user.shared == 1 else f"In {user.shared} of your courses"
        suggestions.append(Suggestion(kind="user", reason=reason, user=user))
    from taggit.models import Tag

    tags = (
        Tag.objects.filter(
            pk__in=CoursePage.tags.through.objects.filter(
                content_object__live=True, content_object_id__in=my_courses
            ).values("tag_id")
        )
        .exclude(pk__in=my_follows.filter(tag__isnull=False).values("tag_id"))
        .order_by("name")[:2]
    )
    suggestions += [Suggestion(kind="tag", reason="A topic of your courses", tag=tag) for tag in tags]
    return suggestions


def followers_of(*, user: User, viewer: Viewer, limit: int = 24) -> dict:
    """Followers and followed people of `user`, when they show them (or the viewer is them). Four queries."""
    from accounts.models import User

    own = permissions.signed_in(viewer) and viewer.pk == user.pk
    if not (user.show_followers or own):
        return {"visible": False}
    follower_ids = Follow.objects.filter(user_id=user.pk).values("follower_id")
    following_ids = Follow.objects.filter(follower_id=user.pk, user__isnull=False).values("user_id")
    people = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    return {
        "visible": True,
        "followers": list(people.filter(pk__in=follower_ids)[:limit]),
        "follower_count": people.filter(pk__in=follower_ids).count(),
        "following": list(people.filter(pk__in=following_ids)[:limit]),
        "following_count": people.filter(pk__in=following_ids).count(),
    }
