"""Who may read, post and moderate. Shared by services (which enforce) and selectors (which filter).

Reading and posting on a lesson's discussion needs an active enrolment in its course, or being one
of the course's authors, or a moderator (the Moderators group, or a superuser). Results are cached
on the user object for the request, so a page asking several times pays one query each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from courses.models import CoursePage

MODERATORS_GROUP = "Moderators"


def signed_in(user: User | AnonymousUser | None) -> bool:
    return bool(user is not None and user.is_authenticated)


def is_moderator(user: User | AnonymousUser | None) -> bool:
    """Superusers and members of the Moderators group (one query, then cached on the user)."""
    if not signed_in(user) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_discussions_is_moderator", None)
    if cached is None:
        cached = user.groups.filter(name=MODERATORS_GROUP).exists()
        user._discussions_is_moderator = cached
    return cached


def is_course_author(user: User | AnonymousUser | None, course: CoursePage) -> bool:
    if not signed_in(user):
        return False
    cache = user.__dict__.setdefault("_discussions_authored", {})
    if course.pk not in cache:
        cache[course.pk] = course.authors.filter(pk=user.pk).exists()
    return cache[course.pk]


def is_course_staff(user: User | AnonymousUser | None, course: CoursePage) -> bool:
    """Moderators and the course's authors: they read every discussion of the course and see hidden posts."""
    return is_moderator(user) or is_course_author(user, course)


def active_enrolment(user: User | AnonymousUser | None, course: CoursePage):
    from courses.models import Enrolment

    if not signed_in(user):
        return None
    cache = user.__dict__.setdefault("_discussions_enrolments", {})
    if course.pk not in cache:
        cache[course.pk] = Enrolment.objects.filter(user=user, course=course, unenrolled_at__isnull=True).first()
    return cache[course.pk]


def remember_enrolment(user: User | AnonymousUser | None, course: CoursePage, enrolment) -> None:
    """Let a caller that already loaded the enrolment (the lesson page) spare the query."""
    if signed_in(user):
        user.__dict__.setdefault("_discussions_enrolments", {})[course.pk] = enrolment


def remember_course_author(user: User | AnonymousUser | None, course: CoursePage, is_author: bool) -> None:
    """Let a caller that already knows whether the user authors the course (the lesson page) spare the query."""
    if signed_in(user):
        user.__dict__.setdefault("_discussions_authored", {})[course.pk] = bool(is_author)


def can_participate(user: User | AnonymousUser | None, course: CoursePage) -> bool:
    """Read and post: enrolled learners, the course's authors and moderators."""
    if not signed_in(user):
        return False
    return active_enrolment(user, course) is not None or is_course_staff(user, course)


def participating_courses(user: User | AnonymousUser | None):
    """Every live course whose discussions `user` reads (the set form of `can_participate`): enrolled in,
    authoring, or all of them for moderators. A queryset, so callers use it as a subquery or list its ids."""
    from django.db.models import Q

    from courses.models import CoursePage, Enrolment

    courses = CoursePage.objects.live()
    if not signed_in(user):
        return courses.none()
    if is_moderator(user):
        return courses
    enrolled = Enrolment.objects.filter(user_id=user.pk, unenrolled_at=None).values("course_id")
    authored = CoursePage.authors.through.objects.filter(user_id=user.pk).values("coursepage_id")
    return courses.filter(Q(pk__in=enrolled) | Q(pk__in=authored))
