"""The one base for Guild's own pages in the Wagtail admin (moderation queue, ratings report, forwarding,
LRS credentials): the admin's layout and breadcrumbs, and a permission check before anything runs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin


class GuildAdminView(WagtailAdminTemplateMixin, TemplateView):
    """Subclasses say who may see the page (`may_view`); everyone else gets Wagtail's 403."""

    def may_view(self, user: Any) -> bool:
        """Nobody, unless a subclass says otherwise: a page that forgets to say is closed, not open."""
        return False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.may_view(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, str]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]
