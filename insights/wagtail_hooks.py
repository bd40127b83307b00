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


# --- Insights dashboards (/admin/insights/…, an "Insights" submenu, a button on the lesson editor) --------
@hooks.register("register_admin_urls")
def register_dashboard_urls():
    from .dashboards import views

    return [
        path("insights/", views.DashboardView.as_view(), name="insights_dashboard_overview"),
        path("insights/course/", views.CourseDashboardView.as_view(), name="insights_dashboard_course"),
        path("insights/social/", views.SocialDashboardView.as_view(), name="insights_dashboard_social"),
        path(
            "insights/lessons/<int:lesson_id>/", views.LessonDashboardView.as_view(), name="insights_dashboard_lesson"
        ),
        path(
            "insights/lessons/<int:lesson_id>/<slug:chart>.csv",
            views.chart_csv,
            {"dashboard": "lesson"},
            name="insights_lesson_dashboard_csv",
        ),
        path("insights/<slug:dashboard>/<slug:chart>.csv", views.chart_csv, name="insights_dashboard_csv"),
    ]


@hooks.register("register_admin_menu_item")
def register_dashboards_menu_item():
    from wagtail.admin.menu import Menu

    from .dashboards.menu import DashboardMenuItem, DashboardsSubmenuItem

    items = [
        DashboardMenuItem("Overview", reverse("insights_dashboard_overview"), icon_name="view", order=1),
        DashboardMenuItem("Course", reverse("insights_dashboard_course"), icon_name="doc-full", order=2),
        DashboardMenuItem("Social", reverse("insights_dashboard_social"), icon_name="group", order=3),
    ]
    return DashboardsSubmenuItem("Insights", Menu(items=items), icon_name="view", order=940)


@hooks.register("register_page_header_buttons")
def lesson_insights_header_button(page, user, view_name, next_url=None):
    """ "Insights" on a lesson's edit screen, for whoever may see that course's dashboards."""
    from wagtail.admin.widgets import Button

    from courses.models import LessonPage

    from .dashboards.permissions import dashboard_scope

    if view_name != "edit" or page.specific_class is not LessonPage:
        return
    scope = dashboard_scope(user)
    if scope is None:
        return
    parent_id = page.get_parent().pk if page.depth > 1 else None
    if not any(course.pk == parent_id for course in scope.courses):
        return
    yield Button(
        "Insights",
        reverse("insights_dashboard_lesson", args=[page.pk]),
        icon_name="view",
        priority=90,
        attrs={"title": "How learners are doing with this lesson: confusion per block, ratings, knowledge checks"},
    )
