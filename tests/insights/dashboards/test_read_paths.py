"""The dashboards' faster read paths give exactly the numbers of the plain ones they replaced.

Aggregate rows are written directly (many people, courses, days, teams; zero and negative counts as a
voiding leaves them), and every number is compared with an independent count over the same rows.
"""

from __future__ import annotations

import random
import statistics
import uuid
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from insights.dashboards import selectors
from insights.dashboards.models import ActiveDay, ThreadFact
from insights.dashboards.permissions import DashboardScope
from insights.dashboards.selectors import Filters, InsightsQuery
from insights.xapi.activities import activity_iri

pytestmark = pytest.mark.django_db

START = date(2025, 3, 3)  # a Monday
COURSES = [SimpleNamespace(pk=index, title=f"Course {index}", activity_id=uuid.UUID(int=index)) for index in (1, 2, 3)]
IRIS = [activity_iri("course", course.activity_id) for course in COURSES]


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def active_rows(seed: int = 8) -> list[ActiveDay]:
    """People on days in courses ('' = outside any course), some of them with a voided (0 or -1) count."""
    rng = random.Random(seed)
    rows = {}
    for _ in range(900):
        day = START + timedelta(days=rng.randrange(-3, 24))
        person = f"account:https://guild.test|person-{rng.randrange(40)}"
        course = rng.choice([*IRIS, ""])
        rows[(day, person, course)] = ActiveDay(
            day=day, week=monday(day), actor_key=person, course_iri=course,
            team=("Sales", "Ops", "")[int(person.rsplit("-", 1)[1]) % 3], count=rng.choice([1, 1, 1, 3, 0, -1]),
        )  # fmt: skip
    return ActiveDay.objects.bulk_create(rows.values())


def make_query(*, scope: DashboardScope, course=None, team: str = "") -> InsightsQuery:
    filters = Filters(date_from=START, date_to=START + timedelta(days=20), course=course, team=team)
    return InsightsQuery(viewer=None, scope=scope, filters=filters)


def expected(rows: list[ActiveDay], query: InsightsQuery) -> dict[str, dict]:
    """The same counts the obvious way: a set of people per day, week and course."""
    allowed = {query.course_iri} if query.course_iri else (None if query.scope.everything else query.scope.course_iris)
    kept = [
        row
        for row in rows
        if row.count > 0
        and query.filters.date_from <= row.day <= query.filters.date_to
        and (allowed is None or row.course_iri in allowed)
        and (not query.filters.team or row.team == query.filters.team)
    ]
    people: dict[str, dict] = {"day": {}, "week": {}, "course": {}}
    for row in kept:
        people["day"].setdefault(row.day, set()).add(row.actor_key)
        people["week"].setdefault(row.week, set()).add(row.actor_key)
        people["course"].setdefault(row.course_iri, set()).add(row.actor_key)
    return {grain: {key: len(found) for key, found in values.items()} for grain, values in people.items()}


@pytest.mark.parametrize(
    ("everything", "course", "team"),
    [(True, None, ""), (True, None, "Ops"), (True, COURSES[1], ""), (False, None, ""), (False, None, "Sales")],
)
def test_active_learners_per_day_week_and_course_are_distinct_people(everything, course, team):
    rows = active_rows()
    scope = DashboardScope(everything=everything, courses=COURSES if everything else COURSES[:2])
    query = make_query(scope=scope, course=course, team=team)
    want = expected(rows, query)
    assert selectors._active_learners(query) == want
    assert sum(want["day"].values()) > 50  # the case is not trivially empty

    daily = selectors.active_learners_daily(query)
    assert daily.rows == [[day.isoformat(), want["day"].get(day, 0)] for day in query.days()]
    weekly = selectors.active_learners_weekly(query)
    assert weekly.rows == [[week.isoformat(), n] for week, n in sorted(want["week"].items())]
    top = selectors.top_courses(query)
    assert {row[0]: row[1] for row in top.rows} == {
        next(c.title for c in COURSES if activity_iri("course", c.activity_id) == iri): n
        for iri, n in want["course"].items()
        if iri
    }


def test_active_learners_is_one_query(django_assert_num_queries):
    active_rows()
    query = make_query(scope=DashboardScope(everything=True, courses=COURSES))
    with django_assert_num_queries(1):
        selectors.active_learners_daily(query)
        selectors.active_learners_weekly(query)
        selectors._active_learners(query)


def test_no_activity_gives_zeros_not_errors(django_assert_num_queries):
    query = make_query(scope=DashboardScope(everything=True, courses=COURSES))
    assert selectors._active_learners(query) == {"day": {}, "week": {}, "course": {}}
    active_rows()
    nothing_in_scope = make_query(scope=DashboardScope(everything=False, courses=[]))
    with django_assert_num_queries(0):
        assert selectors._active_learners(nothing_in_scope) == {"day": {}, "week": {}, "course": {}}
    assert selectors.active_learners_daily(query).rows[0] == [START.isoformat(), 0]
    assert selectors.active_learners_weekly(query).rows == []


def at(day: date, hour: float) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)


def thread_rows(count: int, seed: int) -> list[ThreadFact]:
    """Questions in COURSES[0] over three lessons: some unanswered, some accepted, waits of any length (ties too)."""
    rng = random.Random(seed)
    lessons = [f"https://guild.test/xapi/activities/lesson/{n}" for n in range(3)]
    threads = []
    for index in range(count):
        posted = at(START + timedelta(days=rng.randrange(0, 20)), rng.randrange(0, 2400) / 100)
        wait = timedelta(seconds=rng.choice([60, 3600, rng.randrange(1, 400_000)]))
        answered = posted + wait if rng.random() < 0.7 else None
        threads.append(
            ThreadFact(
                thread_iri=f"https://guild.test/xapi/activities/thread/{seed}-{index}",
                course_iri=IRIS[0], lesson_iri=rng.choice(lessons), asker_key=f"account:guild|p{index % 7}",
                asker_team=("Sales", "Ops")[index % 2], posted_at=posted, first_answer_at=answered,
                accepted_at=answered + timedelta(minutes=5) if answered and rng.random() < 0.4 else None,
                voided=rng.random() < 0.05,
            )
        )  # fmt: skip
    ThreadFact.objects.bulk_create(threads)
    return threads


@pytest.mark.parametrize(("count", "team"), [(41, ""), (40, ""), (40, "Ops"), (1, ""), (2, "")])
def test_questions_and_median_wait_match_a_count_over_every_thread(count, team):
    threads = thread_rows(count, seed=count)
    course = COURSES[0]
    query = make_query(scope=DashboardScope(everything=True, courses=COURSES), course=course, team=team)
    lessons = {f"https://guild.test/xapi/activities/lesson/{n}": f"Lesson {n}" for n in range(3)}
    query.__dict__["lesson_titles"] = lessons  # the course's live lessons, without pages
    kept = [
        t for t in threads
        if not t.voided and (not team or t.asker_team == team)
        and query.filters.start <= t.posted_at < query.filters.end
    ]  # fmt: skip
    waits = [(t.first_answer_at - t.posted_at).total_seconds() / 3600 for t in kept if t.first_answer_at]
    summary = selectors.questions_summary(query)
    assert summary.rows == [
        ["Questions asked", len(kept)],
        ["Answered", len(waits)],
        ["Unanswered now", len(kept) - len(waits)],
        ["Median hours to first answer", round(statistics.median(waits), 1) if waits else None],
    ]
    per_lesson = selectors.questions(query)
    want = []
    for iri, title in query.lesson_titles.items():
        mine = [t for t in kept if t.lesson_iri == iri]
        if mine:
            answered = sum(1 for t in mine if t.first_answer_at)
            accepted = sum(1 for t in mine if t.accepted_at)
            want.append([title, len(mine), answered, len(mine) - answered, accepted])
    assert per_lesson.rows == want


def test_median_of_an_even_count_is_the_mean_of_the_two_middle_waits():
    for index, hours in enumerate((1, 2, 4, 100)):
        posted = at(START, 1)
        ThreadFact.objects.create(
            thread_iri=f"t{index}", course_iri=IRIS[0], asker_key="account:x|a", posted_at=posted,
            first_answer_at=posted + timedelta(hours=hours),
        )  # fmt: skip
    query = make_query(scope=DashboardScope(everything=True, courses=COURSES), course=COURSES[0])
    assert selectors.questions_summary(query).rows[-1] == ["Median hours to first answer", 3.0]


def test_data_table_stops_at_table_rows_and_says_so_while_the_csv_keeps_every_row():
    from django.template.loader import render_to_string

    from insights.dashboards.charts import TABLE_ROWS, Chart

    days = [[f"day {n}", n] for n in range(TABLE_ROWS + 37)]
    chart = Chart(key="long", title="Long", description="", kind="line", columns=["Day", "N"], rows=days)
    html = render_to_string("insights/dashboards/_chart.html", {"chart": chart, "csv_url": "/long.csv"})
    assert html.count('<th scope="row">') == TABLE_ROWS
    assert f"first {TABLE_ROWS} of {TABLE_ROWS + 37} rows" in html
    assert 'href="/long.csv" download>Download the CSV</a> for every row' in html
    assert len(chart.csv().splitlines()) == TABLE_ROWS + 37 + 1
    assert len(chart.spec()["labels"]) == TABLE_ROWS + 37  # the drawing keeps every point

    short = Chart(key="short", title="Short", description="", kind="line", columns=["Day", "N"], rows=days[:3])
    html = render_to_string("insights/dashboards/_chart.html", {"chart": short, "csv_url": "/short.csv"})
    assert html.count('<th scope="row">') == 3
    assert "(3 rows)" in html
    assert "for every row" not in html


def test_data_table_cells_are_escaped_linked_and_dashed_like_template_output():
    """Chart.table_body builds the rows in Python: people's names are user text, so every cell is escaped,
    a row's label links where the chart gives a link, and a missing value shows as an em dash."""
    from django.template.loader import render_to_string

    from insights.dashboards.charts import Chart

    chart = Chart(
        key="people", title="People", description="", kind="table", columns=["Person", "Answers", "Share"],
        rows=[['<script>alert("x")</script>', 3, 0.5], ["Ada & Grace", None, 1.25]],
        links=["/people/x/?a=1&b=2", None],
    )  # fmt: skip
    html = render_to_string("insights/dashboards/_chart.html", {"chart": chart, "csv_url": "/p.csv"})
    assert "<script>alert" not in html
    assert (
        '<th scope="row"><a href="/people/x/?a=1&amp;b=2">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</a></th>'
        in html
    )
    assert "<td>3</td><td>0.5</td>" in html
    assert '<th scope="row">Ada &amp; Grace</th><td>—</td><td>1.25</td>' in html
