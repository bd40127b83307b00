from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse


def avatar_path(instance: User, filename: str) -> str:
    """Avatars are stored under the public id, never the username (which can change)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "img"
    return f"avatars/{instance.public_id}/{uuid.uuid4().hex[:12]}.{extension}"


class User(AbstractUser):
    """A person in Guild.

    `public_id` is the pseudonymous xAPI account name: it never changes and says nothing about the
    person, so statements stay analysable after a rename, and erasing someone means deleting this row.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job_title = models.CharField(max_length=120, blank=True)
    team = models.CharField(max_length=120, blank=True)
    bio = models.TextField(max_length=1000, blank=True, help_text="A few lines about what you do and know.")
    avatar = models.ImageField(upload_to=avatar_path, blank=True)

    # What the person lets others see (privacy settings at /accounts/privacy/). All on by default,
    # and each is read by the selectors that would show it: the stream, the profile, the expert finder.
    show_completions = models.BooleanField(
        default=True, help_text="Show the courses I complete in colleagues' activity streams and on my profile."
    )
    show_contributions = models.BooleanField(
        default=True, help_text="Show my questions, accepted answers, shared notes and reviews on my profile."
    )
    show_followers = models.BooleanField(default=True, help_text="Show who follows me and whom I follow.")
    suggest_as_helper = models.BooleanField(
        default=True, help_text="Suggest me to colleagues as someone who can help with topics I know."
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def display_name(self) -> str:
        return self.get_full_name().strip() or self.username

    @property
    def initial(self) -> str:
        return self.display_name[:1].upper()

    def get_absolute_url(self) -> str:
        return reverse("people:profile", kwargs={"username": self.username})
