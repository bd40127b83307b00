import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person in Guild.

    `public_id` is the pseudonymous xAPI account name: it never changes and says nothing about the
    person, so statements stay analysable after a rename, and erasing someone means deleting this row.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job_title = models.CharField(max_length=120, blank=True)
    team = models.CharField(max_length=120, blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def display_name(self) -> str:
        return self.get_full_name().strip() or self.username
