from __future__ import annotations

import os

import pytest

from tests.factories import UserFactory, course_with_lessons

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def learner(db):
    return UserFactory(username="ada", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def other_learner(db):
    return UserFactory(username="grace", first_name="Grace", last_name="Hopper")


@pytest.fixture
def course_and_lessons(db):
    return course_with_lessons(3, title="Running effective meetings", slug="effective-meetings")


@pytest.fixture
def course(course_and_lessons):
    return course_and_lessons[0]


@pytest.fixture
def lessons(course_and_lessons):
    return course_and_lessons[1]
