"""The demo courses as Wagtail pages: drafted by their author, published (back-dated) by the moderator.

Publishing goes through a revision, as in the admin, so Wagtail's `page_published` signal fires and
insights records a `published` statement by the revision's author.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import time_machine
from django.db import transaction
from wagtail.models import Page

from accounts.models import User
from courses.models import CourseIndexPage, CoursePage, LessonPage

from . import course_feedback, course_meetings, course_privacy, course_web_writing
from .content import CourseSpec, LessonSpec, stream_data
from .covers import cover_image

COURSES: tuple[CourseSpec, ...] = (
    course_meetings.COURSE,
    course_web_writing.COURSE,
    course_privacy.COURSE,
    course_feedback.COURSE,
)

PUBLISHER = "moderator"


def published_at(anchor: datetime, course_index: int) -> datetime:
    """Courses went live about two months ago, a couple of days apart, before anyone enrolled."""
    return (anchor - timedelta(days=60 - 2 * course_index)).replace(hour=10, minute=0, second=0, microsecond=0)


def _create_and_publish(parent: Page, page: Page, *, author: User, publisher: User, moment: datetime) -> None:
    """Add `page` as a draft by `author`, then publish that revision a minute later as `publisher`.

    Everything is back-dated to `moment`, so page history, revisions and statements tell one story.
    """
    page.owner = author  # Page.save logs "wagtail.create" by the owner, as the admin's create view does
    with time_machine.travel(moment, tick=False):
        parent.add_child(instance=page)
        revision = page.save_revision(user=author, log_action=True)
    with time_machine.travel(moment + timedelta(minutes=1), tick=False):
        revision.publish(user=publisher)


@transaction.atomic
def ensure_course(spec: CourseSpec, *, users: dict[str, User], moment: datetime, counts: dict[str, int]) -> CoursePage:
    """The course page and its lessons; anything already there (by slug) is left exactly as it is.

    One transaction per course, so an interrupted run leaves no half-made course behind.
    """
    author, publisher = users[spec.authors[0]], users[PUBLISHER]
    course = CoursePage.objects.filter(slug=spec.slug).first()
    if course is None:
        cover, created = cover_image(spec)
        counts["cover images"] += int(created)
        course = CoursePage(
            title=spec.title,
            slug=spec.slug,
            summary=spec.summary,
            description=spec.description,
            level=spec.level,
            estimated_minutes=spec.minutes,
            cover_image=cover,
            live=False,
        )
        course.tags.add(*spec.tags)
        course.authors.set([users[username] for username in spec.authors])
        _create_and_publish(CourseIndexPage.objects.get(), course, author=author, publisher=publisher, moment=moment)
        counts["courses"] += 1
        course = CoursePage.objects.get(pk=course.pk)
    existing = set(LessonPage.objects.child_of(course).values_list("slug", flat=True))
    for position, lesson_spec in enumerate(spec.lessons, start=1):
        if lesson_spec.slug in existing:
            continue
        lesson_moment = moment + timedelta(minutes=10 * position)
        ensure_lesson(spec, lesson_spec, course=course, author=author, publisher=publisher, moment=lesson_moment)
        counts["lessons"] += 1
        course = CoursePage.objects.get(pk=course.pk)  # fresh tree counters for the next add_child
    return course


def ensure_lesson(
    spec: CourseSpec, lesson_spec: LessonSpec, *, course: CoursePage, author: User, publisher: User, moment: datetime
) -> LessonPage:
    lesson = LessonPage(
        title=lesson_spec.title,
        slug=lesson_spec.slug,
        summary=lesson_spec.summary,
        estimated_minutes=lesson_spec.minutes,
        body=stream_data(spec, lesson_spec),
        live=False,
    )
    _create_and_publish(course, lesson, author=author, publisher=publisher, moment=moment)
    return lesson
