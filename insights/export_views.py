"""Downloading statements: the admin export for Analysts, and each learner's own record.

Both answer with a StreamingHttpResponse fed by `insights.exports.export_stream`, so a download of
any size is read a page at a time and never built in memory. Permissions are checked here, before
anything is read: the admin export is for the Analysts group and superusers; the learner download
filters on `actor_user = request.user` and accepts no other filter, so it cannot reach anyone else's
statements.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from django.views.defaults import permission_denied
from django.views.generic import FormView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput

from .exports import EXPORT_FORMATS, ExportFilter, ExportFilterError, export_filename, export_filter, export_stream
from .permissions import is_analyst
from .xapi import vocabulary

LEARNER_FORMATS = ("ndjson", "csv")


def export_response(fmt: str, export: ExportFilter) -> StreamingHttpResponse:
    """A streamed attachment; `no-store` because exports are personal data and must not sit in caches."""
    response = StreamingHttpResponse(export_stream(fmt, export), content_type=EXPORT_FORMATS[fmt].content_type)
    response["Content-Disposition"] = content_disposition_header(True, export_filename(fmt, export))
    response["Cache-Control"] = "no-store"
    return response


def _course_choices() -> list[tuple[str, str]]:
    from courses.models import CoursePage

    courses = CoursePage.objects.live().order_by("title").values_list("slug", "title")
    return [("", "All courses"), *((slug, f"{title} ({slug})") for slug, title in courses)]


class StatementExportForm(forms.Form):
    """The admin export's filters. Dates are whole UTC days on `stored`, both ends included."""

    date_from = forms.DateField(required=False, label="Stored from", widget=AdminDateInput)
    date_to = forms.DateField(required=False, label="Stored until", widget=AdminDateInput)
    course = forms.ChoiceField(required=False, choices=_course_choices)
    verb = forms.ChoiceField(
        required=False,
        choices=[("", "All verbs"), *((verb.key, f"{verb.display} — {verb.iri}") for verb in vocabulary.VERBS)],
    )
    verb_iri = forms.CharField(
        required=False,
        label="…or any verb IRI",
        help_text="For statements from other producers, e.g. http://adlnet.gov/expapi/verbs/passed.",
    )
    format = forms.ChoiceField(
        choices=[(name, export_format.label) for name, export_format in EXPORT_FORMATS.items()],
        initial="csv",
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        typed_verb = cleaned.get("verb_iri", "").strip()
        if cleaned.get("verb") and typed_verb:
            self.add_error("verb_iri", "Choose a verb from the list or type an IRI, not both.")
            return cleaned
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "This must be on or after “Stored from”.")
            return cleaned
        try:
            cleaned["export"] = export_filter(
                since=date_from.isoformat() if date_from else None,
                until=date_to.isoformat() if date_to else None,
                verb=cleaned.get("verb") or typed_verb or None,
                course=cleaned.get("course") or None,
            )
        except ExportFilterError as error:
            # Dates and listed choices are valid by now: the typed IRI is what can still be wrong.
            self.add_error("verb_iri" if typed_verb else None, str(error))
        return cleaned


class StatementExportView(WagtailAdminTemplateMixin, FormView):
    """/admin/statements-export/: GET shows the form; GET with `format` validates and streams the file.

    A GET form, not POST: downloading changes nothing, and the URL of an export can be kept and reused.
    Anyone in the admin who is not an Analyst (Authors, Moderators) gets a 403 here; people without
    admin access never reach it (Wagtail's admin gate sends them to the login page).
    """

    template_name = "insights/admin/export.html"
    form_class = StatementExportForm
    page_title = "Statements export"
    header_icon = "download"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_analyst(request.user):
            # Returned, not raised: Wagtail turns a raised PermissionDenied into a redirect.
            return permission_denied(request, PermissionDenied("Statements export is for Analysts."))
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, str]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if "format" in self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form()
        if form.is_bound:
            return self.form_valid(form) if form.is_valid() else self.form_invalid(form)
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.http_method_not_allowed(request, *args, **kwargs)

    def form_valid(self, form: StatementExportForm) -> HttpResponse:
        return export_response(form.cleaned_data["format"], form.cleaned_data["export"])


class StatementExportMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return is_analyst(request.user)


@login_required
@require_GET
def my_statements(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The signed-in learner's own statements (as actor), NDJSON or CSV; nobody else's, whatever the query."""
    if fmt not in LEARNER_FORMATS:
        raise Http404("Unknown format")
    export = ExportFilter(user_id=request.user.pk)
    response = export_response(fmt, export)
    filename = export_filename(fmt, export).replace("guild-statements", "guild-my-statements", 1)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
