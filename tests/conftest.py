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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and what the migrations put in it serialized at once.

    Serialized lazily instead, by the first test asking for `baseline_data`, it could be a database that an
    earlier transactional test had flushed (a run of tests/insights alone: the migration test in
    lrs/test_agent_filter.py flushes before the exports' read-ahead tests ask), and every restore after
    would bring back an empty site.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        if getattr(connection, "_test_serialized_contents", None) is None:
            connection._test_serialized_contents = connection.creation.serialize_db_to_string()


@pytest.fixture(scope="session")
def _baseline_data(django_db_setup, django_db_blocker) -> str:
    """What the migrations put in the database (home page, catalogue, groups…), serialized once."""
    from django.db import connection

    serialized = getattr(connection, "_test_serialized_contents", None)
    if serialized is None:
        with django_db_blocker.unblock():
            serialized = connection.creation.serialize_db_to_string()
    return serialized


@pytest.fixture
def baseline_data(transactional_db, _baseline_data) -> None:
    """For tests whose transactions really commit (browser, live LRS clients, a Celery worker): the database
    is flushed after each, so put the migrations' data back first.

    Django's serialized_rollback alone is not enough here: once Playwright's sync API is running, the test
    can see a fresh connection object without `_test_serialized_contents`, and then Django restores nothing
    and lets the flush re-create content types. So: mark this connection too, and restore by hand if needed.
    """
    from django.core.management import call_command
    from django.db import connection
    from wagtail.models import Page

    connection._test_serialized_contents = _baseline_data  # the flush after this test skips post_migrate
    if not Page.objects.exists():
        call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(_baseline_data)
        _reset_sequences(connection)


def _reset_sequences(connection) -> None:
    """The restored rows keep their ids, but flush reset PostgreSQL's sequences: move them past the rows."""
    from django.apps import apps
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


@pytest.fixture
def old_accounts(settings):
    """Everyone counts as an established account: no new-account posting limit."""
    settings.DISCUSSIONS_NEW_ACCOUNT_DAYS = 0


@pytest.fixture
def world(db):
    """Two learners, a course and their activity (tests/accounts/world.py), for profile and stream tests."""
    from tests.accounts.world import make_world

    return make_world()
