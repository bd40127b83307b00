"""Account writes. Signing up is not a learning action, so it records no statement."""

from __future__ import annotations

from django.contrib.auth.models import Group
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
