"""The real broker path: a service's on-commit enqueue goes through Redis to a Celery worker, which delivers to Ralph.

Runs when CELERY_BROKER_URL is set (CI points it at the local Redis); otherwise it is skipped with a
reason, or fails when GUILD_REQUIRE_BROKER=1.

The worker runs in a thread of this process (`celery.contrib.testing.worker.start_worker`), so it
needs to see what the test commits: the test is transactional (real commits, which is also the only
way on-commit hooks fire for real). On PostgreSQL the worker's thread simply opens its own
connection to the test database. On SQLite, Django's in-memory test database is opened in shared-cache
mode, so the worker's connection sees the same database; shared-cache locks are table locks that fail
at once instead of waiting, so the test never touches the database while the worker runs a task: it
waits for the task to finish (Celery's `task_postrun` signal) and reads the outcome afterwards.
`baseline_data` (tests/conftest.py) restores the rows migrations created (roles, the course catalogue), which the
flush at the end of a transactional test removes.
"""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from celery.signals import task_postrun
from django.db import transaction
from django.test import override_settings

from courses import services as course_services
from insights import tasks
from insights.models import ForwardState, Statement
from tests.factories import UserFactory
from tests.insights.ralph import RalphServer, ralph_available

pytestmark = [pytest.mark.broker, pytest.mark.lrs]

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
FORWARD_TASK = "insights.tasks.forward_pending_statements"


def _require_broker_and_ralph() -> None:
    if not BROKER_URL:
        message = "CELERY_BROKER_URL is not set, so the Redis + Celery worker path is not tested"
        if os.environ.get("GUILD_REQUIRE_BROKER") == "1":
            pytest.fail(message + " (GUILD_REQUIRE_BROKER=1)")
        pytest.skip(message)
    if not ralph_available():
        pytest.fail("Ralph is not installed in .venv-ralph: run `make ralph`")


class TaskRuns:
    """Records every forward task the worker finishes: (thread id, return value)."""

    def __init__(self) -> None:
        self.runs: list[tuple[int, object]] = []
        self.finished = threading.Condition()

    def __call__(self, sender=None, retval=None, **kwargs) -> None:
        if getattr(sender, "name", "") != FORWARD_TASK:
            return
        with self.finished:
            self.runs.append((threading.get_ident(), retval))
            self.finished.notify_all()

    def wait_for(self, count: int, timeout: float = 30) -> bool:
        with self.finished:
            return self.finished.wait_for(lambda: len(self.runs) >= count, timeout=timeout)


@pytest.fixture
def ralph(tmp_path):
    _require_broker_and_ralph()
    server = RalphServer(tmp_path / "ralph")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def worker():
    """A Celery worker thread consuming a queue of this test's own from the real broker."""
    _require_broker_and_ralph()
    from celery.contrib.testing.worker import start_worker

    from learning.celery import app

    queue = f"guild-test-{uuid.uuid4().hex[:12]}"
    saved = {key: app.conf[key] for key in ("task_always_eager", "task_default_queue", "broker_url")}
    app.conf.update(task_always_eager=False, task_default_queue=queue, broker_url=BROKER_URL)
    runs = TaskRuns()
    task_postrun.connect(runs, weak=False)
    try:
        with start_worker(
            app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            queues=[queue],
            loglevel="WARNING",
            shutdown_timeout=30,
        ):
            yield runs
    finally:
        task_postrun.disconnect(runs)
        with app.connection_for_write() as connection:  # leave no queue of ours on the broker
            connection.default_channel.queue_delete(queue)
        app.conf.update(saved)


@pytest.mark.django_db(transaction=True)
def test_a_commit_enqueues_once_through_the_broker_and_a_worker_delivers(baseline_data, ralph, worker, course):
    learner, other = UserFactory(username="ada"), UserFactory(username="grace")
    assert tasks.forward_pending_statements.app.conf.task_always_eager is False
    with override_settings(**ralph.settings(XAPI_LRS_TIMEOUT=5)):
        with transaction.atomic():  # one transaction, two statements: one enqueue
            first = course_services.enrolment_create(user=learner, course=course)
            second = course_services.enrolment_create(user=other, course=course)
        assert worker.wait_for(1), "no worker ran the forward task within 30s"
        thread, result = worker.runs[0]
        assert thread != threading.get_ident()  # run by the worker, not inline
        assert result["delivered"] == 2

        later = course_services.enrolment_cancel(user=other, course=course)  # the next transaction: its own task
        assert worker.wait_for(2)

    assert not worker.wait_for(3, timeout=1)  # and no others
    registrations = [first.registration, second.registration, later.registration]
    statements = list(Statement.objects.filter(registration__in=registrations))
    assert len(statements) == 3
    assert {statement.forward_state for statement in statements} == {ForwardState.DELIVERED}
    assert sorted(ralph.stored_ids()) == sorted(str(statement.id) for statement in statements)
