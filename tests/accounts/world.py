"""A small social world for the stream, follow and profile tests: two courses, people in them, helpers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction

from courses import services as course_services
from courses.models import CoursePage, LessonPage
from discussions import services as discussion_services
from insights.services import statement_record
from insights.xapi import vocabulary as xapi
from insights.xapi.activities import ActivityRef, StatementContext, StatementResult
from tests.factories import UserFactory, course_with_lessons


@dataclass
class World:
    viewer: object  # Ada: enrolled in `mine`
    friend: object  # Priya: enrolled in `mine` and `other`; Ada follows her
    stranger: object  # Sam: only in `other`
    mine: CoursePage
    mine_lessons: list[LessonPage]
    other: CoursePage
    other_lessons: list[LessonPage]


def make_world() -> World:
    mine, mine_lessons = course_with_lessons(2, title="Writing for the Web", slug="writing-for-the-web")
    other, other_lessons = course_with_lessons(2, title="Data privacy at work", slug="data-privacy")
    viewer = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    friend = UserFactory(username="priya", first_name="Priya", last_name="Shah", job_title="Content designer")
    stranger = UserFactory(username="sam", first_name="Sam", last_name="Okafor")
    course_services.enrolment_create(user=viewer, course=mine)
    for course in (mine, other):
        course_services.enrolment_create(user=friend, course=course)
    course_services.enrolment_create(user=stranger, course=other)
    return World(viewer, friend, stranger, mine, mine_lessons, other, other_lessons)


def ask(author, lesson, title: str, kind: str = "question"):
    return discussion_services.thread_create(author=author, lesson=lesson, kind=kind, title=title, body=f"{title}?")


def share_note(author, lesson: LessonPage, course: CoursePage):
    """What the notes feature records when a note is shared (DESIGN §4), recorded directly."""
    with transaction.atomic():
        return statement_record(
            actor=author,
            verb=xapi.SHARED,
            object=ActivityRef(kind="note", key=uuid.uuid4(), name=f"Note on {lesson.title}"),
            context=StatementContext(parent=[lesson.xapi_activity()], grouping=[course.xapi_activity()]),
        )


def rate(author, lesson: LessonPage, course: CoursePage, score: int, review: str | None):
    """What the ratings feature records (DESIGN §4: rated the lesson, raw 1–5, response = review)."""
    with transaction.atomic():
        return statement_record(
            actor=author,
            verb=xapi.RATED,
            object=lesson.xapi_activity(),
            result=StatementResult(
                score_raw=score, score_min=1, score_max=5, score_scaled=(score - 1) / 4, response=review
            ),
            context=StatementContext(parent=[course.xapi_activity()]),
        )


def complete_course(user, course: CoursePage, lessons: list[LessonPage]) -> None:
    for lesson in lessons:
        course_services.lesson_complete(user=user, lesson=lesson, course=course)
