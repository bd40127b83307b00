"""A small social world for the stream, follow and profile tests: two courses, people in them, helpers."""

from __future__ import annotations

from dataclasses import dataclass

from courses import services as course_services
from courses.models import CoursePage, LessonPage
from discussions import services as discussion_services
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


def share_note(author, lesson: LessonPage, course: CoursePage, *, anonymous: bool = False):
    """A note written and shared with the course's learners, through the notes services."""
    return discussion_services.note_create(
        author=author, lesson=lesson, course=course, body=f"What I took from {lesson.title}.", shared=True,
        anonymous=anonymous,
    )  # fmt: skip


def rate(author, lesson: LessonPage, course: CoursePage, score: int, review: str | None):
    """A lesson opened, then rated (and reviewed), through the services."""
    course_services.lesson_view(user=author, lesson=lesson, course=course)
    return discussion_services.rating_set(author=author, lesson=lesson, course=course, stars=score, review=review or "")


def complete_course(user, course: CoursePage, lessons: list[LessonPage]) -> None:
    for lesson in lessons:
        course_services.lesson_complete(user=user, lesson=lesson, course=course)
