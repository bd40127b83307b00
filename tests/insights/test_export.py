"""insights.exports and `manage.py export_statements`: content of each format, filters, CSV safety, errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from courses import services
from insights import exports
from insights.exports import CSV_COLUMNS, ExportFilter, ExportFilterError, export_filter, export_stream
from insights.models import Statement
from insights.services import statement_columns, statement_record
from insights.xapi import vocabulary as xapi
from insights.xapi.activities import StatementResult
from insights.xapi.validation import validate_statement
from tests.factories import course_with_lessons

ROOT = Path(__file__).resolve().parents[2]
DAY1 = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
DAY2 = datetime(2025, 5, 2, 9, 0, tzinfo=UTC)
DAY3 = datetime(2025, 5, 3, 9, 0, tzinfo=UTC)


def _learn(user, course, lessons, *, rating_response: str | None = None) -> None:
    """A learner's week through the real services, one day at a time."""
    with time_machine.travel(DAY1, tick=False):
        services.enrolment_create(user=user, course=course)
        services.lesson_view(user=user, lesson=lessons[0], course=course)
    with time_machine.travel(DAY2, tick=False):
        block_id = next(iter(lessons[0].knowledge_checks()))
        services.knowledge_check_answer(user=user, lesson=lessons[0], course=course, block_id=block_id, choice="b")
        services.lesson_complete(user=user, lesson=lessons[0], course=course)
    if rating_response is not None:
        with time_machine.travel(DAY3, tick=False), transaction.atomic():
            statement_record(
                actor=user,
                verb=xapi.RATED,
                object=lessons[0].xapi_activity(),
                result=StatementResult(
                    score_raw=4, score_min=1, score_max=5, score_scaled=0.75, response=rating_response
                ),
            )


@pytest.fixture
def activity(learner, other_learner, course, lessons):
    _learn(learner, course, lessons, rating_response='=HYPERLINK("http://evil.example")')
    _learn(other_learner, course, lessons)
    return Statement.objects.order_by("stored", "id")


def _text(fmt: str, export: ExportFilter | None = None, **kwargs) -> str:
    return "".join(export_stream(fmt, export or ExportFilter(), **kwargs))


def _ndjson(text: str) -> list[dict]:
    assert text.endswith("\n") or text == ""
    return [json.loads(line) for line in text.splitlines()]


def _csv(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    return list(reader)


# --- formats -----------------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["keyset", "cursor"])
@pytest.mark.parametrize("chunk_size", [1, 3, 2000])
def test_ndjson_is_every_statement_as_stored_in_stored_order(activity, strategy, chunk_size):
    text = _text("ndjson", chunk_size=chunk_size, strategy=strategy)

    assert _ndjson(text) == [statement.data for statement in activity]
    assert len(activity) == 9


@pytest.mark.parametrize("chunk_size", [1, 4, 2000])
def test_json_is_one_valid_array_however_it_is_chunked(activity, chunk_size):
    chunks = list(export_stream("json", ExportFilter(), chunk_size=chunk_size))

    assert json.loads("".join(chunks)) == [statement.data for statement in activity]
    if chunk_size == 1:
        assert len(chunks) == len(activity) + 1  # one per statement, then the closing bracket


def test_empty_exports_are_still_valid(db):
    assert json.loads(_text("json")) == []
    assert _text("ndjson") == ""
    assert _csv(_text("csv")) == []


def test_csv_flattens_each_statement(activity, learner, course, lessons):
    rows = _csv(_text("csv"))
    assert [row["statement_id"] for row in rows] == [str(statement.id) for statement in activity]

    answered = next(
        r for r in rows if r["verb_id"] == xapi.ANSWERED.iri and r["actor_account_name"] == str(learner.public_id)
    )
    assert answered["actor_ifi"] == ""  # a Guild account: the account name says it all
    assert answered["verb_display"] == "answered"
    assert answered["object_type"] == "Activity"
    assert answered["object_name"] == "Which option is right?"
    assert answered["course_iri"] == course.xapi_activity().iri
    assert answered["course_title"] == "Running effective meetings"
    assert answered["lesson_iri"] == lessons[0].xapi_activity().iri
    assert answered["lesson_title"] == lessons[0].title
    assert answered["result_success"] == "true"
    assert float(answered["result_score_raw"]) == 1
    assert float(answered["result_score_scaled"]) == 1
    assert answered["result_response"] == "b"
    assert answered["result_completion"] == ""
    assert answered["voided"] == "false"
    registration = course.enrolments.get(user=learner).registration
    assert answered["registration"] == str(registration)
    assert answered["timestamp"] == "2025-05-02T09:00:00.000Z"
    assert answered["stored"] == "2025-05-02T09:00:00.000Z"

    completed = next(r for r in rows if r["verb_id"] == xapi.COMPLETED.iri)
    assert completed["result_completion"] == "true"
    assert completed["result_duration"].startswith("P")
    assert float(completed["result_duration_seconds"]) >= 0

    registered = next(r for r in rows if r["verb_id"] == xapi.REGISTERED.iri)
    assert registered["course_title"] == "Running effective meetings"
    assert registered["lesson_iri"] == registered["lesson_title"] == ""


def test_csv_neutralises_formulas_in_user_text(activity):
    rated = next(r for r in _csv(_text("csv")) if r["verb_id"] == xapi.RATED.iri)

    assert rated["result_response"] == '\'=HYPERLINK("http://evil.example")'
    assert float(rated["result_score_raw"]) == 4
    assert float(rated["result_score_scaled"]) == 0.75


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1 23", "'+33 1 23"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("fine = ok", "fine = ok"),
        ("", ""),
        (-2.5, -2.5),  # numbers stay numbers
    ],
)
def test_formula_guard(value, expected):
    assert exports._safe(value) == expected


def test_csv_round_trips_awkward_text(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)
    awkward = 'Line one\nline "two", with a comma\r\n\tand a tab'
    with transaction.atomic():
        statement_record(actor=learner, verb=xapi.RATED, object=lessons[1].xapi_activity(),
                         result=StatementResult(score_raw=5, response=awkward))  # fmt: skip

    rated = next(r for r in _csv(_text("csv")) if r["verb_id"] == xapi.RATED.iri)
    assert rated["result_response"] == awkward


def test_csv_names_external_agents_by_their_ifi(db):
    data = {
        "id": "9f0c3a5e-1b7e-4c1e-9d55-6f1f0f0d2a11",
        "actor": {"objectType": "Agent", "mbox": "mailto:trainee@partner.example"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-US": "passed"}},
        "object": {"id": "https://lms.partner.example/m/1", "definition": {"name": {"fr": "Module un"}}},
        "result": {"success": False, "score": {"raw": -3}},
        "timestamp": "2025-05-01T11:00:00+02:00",
        "stored": "2025-05-01T09:00:01.000Z",
    }
    Statement.objects.create(id=data["id"], timestamp=DAY1, stored=DAY1, data=data, **statement_columns(data))

    (row,) = _csv(_text("csv"))
    assert row["actor_account_name"] == ""
    assert row["actor_ifi"] == "mbox:mailto:trainee@partner.example"
    assert row["verb_display"] == "passed"
    assert row["object_name"] == "Module un"
    assert row["timestamp"] == "2025-05-01T09:00:00.000Z"  # offsets normalised to UTC
    assert row["result_success"] == "false"
    assert row["result_score_raw"] == "-3"  # a number, not text: no apostrophe
    assert row["course_iri"] == row["course_title"] == ""


def test_voided_statements_are_exported_and_marked(activity):
    target = activity.first()
    Statement.objects.filter(pk=target.pk).update(voided=True)

    rows = _csv(_text("csv"))
    assert [r["voided"] for r in rows if r["statement_id"] == str(target.pk)] == ["true"]
    assert {r["voided"] for r in rows if r["statement_id"] != str(target.pk)} == {"false"}
    assert len(_ndjson(_text("ndjson"))) == len(activity)


# --- filters -------------------------------------------------------------------------------------


def _ids(export: ExportFilter) -> list[str]:
    return [statement["id"] for statement in _ndjson(_text("ndjson", export))]


def _expected(**filters) -> list[str]:
    return [str(pk) for pk in Statement.objects.filter(**filters).order_by("stored", "id").values_list("pk", flat=True)]


def test_since_and_until_are_on_stored_with_xapi_semantics(activity):
    assert _ids(export_filter(since="2025-05-02")) == _expected(stored__date__gte="2025-05-02")
    assert _ids(export_filter(until="2025-05-01")) == _expected(stored__date="2025-05-01")
    assert _ids(export_filter(since="2025-05-02", until="2025-05-02")) == _expected(stored__date="2025-05-02")
    # A full timestamp: since is exclusive, until inclusive (an incremental export never repeats a row).
    assert _ids(export_filter(since="2025-05-02T09:00:00Z")) == _expected(stored__gt=DAY2)
    assert _ids(export_filter(until="2025-05-02T09:00:00Z")) == _expected(stored__lte=DAY2)
    assert _ids(export_filter(since="2025-05-02T11:00:00+02:00")) == _expected(stored__gt=DAY2)
    assert _ids(export_filter(until="2025-05-02T09:00:00")) == _expected(stored__lte=DAY2)  # naive = UTC


def test_stored_not_timestamp_decides(learner, course):
    """A late statement (old timestamp, stored now) is in the export of what arrived since."""
    with time_machine.travel(DAY3, tick=False), transaction.atomic():
        statement_record(actor=learner, verb=xapi.FOLLOWED, object=course.xapi_activity(), timestamp=DAY1)

    assert len(_ids(export_filter(since="2025-05-03"))) == 1
    assert _ids(export_filter(until="2025-05-02")) == []


@pytest.mark.parametrize("verb", ["completed", "http://adlnet.gov/expapi/verbs/completed"])
def test_verb_filter_takes_an_iri_or_a_vocabulary_key(activity, verb):
    assert _ids(export_filter(verb=verb)) == _expected(verb=xapi.COMPLETED.iri)
    assert len(_expected(verb=xapi.COMPLETED.iri)) >= 2


def test_verb_filter_accepts_iris_guild_does_not_mint(activity):
    assert _ids(export_filter(verb="http://adlnet.gov/expapi/verbs/passed")) == []


def test_course_filter_by_slug(activity, learner):
    other_course, other_lessons = course_with_lessons(2, title="Writing for the web", slug="writing-for-the-web")
    services.enrolment_create(user=learner, course=other_course)
    services.lesson_view(user=learner, lesson=other_lessons[0], course=other_course)

    ours = _ids(export_filter(course="effective-meetings"))
    theirs = _ids(export_filter(course="writing-for-the-web"))
    assert ours == _expected(course_iri=activity.first().course_iri)
    assert len(theirs) == 2
    assert not set(ours) & set(theirs)


def test_user_filter(activity, learner):
    assert _ids(export_filter(user=learner)) == _expected(actor_user=learner)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"since": "yesterday"}, "Not an ISO 8601"),
        ({"until": "2025-02-30"}, "Not an ISO 8601"),
        ({"since": "2025-05-03", "until": "2025-05-01"}, "before"),
        ({"verb": "finished"}, "Unknown verb"),
        ({"course": "no-such-course"}, "No course"),
    ],
)
def test_bad_filters_say_why(db, kwargs, message):
    with pytest.raises(ExportFilterError, match=message):
        export_filter(**kwargs)


def test_filenames(db):
    stamp = datetime(2025, 5, 1, 12, 30, tzinfo=UTC)
    assert exports.export_filename("csv", ExportFilter(), now=stamp) == "guild-statements-20250501T123000Z.csv"
    export = ExportFilter(verb=xapi.VOTED_UP.iri, course_slug="effective-meetings")
    assert exports.export_filename("ndjson", export, now=stamp) == (
        "guild-statements-effective-meetings-voted-up-20250501T123000Z.ndjson"
    )


def test_duration_seconds():
    assert exports.duration_seconds("PT1H2M3.5S") == 3723.5
    assert exports.duration_seconds("P1DT1S") == 86401
    assert exports.duration_seconds("PT0M0S") == 0
    assert exports.duration_seconds("soon") is None
    assert exports.duration_seconds("PT") is None


# --- the command ----------------------------------------------------------------------------------


def test_command_writes_each_format_to_a_file(activity, tmp_path):
    for fmt in ("ndjson", "json", "csv"):
        target = tmp_path / f"out.{fmt}"
        out = io.StringIO()
        call_command("export_statements", "--format", fmt, "--output", str(target), stdout=out)
        assert f"Exported {len(activity)} statements" in out.getvalue()
        text = target.read_text(encoding="utf-8")
        if fmt == "ndjson":
            assert _ndjson(text) == [s.data for s in activity]
        elif fmt == "json":
            assert json.loads(text) == [s.data for s in activity]
        else:
            assert [r["statement_id"] for r in _csv(text)] == [str(s.id) for s in activity]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.json", "out.ndjson"]  # no temp files


def test_command_streams_to_stdout_with_filters(activity, learner):
    out, err = io.StringIO(), io.StringIO()
    call_command("export_statements", "--verb", "answered", "--course", "effective-meetings", "--since", "2025-05-02",
                 stdout=out, stderr=err)  # fmt: skip

    assert _ndjson(out.getvalue()) == [s.data for s in activity.filter(verb=xapi.ANSWERED.iri)]
    assert err.getvalue() == ""  # no progress bar without a terminal


@pytest.mark.parametrize(
    "argv",
    [
        ["--since", "not-a-date"],
        ["--until", "2025-13-01"],
        ["--verb", "finished"],
        ["--course", "no-such-course"],
        ["--chunk-size", "0"],
    ],
)
def test_command_bad_input_exits_2_and_leaves_no_file(db, tmp_path, argv):
    target = tmp_path / "export.csv"
    with pytest.raises(CommandError) as raised:
        call_command("export_statements", *argv, "--format", "csv", "--output", str(target))

    assert raised.value.returncode == 2
    assert list(tmp_path.iterdir()) == []


def test_command_unwritable_output_exits_2(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot write") as raised:
        call_command("export_statements", "--output", str(tmp_path / "missing-dir" / "x.ndjson"))
    assert raised.value.returncode == 2
    with pytest.raises(CommandError, match="directory") as raised:
        call_command("export_statements", "--output", str(tmp_path))
    assert raised.value.returncode == 2


def test_command_failing_mid_stream_leaves_no_file_and_keeps_the_old_one(activity, tmp_path, monkeypatch):
    target = tmp_path / "export.ndjson"
    target.write_text("yesterday's export\n")

    def broken_stream(*args, **kwargs):
        yield '{"id": "first"}\n'
        raise RuntimeError("database went away")

    monkeypatch.setattr("insights.management.commands.export_statements.export_stream", broken_stream)
    with pytest.raises(RuntimeError, match="went away"):
        call_command("export_statements", "--output", str(target))

    assert [p.name for p in tmp_path.iterdir()] == ["export.ndjson"]
    assert target.read_text() == "yesterday's export\n"


def test_command_exit_status_is_2_from_the_shell(tmp_path):
    """The real process: argument errors and bad filters exit 2 with a one-line reason, nothing written."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "learning.settings.test", "GUILD_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    for argv in (["--since", "2025-99-01"], ["--format", "xml"]):
        finished = subprocess.run(
            [sys.executable, "manage.py", "export_statements", *argv, "--output", str(tmp_path / "x")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert finished.returncode == 2, finished.stderr
        assert finished.stdout == ""
        assert "Traceback" not in finished.stderr
    assert not (tmp_path / "x").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


# --- volume, through the bulk generator ------------------------------------------------------------


@pytest.fixture
def generated(db):
    from bench.generate_statements import generate_statements

    generate_statements(1500, users=12, courses=2, lessons_per_course=3, batch_size=700)
    return Statement.objects.order_by("stored", "id")


def test_generator_makes_valid_statements_with_matching_columns(generated):
    sample = list(generated[:400])
    for statement in sample:
        validate_statement(statement.data)
        assert {key: str(value or "") for key, value in statement_columns(statement.data).items()} == {
            key: str(getattr(statement, key) or "") for key in statement_columns(statement.data)
        }
    assert len({s.verb for s in sample}) >= 8
    assert len({s.actor_key for s in sample}) >= 10
    assert any(s.actor_user_id is None for s in sample)  # external producer
    assert generated.filter(voided=True).count() >= 1


@pytest.mark.parametrize("strategy", ["keyset", "cursor"])
def test_volume_export_in_small_chunks(generated, strategy):
    expected = [str(pk) for pk in generated.values_list("pk", flat=True)]

    ndjson = _ndjson(_text("ndjson", chunk_size=97, strategy=strategy))
    assert [s["id"] for s in ndjson] == expected
    rows = _csv(_text("csv", chunk_size=97, strategy=strategy))
    assert [r["statement_id"] for r in rows] == expected
    assert json.loads(_text("json", chunk_size=97, strategy=strategy)) == ndjson


def test_keyset_pages_survive_identical_stored_times(learner, course):
    """Many statements stored in the same microsecond: pages continue by id, none lost or repeated."""
    with time_machine.travel(DAY1, tick=False), transaction.atomic():
        for minutes in range(25):
            statement_record(actor=learner, verb=xapi.FOLLOWED, object=course.xapi_activity(),
                             timestamp=DAY1 - timedelta(minutes=minutes))  # fmt: skip

    assert _ids(ExportFilter()) == _expected()
    assert [s["id"] for s in _ndjson(_text("ndjson", chunk_size=4))] == _expected()


# --- the CSV fast path writes what the reference path writes ------------------------------------


def _reference_csv(rows: list[tuple], titles: dict[str, str]) -> str:
    from django.conf import settings

    return "".join(exports._csv_row(row, titles, settings.XAPI_ACCOUNT_HOMEPAGE) for row in rows)


def _fast_csv(rows: list[tuple], titles: dict[str, str]) -> str:
    from django.conf import settings

    guarded = {iri: exports._safe(title) for iri, title in titles.items()}
    return exports._csv_rows(rows, guarded, settings.XAPI_ACCOUNT_HOMEPAGE)


def test_csv_fast_path_matches_the_reference_on_generated_statements(generated, monkeypatch):
    """Every kind of statement the generator makes (Guild's, external producers', voiding ones),
    all of which take the fast path."""
    rows = [row for page in exports.statement_pages(ExportFilter().queryset(), chunk_size=500) for row in page]
    titles = exports.activity_titles()
    assert len(rows) == 1500
    reference = _reference_csv(rows, titles)
    monkeypatch.setattr(exports, "_csv_row", lambda *args, **kwargs: pytest.fail("fell back to _csv_row"))

    fast = _fast_csv(rows, titles)
    assert fast == reference
    assert fast.count("\r\n") >= len(rows)


def test_csv_fast_path_matches_the_reference_on_guild_statements(activity):
    rows = [row for page in exports.statement_pages(ExportFilter().queryset()) for row in page]
    titles = exports.activity_titles()

    assert _fast_csv(rows, titles) == _reference_csv(rows, titles)
    assert "'=HYPERLINK" in _fast_csv(rows, titles)


_ODD = {
    "id": "9f0c3a5e-1b7e-4c1e-9d55-6f1f0f0d2a11",
    "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.example", "name": "=cmd"}},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"de": "-beantwortet"}},
    "object": {"id": "https://lms.example/q/1", "definition": {"name": {"fr": '@question, "une"'}}},
    "result": {
        "score": {"raw": -3, "scaled": -0.5},
        "success": True,
        "response": "+1\nsecond line",
        "duration": "-PT1M",
    },
    "context": {"registration": "d5f2c4f3-95ee-5f0e-a0c6-eed2d9d71442"},
    "timestamp": "2025-05-01T11:00:00.5+02:00",
    "stored": "2025-05-01T09:00:01.000+00:00",
}


def _with(**changes) -> dict:
    data = json.loads(json.dumps(_ODD))
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = data
        for key in parents:
            target = target.setdefault(key, {})
        if value is _DELETE:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    "data",
    [
        _ODD,  # typed, but with offsets, formulas, quotes and commas everywhere
        _with(object={"objectType": "Agent", "mbox": "mailto:a@example.org", "name": "=Ann"}),
        _with(object={"objectType": "Group", "account": {"homePage": "https://x.example", "name": "+g"}}),
        _with(object={"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}),
        _with(actor={"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"}),
        _with(actor={"openid": "https://openid.example/ann"}),
        _with(actor={"objectType": "Group", "member": [{"mbox": "mailto:b@example.org"}]}),
        _with(actor__account={"homePage": "http://testserver", "name": "7e591a00"}),
        _with(verb__display={}, object__definition={}, result={}, context={}),
        _with(timestamp=_DELETE, stored=_DELETE, id=_DELETE, result=_DELETE, context=_DELETE),
        _with(result__duration="P1Y2M3W4DT5H6M7.5S", result__completion=False, result__score={"raw": 2.0}),
        # Not the expected types: the reference path writes these, cell by cell as before.
        _with(result__score__raw=True),
        _with(result__response=42),
        _with(result__duration=5),
        _with(verb__display={"en": 7}),
        _with(object__definition__name="plain"),
        _with(actor="=not an agent"),
        _with(actor=_DELETE),
        _with(context__registration=None, result__success="yes"),
        _with(stored=17),
        {"id": "x"},
        [],
    ],
)
def test_csv_fast_path_matches_the_reference_on_odd_statements(data):
    """Whatever the stored JSON, both paths write the same line, and neither fails."""
    row = ("9f0c3a5e1b7e4c1e9d556f1f0f0d2a11", True, "", "https://lms.example/l/1", "2025-05-01 09:00:01+00",
           json.dumps(data))  # fmt: skip
    titles = {"https://lms.example/l/1": "=Lesson, one"}

    fast = _fast_csv([row], titles)
    assert fast == _reference_csv([row], titles)
    (parsed,) = csv.reader(io.StringIO(fast, newline=""))
    assert len(parsed) == len(CSV_COLUMNS)
    assert parsed[CSV_COLUMNS.index("lesson_title")] == "'=Lesson, one"
    assert parsed[CSV_COLUMNS.index("voided")] == "true"


# --- reading ahead on PostgreSQL (a second connection, so committed data: transaction=True) -----


def _read_ahead_threads() -> list:
    import threading

    return [thread for thread in threading.enumerate() if thread.name == "export-read-ahead"]


_POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="reading ahead is PostgreSQL's (a second SQLite connection gains nothing)"
)


@_POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["ndjson", "csv", "json"])
def test_exports_read_ahead_on_postgresql(baseline_data, fmt, learner, other_learner, course, lessons):
    """Outside a transaction on PostgreSQL the next page is read by a thread of its own while this one
    formats: same bytes as reading page by page in this thread, and the thread is gone afterwards."""
    _learn(learner, course, lessons, rating_response="Clear, thanks")
    _learn(other_learner, course, lessons)
    pages = exports.statement_pages(Statement.objects.all(), chunk_size=2)
    assert pages.__name__ == "_read_ahead"  # the threaded path is the one under test
    pages.close()
    ahead = _text(fmt, chunk_size=2)
    with transaction.atomic():  # inside a transaction: page by page on this connection
        in_line = _text(fmt, chunk_size=2)
    assert ahead == in_line
    assert len(_ndjson(ahead) if fmt == "ndjson" else _csv(ahead) if fmt == "csv" else json.loads(ahead)) == 9
    assert not _read_ahead_threads()


@_POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_a_cancelled_download_stops_the_reading_thread(baseline_data, learner, course, lessons):
    """A client that goes away after the first chunk: the generator is closed, the thread stops and
    closes its connection instead of reading the rest of the store."""
    _learn(learner, course, lessons)
    stream = export_stream("ndjson", ExportFilter(), chunk_size=1)
    first = next(stream)
    assert json.loads(first)["verb"]["id"]
    assert _read_ahead_threads()
    stream.close()
    assert not _read_ahead_threads()
