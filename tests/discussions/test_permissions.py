"""Which courses' discussions a person reads: the one rule search, profiles and the panels share."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from courses import services as course_services
from discussions.permissions import can_participate, participating_courses
from tests.factories import course_with_lessons


def ids(user) -> set[int]:
    return set(participating_courses(user).values_list("pk", flat=True))


def test_enrolled_authoring_moderating_and_nobody_else(enrolled, outsider, moderator, course):
    other, _ = course_with_lessons(1, title="Data privacy at work", slug="data-privacy")
    course.authors.add(outsider)
    course.save()  # a ParentalManyToManyField: the authors are written with the page
    assert ids(enrolled) == {course.pk}
    assert ids(outsider) == {course.pk}  # an author, not enrolled
    assert ids(moderator) == {course.pk, other.pk}
    assert ids(AnonymousUser()) == set()
    for user in (enrolled, outsider, moderator):
        assert {c.pk for c in (course, other) if can_participate(user, c)} == ids(user)


def test_leaving_the_course_or_unpublishing_it_takes_it_away(enrolled, moderator, course):
    course_services.enrolment_cancel(user=enrolled, course=course)
    assert ids(enrolled) == set()
    course.unpublish()
    assert course.pk not in ids(moderator)
