"""Wagtail admin hooks for insights."""

from django.urls import path, reverse
from wagtail import hooks

from .export_views import StatementExportMenuItem, StatementExportView
from .forwarding_admin import ForwardingMenuItem, ForwardingPanel, ForwardingView
from .permissions import is_analyst


# --- Forwarding to the external LRS (dashboard panel, /admin/forwarding/, menu item) ---------------------
@hooks.register("register_admin_urls")
def register_forwarding_urls():
    return [path("forwarding/", ForwardingView.as_view(), name="insights_forwarding")]


@hooks.register("register_admin_menu_item")
def register_forwarding_menu_item():
    return ForwardingMenuItem("Forwarding", reverse("insights_forwarding"), icon_name="upload", order=950)


@hooks.register("construct_homepage_panels")
def add_forwarding_panel(request, panels):
    if is_analyst(request.user):
        panels.append(ForwardingPanel())


# --- Statements export for Analysts (/admin/statements-export/, menu item) -------------------------------
@hooks.register("register_admin_urls")
def register_statements_export_urls():
    return [path("statements-export/", StatementExportView.as_view(), name="insights_statements_export")]


@hooks.register("register_admin_menu_item")
def register_statements_export_menu_item():
    return StatementExportMenuItem(
        "Statements export", reverse("insights_statements_export"), icon_name="download", order=960
    )


# --- LRS credentials for Analysts (/admin/lrs-credentials/, menu item) ------------------------------------
@hooks.register("register_admin_urls")
def register_lrs_credentials_urls():
    from .lrs.admin import CredentialsView

    return [path("lrs-credentials/", CredentialsView.as_view(), name="insights_lrs_credentials")]


@hooks.register("register_admin_menu_item")
def register_lrs_credentials_menu_item():
    from .lrs.admin import CredentialsMenuItem

    return CredentialsMenuItem("LRS credentials", reverse("insights_lrs_credentials"), icon_name="key", order=970)
