"""Template helpers for the social layer: avatars, follow buttons, the first-post nudge."""

from __future__ import annotations

from django import template
from django.db.models import Exists

from discussions import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def never_posted(context) -> bool:
    """Whether the signed-in person has never started a thread or replied (from the user query, else one query)."""
    from discussions.models import Reply, Thread

    user = context.get("user")
    if not permissions.signed_in(user):
        return False
    cached = user.__dict__.get("_never_posted")
    if cached is None and getattr(user, "header_has_posted", None) is not None:
        cached = not user.header_has_posted  # read with the user (home/auth.py)
    if cached is None:
        from accounts.models import User

        row = (
            User.objects.filter(pk=user.pk)
            .annotate(
                threads=Exists(Thread.objects.filter(author_id=user.pk)),
                replies=Exists(Reply.objects.filter(author_id=user.pk)),
            )
            .values("threads", "replies")
            .first()
        )
        cached = not (row and (row["threads"] or row["replies"]))
        user.__dict__["_never_posted"] = cached
    return cached


@register.simple_tag(takes_context=True)
def is_following(context, kind: str, target) -> bool:
    from discussions.follows import following_for

    following = following_for(viewer=context.get("user"))
    ids = {"user": following.user_ids, "course": following.course_ids, "tag": following.tag_ids}[kind]
    return getattr(target, "pk", None) in ids
