"""Wagtail admin for forwarding: a dashboard panel and /admin/forwarding/, for Analysts and superusers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from home.admin_views import GuildAdminView

from . import forwarding
from .permissions import is_analyst


class ForwardingView(GuildAdminView):
    """The forwarding backlog in full: counts by state, oldest pending, last error, recent rejections."""

    template_name = "insights/admin/forwarding.html"
    page_title = _("Forwarding to the external LRS")
    header_icon = "upload"

    def may_view(self, user) -> bool:
        return is_analyst(user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["backlog"] = forwarding.forwarding_backlog(with_totals=True)
        context["rejections"] = forwarding.recent_rejections(limit=20)
        return context


class ForwardingPanel(Component):
    """Dashboard panel: reads only the pending rows (partial index), never counts the whole store."""

    name = "forwarding"
    template_name = "insights/admin/forwarding_panel.html"
    order = 150

    def get_context_data(self, parent_context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {
            "backlog": forwarding.forwarding_backlog(with_totals=False),
            "forwarding_url": reverse("insights_forwarding"),
        }


class ForwardingMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return is_analyst(request.user)
