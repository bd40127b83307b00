"""Reads for the dashboards: every chart from the pre-aggregated tables, never from the Statement store.

Each dashboard is a dict of chart builders keyed by chart key, so a page computes all of them and a
CSV download computes only its own. Every builder takes an `InsightsQuery`, made by
`insights_query(viewer=…, …)`, which has already checked the viewer's scope: a course the viewer
may not see is refused there, and "all courses" means the courses in the viewer's scope.
Each builder issues one to three queries over aggregate rows bounded by the filters.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone

from insights.xapi import vocabulary as xapi
from insights.xapi.activities import activity_iri

from .charts import TABLE_ROWS, Chart, circle_layout
from .models import (
    ActiveDay,
    AggregateFillState,
    BlockSignal,
    CheckOutcome,
    Cohort,
    DailyCount,
    HelperEdge,
    LearnerCourse,
    LearnerFact,
    LearnerLesson,
    RatingFact,
    SignalKind,
    ThreadFact,
)
from .permissions import DashboardScope, dashboard_scope

DEFAULT_DAYS = 90
LOW_RATING = 2
NETWORK_PEOPLE = 24
# The strongest links among them that are drawn: where everyone has helped everyone (24 people, 552
# possible arrows) more is an unreadable tangle and was most of the social page's render time.
NETWORK_EDGES = 72


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date
    course: Any = None
    team: str = ""

    @classmethod
    def default(cls) -> Filters:
        today = timezone.now().astimezone(UTC).date()
        return cls(date_from=today - timedelta(days=DEFAULT_DAYS - 1), date_to=today)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after date_to."""
        return datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=UTC)


class InsightsQuery:
    """A viewer's scope plus the filters, with the lookups every chart shares (each computed once)."""

    def __init__(
        self, *, viewer: Any, scope: DashboardScope, filters: Filters, lesson: Any = None, all_rows: bool = False
    ) -> None:
        self.viewer = viewer
        self.scope = scope
        self.filters = filters
        self.lesson = lesson
        # A page's data table shows the first TABLE_ROWS rows: a builder whose rows are costly at scale (the
        # helper network's pairs) lists only those unless the chart's CSV asks for every row.
        self.all_rows = all_rows
        self.cache: dict[str, Any] = {}

    @property
    def course(self) -> Any:
        return self.filters.course

    @cached_property
    def course_iri(self) -> str | None:
        return activity_iri("course", self.course.activity_id) if self.course is not None else None

    @cached_property
    def lesson_iri(self) -> str | None:
        return activity_iri("lesson", self.lesson.activity_id) if self.lesson is not None else None

    def courses_q(self, field: str = "course_iri") -> Q:
        """The course filter: the chosen course, else every course in scope (analysts: no restriction)."""
        if self.course_iri:
            return Q(**{field: self.course_iri})
        if self.scope.everything:
            return Q()
        return Q(**{f"{field}__in": sorted(self.scope.course_iris)})

    def team_q(self, field: str = "team") -> Q:
        return Q(**{field: self.filters.team}) if self.filters.team else Q()

    def days_q(self, field: str = "day") -> Q:
        return Q(**{f"{field}__gte": self.filters.date_from, f"{field}__lte": self.filters.date_to})

    def moments_q(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.filters.start, f"{field}__lt": self.filters.end})

    def base(self, field: str = "course_iri", day: str = "day") -> Q:
        return self.courses_q(field) & self.team_q() & self.days_q(day)

    @cached_property
    def course_titles(self) -> dict[str, str]:
        return {activity_iri("course", course.activity_id): course.title for course in self.scope.courses}

    @cached_property
    def lessons(self) -> list[Any]:
        """The chosen course's live lessons in order (one query)."""
        from courses.models import LessonPage

        if self.course is None:
            return []
        return list(LessonPage.objects.child_of(self.course).live().order_by("path").only("pk", "title", "activity_id"))

    @cached_property
    def lesson_titles(self) -> dict[str, str]:
        if self.lesson is not None:
            return {self.lesson_iri: self.lesson.title}
        return {
            activity_iri("lesson", lesson.activity_id): f"{number}. {lesson.title}"
            for number, lesson in enumerate(self.lessons, start=1)
        }

    def days(self) -> list[date]:
        span = (self.filters.date_to - self.filters.date_from).days
        return [self.filters.date_from + timedelta(days=offset) for offset in range(span + 1)]


def insights_query(*, viewer: Any, filters: Filters, lesson: Any = None, all_rows: bool = False) -> InsightsQuery:
    """The entry point: raises PermissionDenied unless the viewer may see these dashboards and this course.

    all_rows: for a CSV, every row of a chart, not only those its page's data table shows.
    """
    scope = dashboard_scope(viewer)
    if scope is None:
        raise PermissionDenied("Dashboards are for Analysts and the authors of a course.")
    if filters.course is not None and not scope.allows(filters.course):
        raise PermissionDenied("You can see insights for the courses you can edit.")
    return InsightsQuery(viewer=viewer, scope=scope, filters=filters, lesson=lesson, all_rows=all_rows)


def fill_state() -> AggregateFillState | None:
    return AggregateFillState.objects.filter(name="statements").first()


def team_choices() -> list[str]:
    from accounts.models import User

    return list(User.objects.exclude(team="").order_by("team").values_list("team", flat=True).distinct())


def _people(user_ids: set[int]) -> dict[int, str]:
    from accounts.models import User

    if not user_ids:
        return {}
    return {
        user.pk: user.display_name
        for user in User.objects.filter(pk__in=user_ids).only("pk", "username", "first_name", "last_name")
    }


def _person(names: dict[int, str], user_id: int | None, key: str) -> str:
    if user_id and user_id in names:
        return names[user_id]
    return "Someone outside Guild" if key.startswith(("mbox", "openid", "account")) else key


def _pct(part: float, whole: float) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


# --- Overview -------------------------------------------------------------------------------------------


# Distinct people per day, per week and per course over the period's ActiveDay rows. {rows} is the ORM's own
# filtered SELECT of (day, week, course_iri, actor_key), run with its own parameters. Both statements first
# reduce the rows to distinct (grain, person) pairs with GROUP BYs a database can hash, then count the pairs.
# PostgreSQL: one scan with grouping sets. Elsewhere: the rows once in a CTE, grouped three times.
_ACTIVE_COUNTS_SQL = {
    "postgresql": """
SELECT grain, COALESCE(day, week), course_iri, COUNT(*) FROM (
    SELECT CASE WHEN GROUPING(day) = 0 THEN 'day' WHEN GROUPING(week) = 0 THEN 'week' ELSE 'course' END AS grain,
           day, week, course_iri
    FROM ({rows}) AS active (day, week, course_iri, actor_key)
    GROUP BY GROUPING SETS ((day, actor_key), (week, actor_key), (course_iri, actor_key))
) AS pairs
GROUP BY grain, day, week, course_iri
""",
    "default": """
WITH active (day, week, course_iri, actor_key) AS ({rows})
SELECT 'day', day, NULL, COUNT(*) FROM (SELECT DISTINCT day, actor_key FROM active) AS pairs GROUP BY day
UNION ALL
SELECT 'week', week, NULL, COUNT(*) FROM (SELECT DISTINCT week, actor_key FROM active) AS pairs GROUP BY week
UNION ALL
SELECT 'course', NULL, course_iri, COUNT(*) FROM (SELECT DISTINCT course_iri, actor_key FROM active) AS pairs
GROUP BY course_iri
""",
}


def _active_learners(query: InsightsQuery) -> dict[str, dict[Any, int]]:
    """Distinct active learners per day, per week and per course in the period: one statement, one scan.

    COUNT(DISTINCT actor_key) three times meant three scans of every ActiveDay row in the period, each
    sorting long actor keys (the slowest part of the overview). Same numbers, about half the time.
    """
    if "active" not in query.cache:
        rows = ActiveDay.objects.filter(query.base(), count__gt=0).values_list("day", "week", "course_iri", "actor_key")
        counts: dict[str, dict[Any, int]] = {"day": {}, "week": {}, "course": {}}
        try:
            inner, params = rows.query.sql_with_params()
        except EmptyResultSet:  # a filter that matches nothing (e.g. no course in scope): no query at all
            query.cache["active"] = counts
            return counts
        sql = _ACTIVE_COUNTS_SQL.get(connection.vendor, _ACTIVE_COUNTS_SQL["default"]).format(rows=inner)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for grain, day, course_iri, n in cursor.fetchall():
                counts[grain][course_iri if grain == "course" else _db_date(day)] = n
        query.cache["active"] = counts
    return query.cache["active"]


def _db_date(value: Any) -> date:
    """A date from a raw cursor: a date on PostgreSQL, ISO text on SQLite (no converters outside the ORM)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def active_learners_daily(query: InsightsQuery) -> Chart:
    counts = _active_learners(query)["day"]
    return Chart(
        key="active-daily",
        title="Active learners per day",
        description="People who did anything in a course that day (reading, answering, posting, rating…).",
        kind="line",
        columns=["Day", "Active learners"],
        rows=[[day.isoformat(), counts.get(day, 0)] for day in query.days()],
    )


def active_learners_weekly(query: InsightsQuery) -> Chart:
    counts = _active_learners(query)["week"]
    return Chart(
        key="active-weekly",
        title="Active learners per week",
        description="Each person counted once per week (weeks start on Monday; the first and last may be partial).",
        kind="bar",
        columns=["Week starting", "Active learners"],
        rows=[[week.isoformat(), counts[week]] for week in sorted(counts)],
    )


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def _daily_verbs(query: InsightsQuery) -> list[tuple[date, str, str, int]]:
    """(day, verb, object kind, statements) in the period: one query for the overview's count charts."""
    if "daily_verbs" not in query.cache:
        query.cache["daily_verbs"] = list(
            DailyCount.objects.filter(query.base())
            .values("day", "verb", "kind")
            .annotate(n=Sum("count"))
            .values_list("day", "verb", "kind", "n")
        )
    return query.cache["daily_verbs"]


def enrolments_completions(query: InsightsQuery) -> Chart:
    table: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for day, verb, kind, n in _daily_verbs(query):
        if kind == "course" and verb in (xapi.REGISTERED.iri, xapi.COMPLETED.iri):
            table[day][0 if verb == xapi.REGISTERED.iri else 1] += n or 0
    return Chart(
        key="enrolments",
        title="Enrolments and course completions per day",
        description="Voided statements are subtracted.",
        kind="bar",
        columns=["Day", "Enrolments", "Course completions"],
        rows=[[day.isoformat(), *table.get(day, [0, 0])] for day in query.days()],
        series=(1, 2),
    )


def statements_per_verb(query: InsightsQuery) -> Chart:
    totals: dict[str, int] = defaultdict(int)
    by_week: list[tuple[date, str, int]] = []
    for day, verb, _kind, n in _daily_verbs(query):
        totals[verb] += n or 0
        by_week.append((day - timedelta(days=day.weekday()), verb, n or 0))
    verbs = [verb for verb, total in sorted(totals.items(), key=lambda item: (-item[1], item[0])) if total][:8]
    others = len(totals) > len(verbs)
    weeks: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for week, verb, n in by_week:
        weeks[week][verb if verb in verbs else "other"] += n
    names = [_verb_name(verb) for verb in verbs] + (["other verbs"] if others else [])
    keys = [*verbs, *(["other"] if others else [])]
    return Chart(
        key="verbs",
        title="Statements per verb, per week",
        description="The eight most frequent verbs; the rest are summed as “other verbs”. Weeks start on Monday.",
        kind="bar",
        columns=["Week starting", *names],
        rows=[[week.isoformat(), *(weeks[week][key] for key in keys)] for week in sorted(weeks)],
        series=tuple(range(1, len(keys) + 1)),
        stacked=True,
    )


def _verb_name(iri: str) -> str:
    verb = xapi.verb_by_iri(iri)
    return verb.display if verb else iri.rstrip("/").rsplit("/", 1)[-1]


def top_courses(query: InsightsQuery) -> Chart:
    active = {iri: n for iri, n in _active_learners(query)["course"].items() if iri}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for course_iri, verb, n in (
        DailyCount.objects.filter(query.base(), kind="course", verb__in=[xapi.REGISTERED.iri, xapi.COMPLETED.iri])
        .values("course_iri", "verb")
        .annotate(n=Sum("count"))
        .values_list("course_iri", "verb", "n")
    ):
        counts[course_iri][0 if verb == xapi.REGISTERED.iri else 1] += n or 0
    iris = sorted(set(active) | set(counts), key=lambda iri: (-active.get(iri, 0), -counts[iri][0], iri))[:10]
    return Chart(
        key="top-courses",
        title="Top courses",
        description="By active learners in the period, with enrolments and completions.",
        kind="hbar",
        columns=["Course", "Active learners", "Enrolments", "Course completions"],
        rows=[[query.course_titles.get(iri, iri), active.get(iri, 0), *counts[iri]] for iri in iris],
        series=(1, 2, 3),
    )


OVERVIEW: dict[str, Callable[[InsightsQuery], Chart]] = {
    "active-daily": active_learners_daily,
    "active-weekly": active_learners_weekly,
    "enrolments": enrolments_completions,
    "verbs": statements_per_verb,
    "top-courses": top_courses,
}


# --- Course ---------------------------------------------------------------------------------------------


def _cohort(query: InsightsQuery):
    """Learners who enrolled in the chosen course in the period (and are in the team, if one is chosen)."""
    return LearnerCourse.objects.filter(
        query.courses_q(), query.team_q(), query.moments_q("enrolled_at"), registered__gt=0
    )


def _cohort_progress(query: InsightsQuery) -> list[tuple[str, int, int, int]]:
    """(actor, course completions, lessons opened, lessons completed) per learner of the cohort: one query."""
    if "cohort" not in query.cache:
        lessons = LearnerLesson.objects.filter(
            course_iri=query.course_iri, actor_key=OuterRef("actor_key"), lesson_iri__in=list(query.lesson_titles)
        ).values("actor_key")
        opened = lessons.filter(Q(viewed__gt=0) | Q(completed__gt=0)).annotate(n=Count("id")).values("n")
        done = lessons.filter(completed__gt=0).annotate(n=Count("id")).values("n")
        query.cache["cohort"] = list(
            _cohort(query)
            .annotate(opened=Coalesce(Subquery(opened), 0), done=Coalesce(Subquery(done), 0))
            .values_list("actor_key", "completed", "opened", "done")
        )
    return query.cache["cohort"]


def funnel(query: InsightsQuery) -> Chart:
    """Enrolled → started (opened a lesson) → halfway (completed ≥ 50% of the live lessons) → completed.

    Each stage is a subset of the one before, over the learners who enrolled in the period.
    """
    cohort = _cohort_progress(query)
    lessons = len(query.lesson_titles)
    half = (lessons + 1) // 2
    started = [row for row in cohort if row[2] > 0]
    halfway = [row for row in started if lessons and row[3] >= half]
    completed = [row for row in halfway if row[1] > 0]
    enrolled = len(cohort)
    stages = [("Enrolled", enrolled), ("Started", len(started)), ("Halfway", len(halfway)),
              ("Completed", len(completed))]  # fmt: skip
    return Chart(
        key="funnel",
        title="Completion funnel",
        description=(
            "Learners who enrolled in the period: how many opened a lesson, completed at least half of the "
            f"{lessons} lessons, and completed the course."
        ),
        kind="hbar",
        columns=["Stage", "Learners", "% of enrolled"],
        rows=[[stage, n, _pct(n, enrolled)] for stage, n in stages] if enrolled else [],
    )


def completions_over_time(query: InsightsQuery) -> Chart:
    counts = dict(
        DailyCount.objects.filter(query.base(), kind="course", verb=xapi.COMPLETED.iri)
        .values("day")
        .annotate(n=Sum("count"))
        .values_list("day", "n")
    )
    total = 0
    rows = []
    for day in query.days():
        total += counts.get(day, 0) or 0
        rows.append([day.isoformat(), counts.get(day, 0) or 0, total])
    return Chart(
        key="completions",
        title="Course completions over time",
        description="Per day, and the running total over the period.",
        kind="line",
        columns=["Day", "Completions", "Running total"],
        rows=rows,
        series=(1, 2),
    )


def _lesson_progress(query: InsightsQuery) -> dict[str, tuple[int, int, float]]:
    """Per lesson, over the period's enrolled learners: opened, completed, seconds spent (one query, cached)."""
    if "lesson_progress" not in query.cache:
        query.cache["lesson_progress"] = _lesson_progress_query(query)
    return query.cache["lesson_progress"]


def _lesson_progress_query(query: InsightsQuery) -> dict[str, tuple[int, int, float]]:
    return {
        lesson_iri: (viewed, completed, seconds or 0.0)
        for lesson_iri, viewed, completed, seconds in LearnerLesson.objects.filter(
            course_iri=query.course_iri, actor_key__in=_cohort(query).values("actor_key")
        )
        .values("lesson_iri")
        .annotate(
            viewed=Count("id", filter=Q(viewed__gt=0) | Q(completed__gt=0)),
            done=Count("id", filter=Q(completed__gt=0)),
            seconds=Sum("duration_seconds", filter=Q(completed__gt=0)),
        )
        .values_list("lesson_iri", "viewed", "done", "seconds")
    }


def _enrolled(query: InsightsQuery) -> int:
    return len(_cohort_progress(query))


def dropoff(query: InsightsQuery) -> Chart:
    progress = _lesson_progress(query)
    enrolled = _enrolled(query)
    rows = []
    links = []
    for lesson, (iri, title) in zip(query.lessons, query.lesson_titles.items(), strict=True):
        viewed, completed, _seconds = progress.get(iri, (0, 0, 0.0))
        rows.append([title, viewed, completed, _pct(completed, enrolled)])
        links.append(reverse("insights_dashboard_lesson", args=[lesson.pk]))
    return Chart(
        key="dropoff",
        title="Lesson-by-lesson drop-off",
        description="Of the learners who enrolled in the period: how many opened and completed each lesson.",
        kind="bar",
        columns=["Lesson", "Opened", "Completed", "% of enrolled who completed"],
        rows=rows if enrolled else [],
        series=(1, 2),
        links=links,
    )


def time_spent(query: InsightsQuery) -> Chart:
    progress = _lesson_progress(query)
    rows = []
    for iri, title in query.lesson_titles.items():
        _viewed, completed, seconds = progress.get(iri, (0, 0, 0.0))
        rows.append([title, round(seconds / completed / 60, 1) if completed else None, completed])
    return Chart(
        key="time-spent",
        title="Time spent per lesson",
        description="Average minutes from first opening a lesson to completing it (the completion's duration).",
        kind="bar",
        columns=["Lesson", "Average minutes", "Completions measured"],
        rows=rows if any(row[2] for row in rows) else [],
    )


def knowledge_checks(query: InsightsQuery) -> Chart:
    lesson_q = Q(lesson_iri=query.lesson_iri) if query.lesson_iri else Q()
    rows = list(
        CheckOutcome.objects.filter(query.base(), lesson_q)
        .values("question_iri", "lesson_iri")
        .annotate(attempts=Sum("attempts"), successes=Sum("successes"), name=Max("name"))
        .values_list("question_iri", "lesson_iri", "attempts", "successes", "name")
    )
    names = {row[0]: row[4] for row in rows if row[4]}
    rows = [row[:4] for row in rows]
    order = {iri: index for index, iri in enumerate(query.lesson_titles)}
    rows.sort(key=lambda row: (order.get(row[1], len(order)), names.get(row[0], row[0])))
    return Chart(
        key="checks",
        title="Knowledge-check success per question",
        description="Share of answers that were right (learners may try again; every attempt counts).",
        kind="hbar",
        columns=["Question", "Lesson", "Attempts", "Right", "% right"],
        rows=[
            [names.get(iri, iri), query.lesson_titles.get(lesson, ""), attempts, successes, _pct(successes, attempts)]
            for iri, lesson, attempts, successes in rows
            if attempts
        ],
        series=(4,),
    )


def ratings_per_lesson(query: InsightsQuery) -> Chart:
    counts = {
        iri: (n, average)
        for iri, n, average in RatingFact.objects.filter(query.courses_q(), query.team_q(), query.moments_q("rated_at"))
        .values("lesson_iri")
        .annotate(n=Count("id"), average=Sum("score"))
        .values_list("lesson_iri", "n", "average")
    }
    rows = [
        [title, counts[iri][0], round(counts[iri][1] / counts[iri][0], 2)]
        for iri, title in query.lesson_titles.items()
        if iri in counts and counts[iri][0]
    ]
    return Chart(
        key="ratings",
        title="Average rating per lesson",
        description="Each learner's latest rating (1–5) given in the period.",
        kind="bar",
        columns=["Lesson", "Ratings", "Average rating"],
        rows=rows,
        series=(2,),
    )


def _threads(query: InsightsQuery):
    return ThreadFact.objects.filter(
        query.courses_q(), query.team_q("asker_team"), query.moments_q("posted_at"), voided=False
    ).exclude(asker_key="")


def _thread_counts(query: InsightsQuery) -> dict[str, tuple[int, int, int]]:
    """Per lesson: questions asked, answered, with an accepted answer (one query for both charts).

    Counted by the database: loading every thread of the period to count it in Python cost more than
    the rest of the course dashboard together.
    """
    if "threads" not in query.cache:
        query.cache["threads"] = {
            lesson_iri: (asked, answered, accepted)
            for lesson_iri, asked, answered, accepted in _threads(query)
            .values("lesson_iri")
            .annotate(
                asked=Count("id"),
                answered=Count("id", filter=Q(first_answer_at__isnull=False)),
                accepted=Count("id", filter=Q(accepted_at__isnull=False)),
            )
            .values_list("lesson_iri", "asked", "answered", "accepted")
        }
    return query.cache["threads"]


def _median_hours_to_answer(query: InsightsQuery, answered: int) -> float | None:
    """The median wait of the `answered` questions, from the one or two middle ones in wait order (one query).

    The database orders by the exact wait; the hours are computed as before, so the result is identical to
    the median over every wait.
    """
    if not answered:
        return None
    middle = (
        _threads(query)
        .filter(first_answer_at__isnull=False)
        .annotate(wait=F("first_answer_at") - F("posted_at"))
        .order_by("wait", "id")
        .values_list("posted_at", "first_answer_at")[(answered - 1) // 2 : answered // 2 + 1]
    )
    waits = [(first_answer - posted).total_seconds() / 3600 for posted, first_answer in middle]
    return round(statistics.median(waits), 1)


def questions(query: InsightsQuery) -> Chart:
    per_lesson = _thread_counts(query)
    rows = [
        [title, per_lesson[iri][0], per_lesson[iri][1], per_lesson[iri][0] - per_lesson[iri][1], per_lesson[iri][2]]
        for iri, title in query.lesson_titles.items()
        if iri in per_lesson
    ]
    return Chart(
        key="questions",
        title="Questions asked and answered, per lesson",
        description="Threads started in the period; answered = someone other than the asker replied.",
        kind="bar",
        columns=["Lesson", "Asked", "Answered", "Unanswered now", "Accepted answer"],
        rows=rows,
        series=(2, 3),
        stacked=True,
    )


def questions_summary(query: InsightsQuery) -> Chart:
    counts = _thread_counts(query).values()
    asked = sum(row[0] for row in counts)
    answered = sum(row[1] for row in counts)
    median = _median_hours_to_answer(query, answered)
    return Chart(
        key="questions-summary",
        title="Questions at a glance",
        description="Median time to first answer counts only answered questions.",
        kind="table",
        columns=["Measure", "Value"],
        rows=[
            ["Questions asked", asked],
            ["Answered", answered],
            ["Unanswered now", asked - answered],
            ["Median hours to first answer", median],
        ]
        if asked
        else [],
    )


COURSE: dict[str, Callable[[InsightsQuery], Chart]] = {
    "funnel": funnel,
    "completions": completions_over_time,
    "dropoff": dropoff,
    "time-spent": time_spent,
    "checks": knowledge_checks,
    "ratings": ratings_per_lesson,
    "questions": questions,
    "questions-summary": questions_summary,
}


# --- Lesson in context ----------------------------------------------------------------------------------


def _block_label(number: int, block: Any) -> str:
    value = block.value
    text = ""
    if block.block_type == "knowledge_check":
        text = value.get("question", "")
    elif isinstance(value, str):
        text = value
    elif hasattr(value, "source"):
        text = value.source
    elif isinstance(value, dict):
        text = next((str(v) for v in value.values() if isinstance(v, str) and v), "")
    from django.utils.html import strip_tags

    snippet = " ".join(strip_tags(str(text)).split())[:60]
    kind = block.block_type.replace("_", " ")
    return f"{number}. {kind}: {snippet}" if snippet else f"{number}. {kind}"


def confusion(query: InsightsQuery) -> Chart:
    """Per block: notes, threads started from it, flags on those threads, failed checks, low ratings naming it."""
    lesson = query.lesson
    signals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for block_id, kind, n in (
        BlockSignal.objects.filter(query.team_q(), query.days_q(), lesson_iri=query.lesson_iri)
        .values("block_id", "kind")
        .annotate(n=Sum("count"))
        .values_list("block_id", "kind", "n")
    ):
        signals[block_id][kind] += n or 0
    reviews = [review for score, review, _at, _team in _lesson_ratings(query) if score <= LOW_RATING and review]
    rows = []
    for number, block in enumerate(lesson.body, start=1):
        label = _block_label(number, block)
        words = [w.lower() for w in _block_terms(block)]
        low = sum(1 for review in reviews if words and any(w in review.lower() for w in words))
        counts = signals.get(block.id, {})
        row = [label, counts.get(SignalKind.NOTE, 0), counts.get(SignalKind.THREAD, 0), counts.get(SignalKind.FLAG, 0),
               counts.get(SignalKind.FAILED_CHECK, 0), low]  # fmt: skip
        rows.append([*row, sum(row[1:])])
    whole = signals.get("", {})
    if whole:
        row = ["The lesson as a whole", whole.get(SignalKind.NOTE, 0), whole.get(SignalKind.THREAD, 0),
               whole.get(SignalKind.FLAG, 0), whole.get(SignalKind.FAILED_CHECK, 0), 0]  # fmt: skip
        rows.append([*row, sum(row[1:])])
    return Chart(
        key="confusion",
        title="Confusion heat per block",
        description=(
            "Signals anchored to each block of the lesson: notes, questions started from it, flags on those "
            f"questions, failed knowledge checks, and reviews rated {LOW_RATING} or less that mention the block."
        ),
        kind="hbar",
        columns=["Block", "Notes", "Questions", "Flags", "Failed checks", "Low ratings mentioning it", "Total"],
        rows=rows if any(row[-1] for row in rows) else [],
        series=(1, 2, 3, 4, 5),
        stacked=True,
    )


def _block_terms(block: Any) -> list[str]:
    """What a review would quote to mention a block: a heading's or question's text."""
    value = block.value
    if block.block_type == "knowledge_check":
        return [value.get("question", "")] if value.get("question") else []
    if block.block_type == "heading" and isinstance(value, str):
        return [value]
    if isinstance(value, dict) and isinstance(value.get("heading") or value.get("title"), str):
        return [value.get("heading") or value.get("title")]
    return []


def _lesson_ratings(query: InsightsQuery) -> list[tuple[float, str, datetime, str]]:
    """(score, review, rated at, team) for every current rating of the lesson in the period: one query."""
    if "ratings" not in query.cache:
        query.cache["ratings"] = list(
            RatingFact.objects.filter(query.team_q(), query.moments_q("rated_at"), lesson_iri=query.lesson_iri)
            .order_by("score", "-rated_at")
            .values_list("score", "review", "rated_at", "team")
        )
    return query.cache["ratings"]


def rating_distribution(query: InsightsQuery) -> Chart:
    counts: dict[int, int] = defaultdict(int)
    for score, _review, _at, _team in _lesson_ratings(query):
        counts[round(score)] += 1
    rows = [[f"{stars} ★", counts.get(stars, 0)] for stars in range(1, 6)]
    return Chart(
        key="rating-distribution",
        title="Ratings",
        description="Each learner's latest rating of this lesson, given in the period.",
        kind="bar",
        columns=["Rating", "Learners"],
        rows=rows if any(row[1] for row in rows) else [],
    )


def lowest_reviews(query: InsightsQuery) -> Chart:
    rows = [row for row in _lesson_ratings(query) if row[1]][:10]
    return Chart(
        key="lowest-reviews",
        title="Lowest-rated reviews",
        description="The ten lowest ratings that came with a review, newest first among equals.",
        kind="table",
        columns=["Rating", "Review", "Date", "Team"],
        rows=[[score, review, rated_at.date().isoformat(), team] for score, review, rated_at, team in rows],
    )


LESSON: dict[str, Callable[[InsightsQuery], Chart]] = {
    "confusion": confusion,
    "checks": knowledge_checks,
    "rating-distribution": rating_distribution,
    "lowest-reviews": lowest_reviews,
}


# --- Social ---------------------------------------------------------------------------------------------


def _edges(query: InsightsQuery):
    return HelperEdge.objects.filter(query.courses_q(), query.days_q()).filter(
        Q(helper_team=query.filters.team) | Q(asker_team=query.filters.team) if query.filters.team else Q()
    )


# Everything the social charts need from the period's HelperEdge rows, in one statement. {edges} is the ORM's
# filtered SELECT of _EDGE_COLUMNS, run with its own parameters. At scale a period holds tens of thousands of
# (helper, asker) pairs: the database sums and ranks them, and only what a page shows comes back (every pair
# only for the network's CSV). `grouped` sums the rows four ways, tagged as GROUPING() numbers them: 7 per pair,
# 24 per helper's team × asker's team × asker's cohort, 11 per helper and team, 21 per asker and team.
# PostgreSQL does that in one scan with grouping sets; elsewhere it is four GROUP BYs. The result's parts:
#   pair    (helper, asker, answers, accepted): the first {listed} pairs by answers, or every pair
#   pairs   how many pairs there are
#   node    (person, answers given and received): the {people} people with the most
#   edge    the pairs between two of them
#   helper  (helper, people helped, answers, accepted): the {helpers} people who answered most
#   team    (person, team, user id, answers given and received in that team) for everyone the parts name
#   group   (helper's team, asker's team, asker's cohort, answers, accepted), as each row says
# Text ordering uses code points on both databases ({collate}), as Python sorts the same keys.
_EDGE_COLUMNS = ("helper_key", "asker_key", "helper_user_id", "asker_user_id", "helper_team", "asker_team",
                 "asker_cohort", "answers", "accepted")  # fmt: skip
_SOCIAL_GROUPED = {
    "postgresql": """
    SELECT GROUPING(helper_key, asker_key, helper_team, asker_team, asker_cohort) AS grouped_by,
           helper_key, asker_key, helper_team, asker_team, asker_cohort,
           MAX(helper_user_id) AS helper_user_id, MAX(asker_user_id) AS asker_user_id,
           SUM(answers) AS answers, SUM(accepted) AS accepted
    FROM edges
    GROUP BY GROUPING SETS ((helper_key, asker_key), (helper_team, asker_team, asker_cohort),
                            (helper_key, helper_team), (asker_key, asker_team))
""",
    "default": """
    SELECT 7 AS grouped_by, helper_key, asker_key, NULL AS helper_team, NULL AS asker_team, NULL AS asker_cohort,
           NULL AS helper_user_id, NULL AS asker_user_id, SUM(answers) AS answers, SUM(accepted) AS accepted
    FROM edges GROUP BY helper_key, asker_key
    UNION ALL
    SELECT 24, NULL, NULL, helper_team, asker_team, asker_cohort, NULL, NULL, SUM(answers), SUM(accepted)
    FROM edges GROUP BY helper_team, asker_team, asker_cohort
    UNION ALL
    SELECT 11, helper_key, NULL, helper_team, NULL, NULL, MAX(helper_user_id), NULL, SUM(answers), SUM(accepted)
    FROM edges GROUP BY helper_key, helper_team
    UNION ALL
    SELECT 21, NULL, asker_key, NULL, asker_team, NULL, NULL, MAX(asker_user_id), SUM(answers), SUM(accepted)
    FROM edges GROUP BY asker_key, asker_team
""",
}
_SOCIAL_SQL = """
WITH edges ({columns}) AS {inline}({edges}),
grouped AS {materialized}({grouped}),
pairs AS (SELECT helper_key, asker_key, answers, accepted FROM grouped WHERE grouped_by = 7 AND answers > 0),
listed AS (
    SELECT helper_key, asker_key, answers, accepted FROM pairs
    ORDER BY answers DESC, helper_key{collate}, asker_key{collate} {listed}
),
teams (person, team, user_id, answers) AS (
    SELECT helper_key, helper_team, helper_user_id, answers FROM grouped WHERE grouped_by = 11
    UNION ALL
    SELECT asker_key, asker_team, asker_user_id, answers FROM grouped WHERE grouped_by = 21
),
shown AS (
    SELECT person, CAST(SUM(answers) AS bigint) AS degree FROM teams
    GROUP BY person HAVING SUM(answers) > 0 ORDER BY degree DESC, person{collate} LIMIT {people}
),
helpers AS (
    SELECT helper_key, CAST(SUM(answers) AS bigint) AS answers, CAST(SUM(accepted) AS bigint) AS accepted,
           COUNT(*) AS helped
    FROM pairs
    GROUP BY helper_key ORDER BY answers DESC, accepted DESC, helper_key{collate} LIMIT {helpers}
)
SELECT 'pair', helper_key, asker_key, {no_text}, {no_int}, answers, accepted FROM listed
UNION ALL
SELECT 'pairs', {no_text}, {no_text}, {no_text}, {no_int}, COUNT(*), {no_int} FROM pairs
UNION ALL
SELECT 'node', person, {no_text}, {no_text}, {no_int}, degree, {no_int} FROM shown
UNION ALL
SELECT 'edge', helper_key, asker_key, {no_text}, {no_int}, answers, accepted FROM pairs
WHERE helper_key IN (SELECT person FROM shown) AND asker_key IN (SELECT person FROM shown)
UNION ALL
SELECT 'helper', helper_key, {no_text}, {no_text}, helped, answers, accepted FROM helpers
UNION ALL
SELECT 'team', person, {no_text}, team, user_id, answers, {no_int} FROM teams
WHERE person IN (SELECT helper_key FROM listed UNION SELECT asker_key FROM listed UNION SELECT person FROM shown
                 UNION SELECT helper_key FROM helpers)
UNION ALL
SELECT 'group', helper_team, asker_team, asker_cohort, {no_int}, answers, accepted
FROM grouped WHERE grouped_by = 24
"""
TOP_HELPERS = 10


class _Pair(NamedTuple):
    helper: str
    asker: str
    answers: int
    accepted: int


@dataclass
class _Social:
    """What the social charts show, as `_social` reads it: small lists, whatever the size of the period."""

    pairs: list[_Pair]  # listed, most answers first
    pair_count: int
    nodes: list[tuple[str, int]]  # (person, answers given and received), most first
    edges: list[_Pair]  # between two nodes, most answers first
    helpers: list[tuple[str, int, int, int]]  # (helper, answers, accepted, people helped), most answers first
    people: dict[str, tuple[str, str]]  # person → (name, team) for everyone above
    groups: list[tuple[str, str, str, int, int]]  # (helper's team, asker's team, asker's cohort, answers, accepted)


def _by_answers(pair: _Pair) -> tuple[int, str, str]:
    return (-pair.answers, pair.helper, pair.asker)


def _social(query: InsightsQuery) -> _Social:
    """One statement (_SOCIAL_SQL) and the names of the people it names: shared by every social chart.

    A person is shown with their team in the period: the one they were in for most of the answers they gave
    or received (people move teams; a pair's rows may name different ones). Team totals and equity count
    each answer in the teams and cohort its own row names.
    """
    if "social" in query.cache:
        return query.cache["social"]
    try:
        edges_sql, params = _edges(query).order_by().values_list(*_EDGE_COLUMNS).query.sql_with_params()
    except EmptyResultSet:
        rows: list[tuple[Any, ...]] = []
    else:
        postgres = connection.vendor == "postgresql"
        sql = _SOCIAL_SQL.format(
            columns=", ".join(_EDGE_COLUMNS),
            edges=edges_sql,
            grouped=_SOCIAL_GROUPED["postgresql" if postgres else "default"],
            inline="NOT MATERIALIZED " if postgres else "",
            materialized="MATERIALIZED " if postgres else "",
            collate=' COLLATE "C"' if postgres else "",
            listed="" if query.all_rows else f"LIMIT {TABLE_ROWS}",
            people=NETWORK_PEOPLE,
            helpers=TOP_HELPERS,
            no_int="CAST(NULL AS bigint)",
            no_text="CAST(NULL AS varchar)",
        )
        # The grouped rows and their pairs outgrow PostgreSQL's default 4 MB of sort and hash memory at scale
        # and spill to disk (1M statements: 150 → 130 ms); this statement may use more, for its transaction.
        with transaction.atomic() if postgres else nullcontext(), connection.cursor() as cursor:
            if postgres:
                cursor.execute("SET LOCAL work_mem = '32MB'")
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    parts: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for part, *row in rows:
        parts[part].append(row)
    tallies: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    user_ids: dict[str, int] = {}
    for person, _asker, team, user_id, answers, _accepted in parts["team"]:
        tallies[person][team] += answers
        if user_id is not None:
            user_ids[person] = max(user_id, user_ids.get(person, user_id))
    names = _people(set(user_ids.values()))
    people = {
        person: (_person(names, user_ids.get(person), person), max(tally.items(), key=lambda item: item[::-1])[0])
        for person, tally in tallies.items()
    }
    social = _Social(
        pairs=sorted((_Pair(h, a, n, acc) for h, a, _t, _u, n, acc in parts["pair"]), key=_by_answers),
        pair_count=parts["pairs"][0][4] if parts["pairs"] else 0,
        nodes=sorted(((row[0], row[4]) for row in parts["node"]), key=lambda node: (-node[1], node[0])),
        edges=sorted((_Pair(h, a, n, acc) for h, a, _t, _u, n, acc in parts["edge"]), key=_by_answers),
        helpers=sorted(
            ((row[0], row[4], row[5], row[3]) for row in parts["helper"]), key=lambda h: (-h[1], -h[2], h[0])
        ),
        people=people,
        groups=[(row[0], row[1], row[2], row[4], row[5]) for row in parts["group"]],
    )
    query.cache["social"] = social
    return social


def helper_network(query: InsightsQuery) -> Chart:
    """People as nodes (the most connected NETWORK_PEOPLE), "helper answered asker" as edges."""
    social = _social(query)
    degree = dict(social.nodes)
    shown = sorted(degree, key=lambda key: (social.people[key][1], social.people[key][0]))
    teams = sorted({social.people[key][1] for key in shown})
    nodes = []
    for key in shown:
        name, team = social.people[key]
        nodes.append({"key": key, "name": name, "team": team or "No team", "color": teams.index(team) % 9,
                      "size": 4 + min(degree[key], 20) / 2})  # fmt: skip
    circle_layout(nodes)
    position = {node["key"]: node for node in nodes}
    edges = [
        {"from": position[edge.helper], "to": position[edge.asker], "answers": edge.answers,
         "accepted": edge.accepted, "width": min(1 + edge.answers / 2, 6)}
        for edge in social.edges[:NETWORK_EDGES]
    ]  # fmt: skip
    people = social.people
    return Chart(
        key="network",
        title="Who helps whom",
        description=(
            f"An arrow from a helper to the person whose question they answered; thicker = more answers, green = "
            f"an accepted answer. The {NETWORK_PEOPLE} most connected people and the {NETWORK_EDGES} strongest links "
            "between them are drawn; the table lists the pairs with the most answers first, and the CSV has every pair."
        ),
        kind="network",
        columns=["Helper", "Helper's team", "Asker", "Asker's team", "Answers", "Accepted answers"],
        rows=[[*people[p.helper], *people[p.asker], p.answers, p.accepted] for p in social.pairs],
        network={"nodes": nodes, "edges": edges, "teams": [t or "No team" for t in teams]},
        row_count=social.pair_count,
    )


def team_network(query: InsightsQuery) -> Chart:
    """Answers between teams as each answer's row says: someone who moved team counts in the team they were in."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for helper_team, asker_team, _cohort, answers, accepted in _social(query).groups:
        totals[(helper_team, asker_team)][0] += answers
        totals[(helper_team, asker_team)][1] += accepted
    rows = sorted(((key, n) for key, n in totals.items() if n[0] > 0), key=lambda item: (-item[1][0], item[0]))
    return Chart(
        key="team-network",
        title="Who helps whom, between teams",
        description="Answers given by members of one team to questions asked by members of another (or the same).",
        kind="hbar",
        columns=["Between teams", "Helpers' team", "Askers' team", "Answers", "Accepted answers"],
        rows=[
            [f"{h or 'No team'} → {a or 'No team'}", h or "No team", a or "No team", n, acc]
            for (h, a), (n, acc) in rows
        ],  # fmt: skip
        series=(3, 4),
    )


def _posts(query: InsightsQuery) -> list[tuple[str, str, int]]:
    """(team, cohort, posts) in the period: one query for both equity charts."""
    if "posts" not in query.cache:
        query.cache["posts"] = list(
            DailyCount.objects.filter(query.base(), verb=xapi.POSTED.iri)
            .values("team", "cohort")
            .annotate(n=Sum("count"))
            .values_list("team", "cohort", "n")
        )
    return query.cache["posts"]


def _received(query: InsightsQuery, by_team: bool) -> dict[str, int]:
    """Answers received, by the asker's team or cohort (with a team filter: that team's askers only)."""
    received: dict[str, int] = defaultdict(int)
    for _helper_team, asker_team, cohort, answers, _accepted in _social(query).groups:
        if query.filters.team and asker_team != query.filters.team:
            continue
        received[asker_team if by_team else cohort] += answers
    return received


def _equity_chart(
    *,
    key: str,
    title: str,
    description: str,
    group_label: str,
    groups: list[tuple[str, str]],
    posts: dict[str, int],
    received: dict[str, int],
) -> Chart:
    """Posts written and answers received per group, as counts and shares of the whole."""
    total_posts, total_received = sum(posts.values()), sum(received.values())
    rows = [
        [label, posts.get(value) or 0, _pct(posts.get(value) or 0, total_posts), received.get(value) or 0,
         _pct(received.get(value) or 0, total_received)]
        for value, label in groups
    ]  # fmt: skip
    return Chart(
        key=key,
        title=title,
        description=description,
        kind="bar",
        columns=[group_label, "Posts", "% of posts", "Answers received", "% of answers received"],
        rows=rows if total_posts or total_received else [],
        series=(2, 4),
    )


def equity_by_team(query: InsightsQuery) -> Chart:
    posts: dict[str, int] = defaultdict(int)
    for team, _cohort, n in _posts(query):
        posts[team] += n or 0
    received = _received(query, by_team=True)
    teams = sorted(set(posts) | set(received), key=lambda t: (-(posts.get(t) or 0), t))
    return _equity_chart(
        key="equity-team",
        title="Participation by team",
        description=(
            "Share of all posts (threads and replies) written by each team, and of the answers its members received."
        ),
        group_label="Team",
        groups=[(team, team or "No team") for team in teams],
        posts=posts,
        received=received,
    )


def equity_by_cohort(query: InsightsQuery) -> Chart:
    posts: dict[str, int] = defaultdict(int)
    for _team, cohort, n in _posts(query):
        posts[cohort] += n or 0
    return _equity_chart(
        key="equity-cohort",
        title="Participation: new vs established learners",
        description=(
            "New = first seen in Guild less than 30 days before the post or question. Shares of posts written and of "
            "answers received."
        ),
        group_label="Learners",
        groups=list(Cohort.choices),
        posts=posts,
        received=_received(query, by_team=False),
    )


def first_time_posters(query: InsightsQuery) -> Chart:
    facts = LearnerFact.objects.filter(query.team_q(), query.moments_q("first_posted_at"))
    if not query.scope.everything or query.course_iri:
        facts = facts.filter(actor_key__in=ActiveDay.objects.filter(query.courses_q()).values("actor_key"))
    rows = list(
        facts.annotate(month=TruncMonth("first_posted_at"))
        .values("month")
        .annotate(n=Count("actor_key"))
        .order_by("month")
        .values_list("month", "n")
    )
    return Chart(
        key="first-posters",
        title="First-time posters per month",
        description="People whose first thread or reply anywhere in Guild was written that month.",
        kind="bar",
        columns=["Month", "First-time posters"],
        rows=[[_as_date(month).strftime("%Y-%m"), n] for month, n in rows],
    )


def first_posters_this_month(query: InsightsQuery) -> int:
    today = timezone.now().astimezone(UTC)
    start = datetime(today.year, today.month, 1, tzinfo=UTC)
    facts = LearnerFact.objects.filter(query.team_q(), first_posted_at__gte=start)
    if not query.scope.everything or query.course_iri:
        facts = facts.filter(actor_key__in=ActiveDay.objects.filter(query.courses_q()).values("actor_key"))
    return facts.count()


def top_helpers(query: InsightsQuery) -> Chart:
    social = _social(query)
    rows = []
    for helper, answers, accepted, helped in social.helpers:
        name, team = social.people[helper]
        rows.append([name, team or "No team", answers, accepted, helped])
    return Chart(
        key="top-helpers",
        title="Top helpers",
        description="Replies to other people's questions, accepted answers, and how many different people they helped.",
        kind="hbar",
        columns=["Person", "Team", "Answers", "Accepted answers", "People helped"],
        rows=rows,
        series=(2, 3),
    )


def routed_outcomes(query: InsightsQuery) -> Chart:
    routed = ThreadFact.objects.filter(
        query.courses_q(), query.team_q("asker_team"), query.moments_q("routed_at"), voided=False
    )
    counts = routed.aggregate(
        total=Count("id"),
        by_routed=Count("id", filter=Q(routed_answered_at__isnull=False)),
        by_other=Count("id", filter=Q(routed_answered_at__isnull=True, first_answer_at__isnull=False)),
        accepted=Count("id", filter=Q(accepted_at__isnull=False)),
        answered_after=Count("id", filter=Q(first_answer_at__gte=F("routed_at"))),
    )
    total = counts["total"]
    unanswered = total - counts["by_routed"] - counts["by_other"]
    rows = [
        ["Answered by the person it was routed to", counts["by_routed"], _pct(counts["by_routed"], total)],
        ["Answered by someone else", counts["by_other"], _pct(counts["by_other"], total)],
        ["Still unanswered", unanswered, _pct(unanswered, total)],
        ["Answer accepted", counts["accepted"], _pct(counts["accepted"], total)],
    ]
    return Chart(
        key="routed",
        title="Routed questions and their outcome",
        description="Unanswered questions Guild routed to someone who may know, routed in the period.",
        kind="hbar",
        columns=["Outcome", "Questions", "% of routed"],
        rows=rows if total else [],
    )


SOCIAL: dict[str, Callable[[InsightsQuery], Chart]] = {
    "network": helper_network,
    "team-network": team_network,
    "equity-team": equity_by_team,
    "equity-cohort": equity_by_cohort,
    "first-posters": first_time_posters,
    "top-helpers": top_helpers,
    "routed": routed_outcomes,
}

DASHBOARDS: dict[str, dict[str, Callable[[InsightsQuery], Chart]]] = {
    "overview": OVERVIEW,
    "course": COURSE,
    "lesson": LESSON,
    "social": SOCIAL,
}


def dashboard_charts(query: InsightsQuery, dashboard: str) -> list[Chart]:
    return [build(query) for build in DASHBOARDS[dashboard].values()]
