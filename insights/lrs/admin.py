"""Wagtail admin page for LRS credentials (/admin/lrs-credentials/): Analysts and superusers create and revoke.

The secret is shown once, in the response to the create request, and never again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem

from home.admin_views import GuildAdminView
from insights.models import LRSCredential, LRSScope
from insights.permissions import is_analyst

from .auth import lrs_credential_create, lrs_credential_revoke


def can_manage_credentials(user: Any) -> bool:
    """Analysts (and superusers): the same people who see forwarding and exports."""
    return is_analyst(user)


class CredentialForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="Who or what uses it, e.g. 'Learning Locker' or 'weekly report'.")
    scope = forms.ChoiceField(choices=LRSScope.choices, initial=LRSScope.ALL)


class CredentialsView(GuildAdminView):
    template_name = "insights/admin/lrs_credentials.html"
    page_title = _("LRS credentials")
    header_icon = "key"

    def may_view(self, user) -> bool:
        return can_manage_credentials(user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CredentialForm())
        context["credentials"] = LRSCredential.objects.order_by("-created")[:200]
        context["endpoint"] = self.request.build_absolute_uri(reverse("insights:lrs-about")).removesuffix("about")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "revoke" in request.POST:
            credential = LRSCredential.objects.filter(pk=request.POST.get("revoke")).first()
            if credential is not None:
                lrs_credential_revoke(credential=credential)
                messages.success(request, f"Revoked {credential.name} ({credential.key}).")
            return redirect("insights_lrs_credentials")
        form = CredentialForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        credential, secret = lrs_credential_create(
            name=form.cleaned_data["name"], scope=form.cleaned_data["scope"], created_by=request.user
        )
        return self.render_to_response(self.get_context_data(created=credential, secret=secret))


class CredentialsMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return can_manage_credentials(request.user)
