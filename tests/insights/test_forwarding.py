"""Forwarding to an external LRS, against a real one: Ralph 5.1 on 127.0.0.1 (see tests/insights/ralph.py).

Also a stalled socket server (accepts, never answers) and a scripted HTTP server on loopback for answers
Ralph never gives (plain 400, 401, 503 with Retry-After, 200 that is not JSON).
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from courses import services as course_services
from insights import after_commit, forwarding
from insights.forwarding import INLINE_PAUSE_CACHE_KEY, LRSClient, outgoing
from insights.models import ForwardState, Statement
from insights.services import statement_record
from insights.xapi import vocabulary as xapi
from tests.factories import UserFactory
from tests.insights.ralph import USERNAME, RalphServer, StalledLRS, ralph_available

pytestmark = [pytest.mark.lrs, pytest.mark.django_db]

FAST_RETRIES = {
    "XAPI_LRS_TIMEOUT": 5,
    "XAPI_FORWARD_MAX_ATTEMPTS": 3,
    "XAPI_FORWARD_BACKOFF_SECONDS": 0.01,
    "XAPI_FORWARD_BACKOFF_MAX_SECONDS": 0.05,
}


def _require_ralph() -> None:
    if not ralph_available():
        message = "Ralph is not installed in .venv-ralph: run `make ralph`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def ralph(tmp_path_factory):
    """One Ralph for the module; tests tell their statements apart by id."""
    _require_ralph()
    server = RalphServer(tmp_path_factory.mktemp("ralph"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_ralph(tmp_path):
    """A Ralph of the test's own, which the test may stop and start."""
    _require_ralph()
    server = RalphServer(tmp_path / "ralph")
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _clear_inline_pause():
    cache.delete(INLINE_PAUSE_CACHE_KEY)
    yield
    cache.delete(INLINE_PAUSE_CACHE_KEY)


def record(count: int, *, user=None, course) -> list[Statement]:
    """`count` statements (a learner opening the course at distinct moments), in one transaction."""
    user = user or UserFactory()
    start = timezone.now() - timedelta(hours=1)
    with transaction.atomic():
        return [
            statement_record(
                actor=user, verb=xapi.EXPERIENCED, object=course.xapi_activity(), timestamp=start + timedelta(seconds=i)
            )
            for i in range(count)
        ]


def ids_of(statements) -> set[str]:
    return {str(statement.id) for statement in statements}


def states(statements) -> dict[str, int]:
    return {
        str(pk): state
        for pk, state in Statement.objects.filter(id__in=[s.id for s in statements]).values_list("id", "forward_state")
    }


def without_lrs_properties(statement: dict) -> dict:
    return {key: value for key, value in statement.items() if key not in ("stored", "authority", "version")}


# --- Delivery ---------------------------------------------------------------------------------------------


def test_statements_arrive_with_the_same_ids_and_content(ralph, course):
    statements = record(7, course=course)
    with override_settings(**ralph.settings(**FAST_RETRIES)):
        report = forwarding.forward_pending(batch_size=3)

    assert (report.delivered, report.rejected, report.failed, report.batches) == (7, 0, 0, 3)
    rows = list(Statement.objects.filter(id__in=[s.id for s in statements]).order_by("stored", "id"))
    assert {row.forward_state for row in rows} == {ForwardState.DELIVERED}
    assert all(row.forwarded_at and row.forward_attempts == 0 and row.forward_error == "" for row in rows)

    held = {statement["id"]: statement for statement in ralph.stored() if statement["id"] in ids_of(statements)}
    assert set(held) == ids_of(statements)
    for row in rows:
        # Ralph stamps its own stored and authority; everything the producer asserted is unchanged.
        assert without_lrs_properties(held[str(row.id)]) == outgoing(row.data)
        assert held[str(row.id)]["authority"]["account"]["name"] == USERNAME
    # In the order they were stored, so voiding statements follow what they void.
    assert [s for s in ralph.stored_ids() if s in held] == [str(row.id) for row in rows]

    fetched = ralph.get_statement(str(rows[0].id))
    assert fetched.status_code == 200
    assert without_lrs_properties(fetched.json()["statements"][0]) == outgoing(rows[0].data)


def test_what_is_sent_leaves_out_what_an_lrs_sets(course):
    [statement] = record(1, course=course)
    assert {"stored", "authority", "version"} <= statement.data.keys()
    sent = outgoing(statement.data)
    assert {"id", "actor", "verb", "object", "timestamp"} <= sent.keys()
    assert not {"stored", "authority", "version"} & sent.keys()


def test_the_request_is_xapi_with_basic_auth_and_timeouts(ralph):
    with override_settings(**ralph.settings(XAPI_LRS_TIMEOUT=3)):
        client = LRSClient()
    assert client.url == f"{ralph.endpoint}/statements"
    assert client.session.headers["X-Experience-API-Version"] == "1.0.3"
    assert client.session.headers["Content-Type"] == "application/json"
    assert client.session.auth == (USERNAME, ralph.settings()["XAPI_LRS_SECRET"])
    assert client.timeout == 3


def test_the_lrs_stopping_mid_run_loses_nothing_and_duplicates_nothing(own_ralph, course):
    statements = record(9, course=course)

    class StopsAfterFirstBatch(LRSClient):
        def post_statements(self, batch):
            answer = super().post_statements(batch)
            own_ralph.stop()  # the LRS goes away right after accepting the first batch
            return answer

    with override_settings(**own_ralph.settings(**FAST_RETRIES)):
        report = forwarding.forward_pending(batch_size=3, client=StopsAfterFirstBatch())
    assert (report.delivered, report.failed) == (3, 3)
    assert "ConnectionError" in report.last_error
    assert report.stopped.startswith("the LRS failed")
    failed = Statement.objects.filter(id__in=[s.id for s in statements], forward_attempts=1)
    assert failed.count() == 3
    assert all(row.forward_state == ForwardState.PENDING and row.forward_error for row in failed)
    assert not failed.exclude(forwarded_at=None).exists()  # claim released

    own_ralph.start()
    with override_settings(**own_ralph.settings(**FAST_RETRIES)):
        report = forwarding.forward_pending(batch_size=3)
    assert (report.delivered, report.failed) == (6, 0)
    assert set(states(statements).values()) == {ForwardState.DELIVERED}
    held = own_ralph.stored_ids()
    assert sorted(held) == sorted(ids_of(statements))  # every statement exactly once


def test_resending_what_the_lrs_already_holds_counts_as_delivered(own_ralph, course):
    statements = record(4, course=course)
    with override_settings(**own_ralph.settings(**FAST_RETRIES)):
        forwarding.forward_pending()
        # A worker that died after sending, before recording: pending, under a claim that has expired.
        expired_claim = timezone.now() - timedelta(seconds=forwarding.lease_seconds() + 1)
        Statement.objects.filter(id__in=[s.id for s in statements[:2]]).update(
            forward_state=ForwardState.PENDING, forwarded_at=expired_claim
        )
        report = forwarding.forward_pending()  # Ralph answers 204: it holds them all already
        assert report.delivered == 2
        Statement.objects.filter(id__in=[s.id for s in statements]).update(
            forward_state=ForwardState.PENDING, forwarded_at=expired_claim
        )
        more = record(2, course=course)
        report = forwarding.forward_pending()  # 200 listing only the two new ids
    assert report.delivered == 6
    assert set(states(statements + more).values()) == {ForwardState.DELIVERED}
    assert sorted(own_ralph.stored_ids()) == sorted(ids_of(statements + more))


def test_a_conflicting_id_downstream_is_isolated_and_counts_as_delivered(own_ralph, course):
    statements = record(4, course=course)
    clash = statements[2]
    different = outgoing(clash.data) | {"verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"}}
    with override_settings(**own_ralph.settings(**FAST_RETRIES)):
        client = LRSClient()
        assert client.post_statements([different]).verdict is forwarding.Verdict.ACCEPTED
        report = forwarding.forward_pending(batch_size=10)

    assert (report.delivered, report.rejected) == (4, 0)
    row = Statement.objects.get(id=clash.id)
    assert row.forward_state == ForwardState.DELIVERED
    assert "409" in row.forward_error
    assert sorted(own_ralph.stored_ids()) == sorted(ids_of(statements))  # the clash once: the LRS's own copy


def test_a_refused_batch_is_bisected_and_only_the_bad_statement_is_rejected(ralph, course):
    statements = record(6, course=course)
    bad = statements[3]
    data = dict(bad.data)
    data["actor"] = {"objectType": "Agent"}  # no inverse functional identifier
    Statement.objects.filter(id=bad.id).update(data=data)

    with override_settings(**ralph.settings(**FAST_RETRIES)):
        report = forwarding.forward_pending(batch_size=10)

    assert (report.delivered, report.rejected, report.failed) == (5, 1, 0)
    assert [str(pk) for pk in report.rejected_ids] == [str(bad.id)]
    assert report.requests > 1
    row = Statement.objects.get(id=bad.id)
    assert row.forward_state == ForwardState.REJECTED
    assert row.forward_error.startswith("HTTP 422")  # Ralph's answer to an invalid statement
    assert "actor" in row.forward_error
    held = set(ralph.stored_ids())
    assert ids_of(statements) - held == {str(bad.id)}

    with override_settings(**ralph.settings(**FAST_RETRIES)):
        again = forwarding.forward_pending()
    assert again.requests == 0  # rejected statements are not retried by themselves
    assert forwarding.reset_rejected() == Statement.objects.filter(forward_state=ForwardState.PENDING).count()


def test_a_stalled_lrs_costs_at_most_the_timeout_per_attempt(course):
    statements = record(3, course=course)
    timeout, attempts = 0.5, 2
    with (
        StalledLRS() as stalled,
        override_settings(
            XAPI_LRS_ENDPOINT=stalled.endpoint,
            XAPI_LRS_KEY="k",
            XAPI_LRS_SECRET="s",
            XAPI_LRS_TIMEOUT=timeout,
            XAPI_FORWARD_MAX_ATTEMPTS=attempts,
            XAPI_FORWARD_BACKOFF_SECONDS=0.05,
            XAPI_FORWARD_BACKOFF_MAX_SECONDS=0.1,
        ),
    ):
        started = time.monotonic()
        report = forwarding.forward_pending()
        elapsed = time.monotonic() - started
        assert stalled.accepted == attempts

    assert elapsed < timeout * attempts + 0.1 * (attempts - 1) + 1.0
    assert report.failed == 3
    assert report.delivered == 0
    assert "timed out" in report.last_error
    for row in Statement.objects.filter(id__in=[s.id for s in statements]):
        assert row.forward_state == ForwardState.PENDING
        assert row.forward_attempts == 1
        assert "timed out" in row.forward_error
        assert row.forwarded_at is None


def test_nothing_is_sent_when_forwarding_is_not_configured(course):
    record(2, course=course)
    with override_settings(XAPI_LRS_ENDPOINT=""):
        report = forwarding.forward_pending()
    assert report.requests == 0
    assert "not configured" in report.stopped
    assert not Statement.objects.exclude(forward_state=ForwardState.PENDING).exists()


# --- Claims -----------------------------------------------------------------------------------------------


def test_a_claim_hides_statements_from_other_workers_until_its_lease_expires(course):
    statements = record(5, course=course)
    first = forwarding.claim_batch(size=3)
    assert [str(pk) for pk, _ in first] == [str(s.id) for s in statements[:3]]
    second = forwarding.claim_batch(size=3)
    assert [str(pk) for pk, _ in second] == [str(s.id) for s in statements[3:]]
    assert forwarding.claim_batch(size=3) == []
    later = timezone.now() + timedelta(seconds=forwarding.lease_seconds() + 1)
    assert len(forwarding.claim_batch(size=10, now=later)) == 5  # an abandoned claim is taken again


# --- Triggers ---------------------------------------------------------------------------------------------


def test_the_forwarding_tasks_are_registered_under_the_names_beat_and_commits_use():
    from django.conf import settings

    from learning.celery import app

    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE["forward-statements-sweep"]["task"] in app.tasks
    assert "insights.tasks.forward_pending_statements" in app.tasks


def test_a_service_forwards_on_commit(ralph, learner, course, django_capture_on_commit_callbacks):
    with override_settings(**ralph.settings(**FAST_RETRIES)):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            enrolment = course_services.enrolment_create(user=learner, course=course)
        assert callbacks.count(after_commit.statements_committed) == 1  # one forwarding run for the transaction
    statement = Statement.objects.get(registration=enrolment.registration)
    assert statement.forward_state == ForwardState.DELIVERED
    assert str(statement.id) in ralph.stored_ids()


def test_one_transaction_enqueues_once_however_many_statements(learner, course, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        course_services.enrolment_create(user=learner, course=course)
        course_services.enrolment_create(user=user, course=course)
        record(3, course=course)
    assert callbacks.count(after_commit.statements_committed) == 1
    with django_capture_on_commit_callbacks() as later:
        course_services.enrolment_cancel(user=user, course=course)
    assert later.count(after_commit.statements_committed) == 1  # the next transaction gets its own


def test_a_rolled_back_savepoint_does_not_take_the_enqueue_with_it(learner, course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                record(1, course=course)
                raise RuntimeError
        except RuntimeError:
            pass
        course_services.enrolment_create(user=learner, course=course)
    assert callbacks.count(after_commit.statements_committed) == 1


def test_a_stalled_lrs_does_not_break_or_hold_up_the_users_request(learner, course, django_capture_on_commit_callbacks):
    with (
        StalledLRS() as stalled,
        override_settings(XAPI_LRS_ENDPOINT=stalled.endpoint, XAPI_LRS_TIMEOUT=0.3, XAPI_FORWARD_MAX_ATTEMPTS=4),
    ):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            course_services.enrolment_create(user=learner, course=course)
        assert time.monotonic() - started < 0.3 * 2 + 1.0  # one attempt inline, not four
        assert stalled.accepted == 1
        other = UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            course_services.enrolment_create(user=other, course=course)
        assert stalled.accepted == 1  # paused after the failure: no second wait
    assert Statement.objects.filter(forward_state=ForwardState.PENDING).count() == 2
    assert "timed out" in Statement.objects.get(actor_user=learner).forward_error


# --- Answers Ralph never gives: a scripted LRS on loopback ------------------------------------------------


class ScriptedLRS:
    """Answers POST /xAPI/statements from a script: a list of (status, body, headers), last one repeating."""

    def __init__(self, script):
        self.script = list(script)
        self.bodies: list[list[dict]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                batch = json.loads(self.rfile.read(length))
                owner.bodies.append(batch)
                status, body, headers = owner.script.pop(0) if len(owner.script) > 1 else owner.script[0]
                if callable(body):
                    status, body = body(batch)
                payload = body.encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/xAPI"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()


def scripted_settings(lrs: ScriptedLRS):
    return override_settings(XAPI_LRS_ENDPOINT=lrs.endpoint, XAPI_LRS_KEY="k", XAPI_LRS_SECRET="s", **FAST_RETRIES)


def test_a_plain_400_is_bisected_like_a_422(course):
    statements = record(5, course=course)
    bad_id = str(statements[1].id)

    def refuse_the_bad_one(batch):
        ids = [statement["id"] for statement in batch]
        return (400, '{"detail":"bad statement"}') if bad_id in ids else (200, json.dumps(ids))

    with ScriptedLRS([(200, refuse_the_bad_one, None)]) as lrs, scripted_settings(lrs):
        report = forwarding.forward_pending()
    assert (report.delivered, report.rejected) == (4, 1)
    assert Statement.objects.get(id=bad_id).forward_error == 'HTTP 400: {"detail":"bad statement"}'


def test_a_503_is_retried_and_honours_retry_after_within_the_budget(course):
    statements = record(2, course=course)
    ids = json.dumps([str(s.id) for s in statements])
    with ScriptedLRS([(503, "busy", {"Retry-After": "0.01"}), (200, ids, None)]) as lrs, scripted_settings(lrs):
        report = forwarding.forward_pending()
    assert (report.delivered, report.requests) == (2, 2)


def test_bad_credentials_fail_the_run_at_once_and_keep_the_statements(course):
    record(3, course=course)
    with ScriptedLRS([(401, '{"detail":"Invalid authentication credentials"}', None)]) as lrs, scripted_settings(lrs):
        report = forwarding.forward_pending(batch_size=1)
    assert report.requests == 1  # no retry, no further batch
    assert report.failed == 1
    assert "HTTP 401" in report.last_error
    assert Statement.objects.filter(forward_state=ForwardState.PENDING).count() == 3


def test_a_200_that_is_not_a_list_of_ids_is_not_a_delivery(course):
    record(1, course=course)
    with ScriptedLRS([(200, "<html>proxy login</html>", None)]) as lrs, scripted_settings(lrs):
        report = forwarding.forward_pending()
    assert report.delivered == 0
    assert report.failed == 1
    assert "without a JSON list" in report.last_error


# --- The management command -------------------------------------------------------------------------------


def test_forward_statements_sends_the_backlog_and_reports(ralph, course):
    statements = record(5, course=course)
    bad = statements[0]
    Statement.objects.filter(id=bad.id).update(data={**bad.data, "object": {"objectType": "Activity"}})
    out = StringIO()
    with override_settings(**ralph.settings(**FAST_RETRIES)):
        call_command("forward_statements", "--batch-size", "2", stdout=out)
    output = out.getvalue()
    assert f"Forwarding statements to {ralph.endpoint}/statements" in output
    assert "Delivered now: 4" in output
    assert "Rejected now: 1" in output
    assert "Still pending: 0" in output
    assert "Last error: HTTP 422" in output
    assert "1 statements were rejected by the LRS." in output


def test_forward_statements_fails_clearly_when_not_configured():
    with override_settings(XAPI_LRS_ENDPOINT=""), pytest.raises(CommandError, match="not configured"):
        call_command("forward_statements", stdout=StringIO())


def test_forward_statements_exits_non_zero_when_the_lrs_is_down(course, tmp_path):
    record(2, course=course)
    down = RalphServer(tmp_path)  # never started: nothing listens on its port
    out = StringIO()
    with override_settings(**down.settings(**FAST_RETRIES)), pytest.raises(CommandError, match="stay pending"):
        call_command("forward_statements", stdout=out)
    assert "Still pending: 2" in out.getvalue()
    assert "Last error: no response: ConnectionError" in out.getvalue()


# --- The admin --------------------------------------------------------------------------------------------


def test_the_backlog_page_and_panel_are_for_analysts(client, course):
    record(3, course=course)
    Statement.objects.filter(id=Statement.objects.order_by("stored").first().id).update(
        forward_state=ForwardState.REJECTED, forward_error="HTTP 422: missing actor"
    )
    analyst = UserFactory(username="analyst", groups=["Analysts"])
    author = UserFactory(username="author", groups=["Authors"])

    client.force_login(author)
    denied = client.get("/admin/forwarding/")  # Wagtail turns PermissionDenied into a redirect with a message
    assert denied.status_code == 302
    assert denied.url == "/admin/"
    assert "Forwarding to the external LRS" not in client.get("/admin/").content.decode()

    client.force_login(analyst)
    with override_settings(XAPI_LRS_ENDPOINT="https://lrs.example.com/xapi"):
        page = client.get("/admin/forwarding/")
        home = client.get("/admin/").content.decode()
    assert page.status_code == 200
    backlog = page.context["backlog"]
    assert (backlog.pending, backlog.rejected, backlog.delivered, backlog.configured) == (2, 1, 0, True)
    assert backlog.last_error == "HTTP 422: missing actor"
    content = page.content.decode()
    assert "https://lrs.example.com/xapi" in content
    assert "HTTP 422: missing actor" in content
    assert "Forwarding to the external LRS" in home
    assert 'href="/admin/forwarding/"' in home

    with override_settings(XAPI_LRS_ENDPOINT=""):
        assert "Forwarding is not configured" in client.get("/admin/forwarding/").content.decode()
