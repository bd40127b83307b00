"""The incremental fill: resumable, ordered, voiding subtracted, driven by the command, the task and the commit hook."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command

from courses import services as courses
from insights.dashboards.services import aggregates_fill, duration_seconds
from insights.lrs.statements import statements_store
from insights.models import AggregateFillState, DailyCount, LearnerCourse, RatingFact, Statement
from insights.services import guild_authority
from insights.xapi import vocabulary as xapi
from tests.factories import UserFactory, course_with_lessons

from .conftest import rate

pytestmark = pytest.mark.django_db


def void(statement: Statement) -> None:
    statements_store(
        statements=[
            {
                "id": str(uuid.uuid4()),
                "actor": statement.data["actor"],
                "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en": "voided"}},
                "object": {"objectType": "StatementRef", "id": str(statement.id)},
            }
        ],
        authority=guild_authority(),
        version="1.0.3",
    )


def enrolments() -> int:
    return sum(DailyCount.objects.filter(verb=xapi.REGISTERED.iri).values_list("count", flat=True))


def test_fill_resumes_from_its_high_water_mark_and_counts_each_statement_once():
    course, _lessons = course_with_lessons(1)
    for index in range(5):
        courses.enrolment_create(user=UserFactory(username=f"p{index}"), course=course)
    first = aggregates_fill(lag=timedelta(0), limit=2, batch_size=1)
    assert first.statements == 2
    assert first.batches == 2
    assert enrolments() == 2
    state = AggregateFillState.objects.get()
    assert state.statements == 2
    rest = aggregates_fill(lag=timedelta(0), batch_size=2)
    assert rest.statements == 3
    assert enrolments() == 5
    assert aggregates_fill(lag=timedelta(0)).statements == 0
    assert enrolments() == 5


def test_lag_leaves_the_newest_statements_for_later():
    course, _lessons = course_with_lessons(1)
    courses.enrolment_create(user=UserFactory(), course=course)
    assert aggregates_fill(lag=timedelta(minutes=5)).statements == 0
    assert aggregates_fill(lag=timedelta(0)).statements == 1


def test_a_voided_statement_is_subtracted_whether_filled_before_or_after_its_voiding():
    course, _lessons = course_with_lessons(1)
    learners = [UserFactory(username=f"v{index}") for index in range(3)]
    for user in learners:
        courses.enrolment_create(user=user, course=course)
    aggregates_fill(lag=timedelta(0))
    assert enrolments() == 3
    registered = list(Statement.objects.filter(verb=xapi.REGISTERED.iri).order_by("stored"))
    void(registered[0])  # filled already: the voiding statement subtracts it
    aggregates_fill(lag=timedelta(0))
    assert enrolments() == 2
    assert LearnerCourse.objects.filter(registered__gt=0).count() == 2
    # Voided before the fill ever saw it: never counted, and the voiding takes nothing away.
    late = UserFactory(username="late")
    courses.enrolment_create(user=late, course=course)
    void(Statement.objects.get(verb=xapi.REGISTERED.iri, actor_user=late))
    aggregates_fill(lag=timedelta(0))
    assert enrolments() == 2
    assert LearnerCourse.objects.filter(registered__gt=0).count() == 2


def test_voiding_a_rating_removes_it():
    course, lessons = course_with_lessons(1)
    user = UserFactory()
    rate(user, lessons[0], course, 1, "Too long")
    aggregates_fill(lag=timedelta(0))
    assert RatingFact.objects.get().score == 1
    void(Statement.objects.get(verb=xapi.RATED.iri))
    aggregates_fill(lag=timedelta(0))
    assert not RatingFact.objects.exists()


def test_a_later_rating_replaces_the_earlier_one():
    course, lessons = course_with_lessons(1)
    user = UserFactory()
    rate(user, lessons[0], course, 1, "Too long")
    aggregates_fill(lag=timedelta(0))
    rate(user, lessons[0], course, 4, "Better on a second read")
    aggregates_fill(lag=timedelta(0))
    assert list(RatingFact.objects.values_list("score", "review")) == [(4.0, "Better on a second read")]


def test_rebuild_gives_the_same_numbers_as_the_incremental_fill():
    course, lessons = course_with_lessons(2)
    for index in range(3):
        user = UserFactory(username=f"r{index}")
        courses.enrolment_create(user=user, course=course)
        courses.lesson_complete(user=user, lesson=lessons[0], course=course)
        aggregates_fill(lag=timedelta(0))
    incremental = sorted(DailyCount.objects.values_list("verb", "kind", "count"))
    out = io.StringIO()
    call_command("fill_insights", "--rebuild", "--lag", "0", stdout=out)
    assert "Emptied the dashboard aggregates." in out.getvalue()
    assert "Filled 6 statements" in out.getvalue()
    assert sorted(DailyCount.objects.values_list("verb", "kind", "count")) == incremental


def test_command_rejects_bad_arguments():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("fill_insights", "--batch-size", "0", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("fill_insights", "--lag", "-1", stdout=io.StringIO())


def test_the_commit_hook_fills_once_per_debounce_window(settings, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from insights.dashboards.tasks import DEBOUNCE_CACHE_KEY

    settings.INSIGHTS_FILL_ON_COMMIT = True
    settings.INSIGHTS_FILL_LAG_SECONDS = 0
    cache.delete(DEBOUNCE_CACHE_KEY)
    course, _lessons = course_with_lessons(1)
    with django_capture_on_commit_callbacks(execute=True):
        courses.enrolment_create(user=UserFactory(username="hooked"), course=course)
    assert enrolments() == 1
    with django_capture_on_commit_callbacks(execute=True):
        courses.enrolment_create(user=UserFactory(username="debounced"), course=course)
    assert enrolments() == 1  # within the window: left for the next run
    cache.delete(DEBOUNCE_CACHE_KEY)
    from insights.dashboards.tasks import fill_insights

    assert fill_insights.delay().get()["statements"] == 1
    assert enrolments() == 2


def test_the_beat_schedule_runs_the_fill(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["insights-fill-aggregates"]
    assert entry["task"] == "insights.dashboards.tasks.fill_insights"


def test_external_statements_count_too():
    statements_store(
        statements=[
            {
                "actor": {"objectType": "Agent", "mbox": "mailto:trainee@partner.example"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en": "completed"}},
                "object": {"id": "https://lms.partner.example/modules/7", "objectType": "Activity"},
            }
        ],
        authority={"objectType": "Agent", "mbox": "mailto:lms@partner.example"},
        version="1.0.3",
    )
    aggregates_fill(lag=timedelta(0))
    assert DailyCount.objects.get(verb="http://adlnet.gov/expapi/verbs/completed").kind == "other"


def test_an_outside_lesson_with_an_over_long_id_does_not_stop_the_fill():
    """The store takes activity ids up to 1,024 characters, the aggregates' keys 512: two such lessons
    sharing their first 512 characters count as one, and the fill goes on to the next statement."""
    from insights.models import LearnerLesson

    base = "https://lms.partner.example/lessons/" + "x" * 600
    lesson_type = next(t.iri for t in xapi.ACTIVITY_TYPES if t.key == "lesson")
    statements_store(
        statements=[
            {
                "actor": {"objectType": "Agent", "mbox": f"mailto:trainee{n}@partner.example"},
                "verb": {"id": xapi.EXPERIENCED.iri, "display": {"en": "experienced"}},
                "object": {"id": f"{base}/{n}", "objectType": "Activity", "definition": {"type": lesson_type}},
            }
            for n in (1, 2)
        ],
        authority={"objectType": "Agent", "mbox": "mailto:lms@partner.example"},
        version="1.0.3",
    )
    report = aggregates_fill(lag=timedelta(0))
    assert report.statements == 2
    rows = LearnerLesson.objects.filter(lesson_iri=base[:512])
    assert rows.count() == 2  # one per trainee, both on the same (cut) lesson key
    assert AggregateFillState.objects.get().statements == 2


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("PT1H2M3S", 3723), ("PT1.5S", 1.5), ("P1DT1M", 86460), ("", 0), ("nonsense", 0), ("PT12M", 720)],
)
def test_duration_seconds(value, seconds):
    assert duration_seconds(value) == seconds


def _aggregate_tables() -> dict[str, list]:
    from insights.dashboards import models

    tables = {}
    for model in (models.DailyCount, models.ActiveDay, models.LearnerFact, models.LearnerCourse,
                  models.LearnerLesson, models.CheckOutcome, models.RatingFact, models.ThreadFact,
                  models.ReplyFact, models.HelperEdge, models.BlockSignal):  # fmt: skip
        names = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        tables[model.__name__] = sorted(model.objects.values_list(*names), key=repr)
    return tables


def test_the_numbers_do_not_depend_on_the_batch_size():
    """One statement per batch writes each row many times; one batch merges every delta per row first."""
    from insights.dashboards.services import aggregates_reset

    from .conftest import build_activity

    build_activity()
    void(Statement.objects.filter(verb=xapi.COMPLETED.iri).order_by("stored").first())
    aggregates_fill(lag=timedelta(0), batch_size=1)
    one_by_one = _aggregate_tables()
    assert one_by_one["LearnerLesson"]
    aggregates_reset()
    aggregates_fill(lag=timedelta(0))
    assert _aggregate_tables() == one_by_one


def test_upserted_text_survives_quotes_backslashes_braces_and_nulls():
    """The PostgreSQL path sends each column as an array literal built by hand: any text must round-trip."""
    from insights.models import ThreadFact

    awkward = ['say "hi"', "back\\slash", "{a,b}", "NULL", "", " padded ", "line\nbreak", "ünïcödé ✓", "it's"]
    # Without the quote and the backslash a column takes the one-join path: the same texts must survive that too.
    _upsert_titles(awkward[2:], prefix="https://example.com/plain/")
    stored = dict(ThreadFact.objects.values_list("thread_iri", "title"))
    assert [stored[f"https://example.com/plain/{index}"] for index in range(len(awkward) - 2)] == awkward[2:]
    _upsert_titles(awkward, prefix="https://example.com/t/")
    stored = dict(ThreadFact.objects.values_list("thread_iri", "title"))
    assert [stored[f"https://example.com/t/{index}"] for index in range(len(awkward))] == awkward
    assert ThreadFact.objects.get(thread_iri="https://example.com/t/0").posted_at is None
    assert list(ThreadFact.objects.filter(thread_iri__contains="/t/").order_by("thread_iri").values_list(
        "replies", "voided"))[:2] == [(-3, True), (-2, False)]  # fmt: skip


def _upsert_titles(titles, *, prefix):
    from insights.dashboards.services import _THREAD_FIELDS, _upsert
    from insights.models import ThreadFact

    rows = []
    for index, title in enumerate(titles):
        fact = ThreadFact(thread_iri=f"{prefix}{index}", title=title, asker_key=title,
                          replies=index - 3, voided=index % 2 == 0)  # fmt: skip
        rows.append((fact.thread_iri, *(getattr(fact, name) for name in _THREAD_FIELDS)))
    _upsert(ThreadFact, ("thread_iri",), (), _THREAD_FIELDS, rows, replace=_THREAD_FIELDS)


def test_a_batch_that_fails_at_the_database_changes_nothing_and_the_next_fill_catches_up(monkeypatch):
    """On PostgreSQL a batch's upserts are pipelined: an error surfaces on leaving the pipeline, as Django's
    DatabaseError, and the whole batch (aggregates and high-water mark) rolls back."""
    from django.db import DatabaseError, connection

    from insights.dashboards import services

    course, _lessons = course_with_lessons(1)
    for index in range(3):
        courses.enrolment_create(user=UserFactory(username=f"p{index}"), course=course)
    aggregates_fill(lag=timedelta(0))
    mark = AggregateFillState.objects.get()
    courses.enrolment_create(user=UserFactory(username="late"), course=course)
    written = services._write

    def write_then_fail(batch):
        written(batch)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE no_such_table SET x = 1")

    monkeypatch.setattr(services, "_write", write_then_fail)
    with pytest.raises(DatabaseError):
        aggregates_fill(lag=timedelta(0))
    assert enrolments() == 3
    after = AggregateFillState.objects.get()
    assert (after.statements, after.stored, after.statement_id) == (mark.statements, mark.stored, mark.statement_id)

    monkeypatch.setattr(services, "_write", written)
    assert aggregates_fill(lag=timedelta(0)).statements == Statement.objects.count() - mark.statements > 0
    assert enrolments() == 4
