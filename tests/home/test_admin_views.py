"""The base of Guild's Wagtail admin pages: a page that does not say who may see it is closed to everyone."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from home.admin_views import GuildAdminView
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class Unsaid(GuildAdminView):
    template_name = "wagtailadmin/base.html"
    page_title = "Unsaid"


class Analysts(Unsaid):
    def may_view(self, user):
        return user.groups.filter(name="Analysts").exists()


def request_by(user):
    request = RequestFactory().get("/admin/unsaid/")
    request.user = user
    return request


def test_a_page_that_does_not_say_who_may_see_it_refuses_even_a_superuser():
    with pytest.raises(PermissionDenied):
        Unsaid.as_view()(request_by(UserFactory(is_superuser=True, is_staff=True)))


def test_a_page_lets_in_only_whom_it_names():
    with pytest.raises(PermissionDenied):
        Analysts.as_view()(request_by(UserFactory(username="learner")))
    response = Analysts.as_view()(request_by(UserFactory(username="analyst", groups=["Analysts"])))
    assert response.status_code == 200
