from __future__ import annotations

import pytest

from courses import services as course_services
from discussions import services
from tests.factories import UserFactory


@pytest.fixture
def lesson(lessons):
    return lessons[0]


@pytest.fixture
def enrolled(learner, course):
    """Ada, enrolled, with an account old enough not to be rate limited."""
    course_services.enrolment_create(user=learner, course=course)
    return learner


@pytest.fixture
def classmate(other_learner, course):
    course_services.enrolment_create(user=other_learner, course=course)
    return other_learner


@pytest.fixture
def moderator(db):
    return UserFactory(username="mod", first_name="Mo", last_name="Derator", groups=["Learners", "Moderators"])


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider", first_name="Out", last_name="Sider")


@pytest.fixture(autouse=True)
def _old_accounts(old_accounts):
    """Most tests are not about the new-account rate limit."""


@pytest.fixture
def thread(enrolled, lesson, course):
    return services.thread_create(
        author=enrolled, lesson=lesson, course=course, kind="question", title="How long should a stand-up be?",
        body="Ours run **forty** minutes.",
    )  # fmt: skip


@pytest.fixture
def reply(classmate, thread):
    return services.reply_create(author=classmate, thread=thread, body="Fifteen minutes, standing up.")


@pytest.fixture
def opened(enrolled, lesson, course):
    """The enrolled learner has opened the first lesson (so may rate it)."""
    from courses import services as course_services

    course_services.lesson_view(user=enrolled, lesson=lesson, course=course)
    return enrolled


@pytest.fixture
def peer(classmate, lesson, course):
    """A classmate who has opened the first lesson too."""
    from courses import services as course_services

    course_services.lesson_view(user=classmate, lesson=lesson, course=course)
    return classmate
