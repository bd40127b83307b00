"""Account writes. Signing up and editing a profile are not learning actions, so they record no statement."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from .models import User

LEARNERS_GROUP = "Learners"


def user_create(*, username: str, password: str, email: str = "", first_name: str = "", last_name: str = "") -> User:
    """Create a learner: everyone who signs up joins the Learners group."""
    with transaction.atomic():
        user = User.objects.create_user(
            username=username, password=password, email=email, first_name=first_name, last_name=last_name
        )
        user.groups.add(Group.objects.get(name=LEARNERS_GROUP))
        return user


def profile_update(
    *,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    job_title: str,
    team: str,
    bio: str,
    avatar: UploadedFile | None = None,
    remove_avatar: bool = False,
) -> User:
    """Save what a person says about themselves. A new avatar replaces (and deletes) the old file after commit.

    Not a learning action: no statement. Validation (image type and size) is the form's job;
    this trusts only what it is given.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        old_avatar = user.avatar.name if user.avatar else ""
        user.first_name, user.last_name, user.email = first_name, last_name, email
        user.job_title, user.team, user.bio = job_title, team, bio.strip()
        if avatar is not None:
            user.avatar.save(avatar.name, avatar, save=False)
        elif remove_avatar:
            user.avatar = ""
        user.save()
        if old_avatar and old_avatar != (user.avatar.name if user.avatar else ""):
            storage = user.avatar.storage
            transaction.on_commit(lambda: storage.delete(old_avatar))
        return user


def privacy_set(
    *, user: User, show_completions: bool, show_contributions: bool, show_followers: bool, suggest_as_helper: bool
) -> User:
    """What the person lets colleagues see. Read by the stream, profiles and the expert finder."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(
            show_completions=show_completions,
            show_contributions=show_contributions,
            show_followers=show_followers,
            suggest_as_helper=suggest_as_helper,
        )
        user.show_completions, user.show_contributions = show_completions, show_contributions
        user.show_followers, user.suggest_as_helper = show_followers, suggest_as_helper
        return user
