"""Wagtail admin: the discussion moderation queue (/admin/discussions/moderation/) for the Moderators group,
and the lesson ratings report (/admin/discussions/ratings/) for authors, Analysts and superusers."""

from __future__ import annotations

from typing import Any

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from home.admin_views import GuildAdminView

from . import permissions, selectors
from .models import Flag


class ModerationQueueView(GuildAdminView):
    """Flagged and hidden posts with their flags and context, and the actions to take; plus the recent log.

    The action buttons post to the same views moderators use on the thread page (one service each),
    with `next` bringing them back here.
    """

    template_name = "discussions/admin/queue.html"
    page_title = "Discussion moderation"
    header_icon = "warning"

    def may_view(self, user) -> bool:
        return permissions.is_moderator(user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(selectors.moderation_queue(viewer=self.request.user))
        context["queue_url"] = reverse("discussions_moderation")
        return context


class ModerationMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return permissions.is_moderator(request.user)


@hooks.register("register_admin_urls")
def register_moderation_urls():
    return [path("discussions/moderation/", ModerationQueueView.as_view(), name="discussions_moderation")]


@hooks.register("register_admin_menu_item")
def register_moderation_menu_item():
    return ModerationMenuItem("Moderation queue", reverse("discussions_moderation"), icon_name="warning", order=940)


def may_see_rating_report(user) -> bool:
    """Analysts and superusers; authors of a course; anyone Wagtail lets edit some page (the report then filters)."""
    from wagtail.permission_policies.pages import PagePermissionPolicy

    from insights.permissions import is_analyst

    if not permissions.signed_in(user) or not user.is_active:
        return False
    return (
        is_analyst(user)
        or user.authored_courses.exists()
        or PagePermissionPolicy().user_has_any_permission(user, ["change"])
    )


class LessonRatingsReportView(GuildAdminView):
    """Rated lessons, lowest average first, with their histogram and latest reviews: what to improve next."""

    template_name = "discussions/admin/rating_report.html"
    page_title = "Lesson ratings"
    header_icon = "pick"

    def may_view(self, user) -> bool:
        return may_see_rating_report(user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(selectors.lesson_rating_report(viewer=self.request.user))
        return context


class RatingReportMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return may_see_rating_report(request.user)


@hooks.register("register_admin_urls")
def register_rating_report_urls():
    return [path("discussions/ratings/", LessonRatingsReportView.as_view(), name="discussions_rating_report")]


@hooks.register("register_admin_menu_item")
def register_rating_report_menu_item():
    return RatingReportMenuItem("Lesson ratings", reverse("discussions_rating_report"), icon_name="pick", order=941)


def open_flag_count() -> int:
    return Flag.objects.filter(resolved_at=None).count()
