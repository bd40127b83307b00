"""The dashboards in the Wagtail admin (/admin/insights/…) and the CSV behind every chart.

Views stay thin: parse the filters, ask `insights_query` (which enforces the viewer's scope), render.
Permission failures are returned as 403 responses, not raised: Wagtail turns a raised
PermissionDenied into a redirect, and people without admin access never get here at all (Wagtail's
admin gate sends them to the login page).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.views.defaults import permission_denied
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput

from . import selectors
from .permissions import DashboardScope, dashboard_scope
from .selectors import DASHBOARDS, Filters, InsightsQuery, insights_query

TABS = (("overview", "Overview"), ("course", "Course"), ("social", "Social"))


class FiltersForm(forms.Form):
    """Date range (whole UTC days, both ends included), course and team; every dashboard takes them."""

    date_from = forms.DateField(required=False, label="From", widget=AdminDateInput)
    date_to = forms.DateField(required=False, label="Until", widget=AdminDateInput)
    course = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Course")
    team = forms.ChoiceField(required=False, label="Team")

    def __init__(self, *args: Any, scope: DashboardScope, teams: list[str], course_label: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["course"].choices = [("", course_label), *((c.pk, c.title) for c in scope.courses)]
        self.fields["team"].choices = [("", "All teams"), *((team, team) for team in teams)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        default = Filters.default()
        date_from = cleaned.get("date_from") or default.date_from
        date_to = cleaned.get("date_to") or default.date_to
        if date_from > date_to:
            self.add_error("date_to", "This must be on or after “From”.")
        elif (date_to - date_from).days > 3660:
            self.add_error("date_from", "Choose a period of ten years or less.")
        cleaned["date_from"], cleaned["date_to"] = date_from, date_to
        return cleaned

    def asks_for_another_course(self) -> bool:
        """A course id outside the viewer's scope is a permission matter (403), not a typo (400)."""
        value = self.data.get("course", "")
        return "course" in self.errors and str(value).isdigit()

    def filters(self, *, course: Any = None) -> Filters:
        data = self.cleaned_data
        if course is None and data.get("course"):
            course = next(c for c in self.scope.courses if c.pk == data["course"])
        return Filters(date_from=data["date_from"], date_to=data["date_to"], course=course, team=data.get("team") or "")


class DashboardView(WagtailAdminTemplateMixin, TemplateView):
    """One dashboard page: the filters, then every chart with its data table and CSV link."""

    dashboard = "overview"
    template_name = "insights/dashboards/dashboard.html"
    header_icon = "view"
    course_label = "All your courses"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.scope = dashboard_scope(request.user)
        if self.scope is None:
            return permission_denied(request, PermissionDenied("Dashboards are for Analysts and course authors."))
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied as denied:
            return permission_denied(request, denied)

    def get_page_title(self) -> str:
        return f"Insights: {dict(TABS).get(self.dashboard, 'Lesson')}"

    def get_breadcrumbs_items(self) -> list[dict[str, str]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def lesson(self) -> Any:
        return None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        lesson = self.lesson()
        form = FiltersForm(
            request.GET, scope=self.scope, teams=selectors.team_choices(), course_label=self.course_label
        )
        context = self.get_context_data(form=form, lesson=lesson, tabs=TABS, dashboard=self.dashboard)
        if not form.is_valid():
            if form.asks_for_another_course():
                return permission_denied(
                    request, PermissionDenied("You can see insights for the courses you can edit.")
                )
            return self.render_to_response(context, status=400)
        course = _lesson_course(lesson) if lesson is not None else None
        query = insights_query(viewer=request.user, filters=form.filters(course=course), lesson=lesson)
        context["query"] = query
        if self.dashboard == "course" and query.course is None:
            context["pick_course"] = True
            return self.render_to_response(context)
        with collector_paused():
            context["charts"] = [
                (chart, self.csv_url(chart.key)) for chart in selectors.dashboard_charts(query, self.dashboard)
            ]
            context["summary"] = self.summary(query)
            context["fill_state"] = selectors.fill_state()
            context["querystring"] = request.GET.urlencode()
            response = self.render_to_response(context)
            response.render()
        return response

    def csv_url(self, chart: str) -> str:
        url = reverse("insights_dashboard_csv", args=[self.dashboard, chart])
        return f"{url}?{self.request.GET.urlencode()}" if self.request.GET else url

    def summary(self, query: InsightsQuery) -> list[tuple[str, Any]]:
        if self.dashboard == "social":
            return [("First-time posters this month", selectors.first_posters_this_month(query))]
        return []


class CourseDashboardView(DashboardView):
    dashboard = "course"
    course_label = "Choose a course"


class SocialDashboardView(DashboardView):
    dashboard = "social"


class LessonDashboardView(DashboardView):
    dashboard = "lesson"

    def lesson(self) -> Any:
        from courses.models import LessonPage

        if getattr(self, "_lesson", None) is None:
            self._lesson = LessonPage.objects.filter(pk=self.kwargs["lesson_id"]).first()
            if self._lesson is None:
                raise Http404("No such lesson")
        return self._lesson

    def get_page_title(self) -> str:
        return f"Insights: {self._lesson.title}" if getattr(self, "_lesson", None) else "Insights: lesson"

    def csv_url(self, chart: str) -> str:
        url = reverse("insights_lesson_dashboard_csv", args=[self.kwargs["lesson_id"], chart])
        return f"{url}?{self.request.GET.urlencode()}" if self.request.GET else url

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.lesson()  # before the page title needs it
        return super().get(request, *args, **kwargs)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a dashboard or a chart's CSV is built and rendered.

    The helper network's CSV lists every pair of people: at scale tens of thousands of small rows, each
    allocation counting towards the next collection (1M statements: 456 ms with the collector, 336 ms
    without). None of these objects form cycles, so reference counting frees them all the same;
    collection resumes, and catches up, when the response is done.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _lesson_course(lesson: Any) -> Any:
    from courses.models import CoursePage

    course = CoursePage.objects.parent_of(lesson).first()
    if course is None:
        raise Http404("This lesson is not in a course")
    return course


def chart_csv(request: HttpRequest, dashboard: str, chart: str, lesson_id: int | None = None) -> HttpResponse:
    """Exactly one chart's rows as CSV, for the same filters as the page it sits on."""
    scope = dashboard_scope(request.user)
    if scope is None:
        return permission_denied(request, PermissionDenied("Dashboards are for Analysts and course authors."))
    builder = DASHBOARDS.get(dashboard, {}).get(chart)
    if builder is None or (dashboard == "lesson") != (lesson_id is not None):
        raise Http404("No such chart")
    lesson = None
    if lesson_id is not None:
        from courses.models import LessonPage

        lesson = LessonPage.objects.filter(pk=lesson_id).first()
        if lesson is None:
            raise Http404("No such lesson")
    form = FiltersForm(request.GET, scope=scope, teams=selectors.team_choices(), course_label="")
    if not form.is_valid() and form.asks_for_another_course():
        return permission_denied(request, PermissionDenied("You can see insights for the courses you can edit."))
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in form.errors.items())
        return HttpResponseBadRequest(f"Invalid filters: {errors}", content_type="text/plain; charset=utf-8")
    try:
        course = _lesson_course(lesson) if lesson is not None else None
        query = insights_query(viewer=request.user, filters=form.filters(course=course), lesson=lesson, all_rows=True)
    except PermissionDenied as denied:
        return permission_denied(request, denied)
    if dashboard == "course" and query.course is None:
        return HttpResponseBadRequest("Choose a course.", content_type="text/plain; charset=utf-8")
    with collector_paused():
        body = builder(query).csv()
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    name = f"guild-{dashboard}-{chart}-{query.filters.date_from}-{query.filters.date_to}.csv"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    return response


def dashboard_url(name: str, **params: Any) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    url = reverse(name)
    return f"{url}?{query}" if query else url
