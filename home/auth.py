"""The signed-in user, read once per request with what every page's header asks about them.

Django's ModelBackend loads the user by id; the header then asks for the admin permission (two queries:
user and group permissions), the unread-notification count and, on discussion pages, whether they
moderate, and whether they ever posted (the first-post nudge). `get_user` here reads all of that in the
one user query, as annotations; the header and
`discussions.permissions` use them when present and ask the database otherwise. Permissions checks
(`has_perm`) still go through ModelBackend unchanged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

ADMIN_APP_LABEL = "wagtailadmin"
ADMIN_CODENAME = "access_admin"


def _header_annotations() -> dict[str, Any]:
    from discussions.models import Reply, Thread
    from discussions.permissions import MODERATORS_GROUP
    from discussions.selectors import visible_notifications

    user_model = get_user_model()
    admin = Permission.objects.filter(content_type__app_label=ADMIN_APP_LABEL, codename=ADMIN_CODENAME)
    unread = (
        visible_notifications()
        .filter(recipient=OuterRef("pk"), read_at=None)
        .order_by()
        .values("recipient")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return {
        "header_admin": Exists(admin.filter(Q(user=OuterRef("pk")) | Q(group__user=OuterRef("pk")))),
        "header_unread": Coalesce(Subquery(unread, output_field=IntegerField()), 0),
        "header_moderator": Exists(
            user_model.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=MODERATORS_GROUP)
        ),
        # The first-post nudge (home/templatetags/social_tags.py) asks whether they ever posted.
        "header_has_posted": Exists(Thread.objects.filter(author_id=OuterRef("pk")))
        | Exists(Reply.objects.filter(author_id=OuterRef("pk"))),
    }


class HeaderUserBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.annotate(**_header_annotations()).get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        user._discussions_is_moderator = user.header_moderator
        return user

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        # Wagtail's user bar asks this on every page: answer from the annotation rather than loading all perms.
        if obj is None and perm == f"{ADMIN_APP_LABEL}.{ADMIN_CODENAME}":
            annotated = getattr(user_obj, "header_admin", None)
            if annotated is not None:
                return bool(annotated and user_obj.is_active)
        return super().has_perm(user_obj, perm, obj)


def can_access_admin(user) -> bool:
    """The header's "Admin" link: the annotation when the request's user carries it, else the permission check."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return user.is_active
    annotated = getattr(user, "header_admin", None)
    if annotated is not None:
        return bool(annotated and user.is_active)
    return user.has_perm(f"{ADMIN_APP_LABEL}.{ADMIN_CODENAME}")
