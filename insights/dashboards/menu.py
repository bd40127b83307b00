"""The admin menu entries: shown to whoever has a dashboard scope (Analysts, course authors)."""

from __future__ import annotations

from django.http import HttpRequest
from wagtail.admin.menu import MenuItem, SubmenuMenuItem

from .permissions import dashboard_scope


class DashboardMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return dashboard_scope(request.user) is not None


class DashboardsSubmenuItem(SubmenuMenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return dashboard_scope(request.user) is not None
