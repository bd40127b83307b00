"""One-query routing (home/routing.py) answers exactly as Wagtail's walk does: privacy, drafts, 404s, renames."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from wagtail.models import Page, PageViewRestriction

from courses import services
from courses.models import LessonPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(learner, course):
    services.enrolment_create(user=learner, course=course)
    client = Client()
    client.force_login(learner)
    return client


def test_lessons_courses_and_the_catalogue_are_found(client, course, lessons):
    assert client.get(lessons[1].url).status_code == 200
    assert client.get(course.url).status_code == 200
    assert client.get("/courses/").status_code == 200
    assert client.get("/").status_code == 200


def test_unknown_and_draft_pages_are_404(client, course, lessons):
    assert client.get(f"{course.url}no-such-lesson/").status_code == 404
    assert client.get(f"{lessons[0].url}deeper/").status_code == 404
    lessons[0].unpublish()
    assert client.get(lessons[0].url).status_code == 404


def test_a_renamed_lesson_moves_to_its_new_address(client, course, lessons):
    lesson = lessons[0]
    old = lesson.url
    client.get(old)  # routing caches warm
    lesson.slug = "a-better-name"
    lesson.save_revision().publish()
    lesson = LessonPage.objects.get(pk=lesson.pk)
    assert client.get(old).status_code == 404
    assert client.get(lesson.url).status_code == 200


@pytest.mark.parametrize("where", ["course", "lesson"])
def test_view_restrictions_still_apply(client, reader, course, lessons, where):
    page = course if where == "course" else lessons[0]
    client.get(lessons[0].url)  # the site is cached before the restriction exists
    restriction = PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.set([Group.objects.get(name="Moderators")])

    response = client.get(lessons[0].url)
    assert response.status_code == 302
    assert "/_util/login/" in response["Location"] or "/accounts/login/" in response["Location"]
    assert reader.get(lessons[0].url).status_code == 302  # signed in, but not in the group

    restriction.delete()
    assert reader.get(lessons[0].url).status_code == 200


def test_a_password_restriction_asks_for_the_password(client, course, lessons):
    PageViewRestriction.objects.create(page=course, restriction_type=PageViewRestriction.PASSWORD, password="s3cret")
    response = client.get(lessons[1].url)
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


def test_an_alias_of_a_restricted_page_is_restricted_too(client, course, lessons):
    """Aliases take their source's restrictions (Wagtail's rule): routing leaves aliases to Wagtail's own check.

    Lessons cannot be aliased through the admin (their activity id is unique), so mark one as an alias directly.
    """
    Page.objects.filter(pk=lessons[1].pk).update(alias_of=lessons[0])
    assert client.get(lessons[1].url).status_code == 200
    PageViewRestriction.objects.create(page=lessons[0], restriction_type=PageViewRestriction.LOGIN)
    assert client.get(lessons[1].url).status_code == 302
