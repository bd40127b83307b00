"""The dashboards' numbers, exactly, for known activity recorded through the services (see conftest)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from insights.dashboards import selectors
from insights.dashboards.selectors import Filters, insights_query

pytestmark = pytest.mark.django_db


def query(viewer, *, course=None, team="", lesson=None):
    default = Filters.default()
    filters = Filters(date_from=default.date_from, date_to=default.date_to, course=course, team=team)
    return insights_query(viewer=viewer, filters=filters, lesson=lesson)


def rows(chart):
    return [list(row) for row in chart.rows]


def test_funnel_counts_each_stage_as_a_subset_of_the_one_before(activity, analyst):
    chart = selectors.funnel(query(analyst, course=activity.course))
    assert rows(chart) == [
        ["Enrolled", 5, 100.0],
        ["Started", 4, 80.0],
        ["Halfway", 2, 40.0],
        ["Completed", 1, 20.0],
    ]


def test_funnel_by_team(activity, analyst):
    chart = selectors.funnel(query(analyst, course=activity.course, team="Ops"))
    assert rows(chart) == [["Enrolled", 3, 100.0], ["Started", 2, 66.7], ["Halfway", 0, 0.0], ["Completed", 0, 0.0]]


def test_dropoff_per_lesson_and_links_to_the_lesson_dashboards(activity, analyst):
    chart = selectors.dropoff(query(analyst, course=activity.course))
    assert rows(chart) == [
        ["1. Meetings lesson 1", 4, 4, 80.0],
        ["2. Meetings lesson 2", 3, 2, 40.0],
        ["3. Meetings lesson 3", 2, 1, 20.0],
        ["4. Meetings lesson 4", 1, 1, 20.0],
    ]
    assert chart.links[0] == f"/admin/insights/lessons/{activity.lessons[0].pk}/"


def test_knowledge_checks_and_ratings(activity, analyst):
    checks = selectors.knowledge_checks(query(analyst, course=activity.course))
    assert rows(checks) == [["Question of lesson 1?", "1. Meetings lesson 1", 3, 1, 33.3]]
    ratings = selectors.ratings_per_lesson(query(analyst, course=activity.course))
    assert rows(ratings) == [["1. Meetings lesson 1", 2, 3.5]]


def test_questions_answered_and_unanswered(activity, analyst):
    summary = selectors.questions_summary(query(analyst, course=activity.course))
    assert [row[:2] for row in summary.rows[:3]] == [["Questions asked", 3], ["Answered", 2], ["Unanswered now", 1]]
    assert summary.rows[3][1] is not None
    assert summary.rows[3][1] >= 0
    per_lesson = selectors.questions(query(analyst, course=activity.course))
    assert rows(per_lesson) == [["1. Meetings lesson 1", 3, 2, 1, 1]]


def test_helper_graph_between_people_and_teams(activity, analyst):
    network = selectors.helper_network(query(analyst))
    assert sorted(rows(network)) == sorted(
        [
            ["Bob Tester", "Sales", "Ann Tester", "Sales", 1, 1],
            ["Cat Tester", "Ops", "Ann Tester", "Sales", 1, 0],
            ["Bob Tester", "Sales", "Cat Tester", "Ops", 1, 0],
        ]
    )
    assert {node["name"] for node in network.network["nodes"]} == {"Ann Tester", "Bob Tester", "Cat Tester"}
    assert len(network.network["edges"]) == 3
    teams = selectors.team_network(query(analyst))
    assert sorted(rows(teams)) == sorted(
        [
            ["Ops → Sales", "Ops", "Sales", 1, 0],
            ["Sales → Ops", "Sales", "Ops", 1, 0],
            ["Sales → Sales", "Sales", "Sales", 1, 1],
        ]
    )
    helpers = selectors.top_helpers(query(analyst))
    assert rows(helpers) == [["Bob Tester", "Sales", 2, 1, 2], ["Cat Tester", "Ops", 1, 0, 1]]


def test_participation_equity(activity, analyst):
    by_team = selectors.equity_by_team(query(analyst))
    assert rows(by_team) == [["Sales", 4, 66.7, 2, 66.7], ["Ops", 2, 33.3, 1, 33.3]]
    by_cohort = selectors.equity_by_cohort(query(analyst))
    assert rows(by_cohort) == [["New learners", 6, 100.0, 3, 100.0], ["Established learners", 0, 0.0, 0, 0.0]]
    assert selectors.first_posters_this_month(query(analyst)) == 3


def test_overview(activity, analyst):
    q = query(analyst)
    today = q.filters.date_to.isoformat()
    assert selectors.active_learners_daily(q).rows[-1] == [today, 5]
    assert selectors.enrolments_completions(q).rows[-1] == [today, 5, 1]
    top = selectors.top_courses(q)
    assert rows(top) == [["Running effective meetings", 5, 5, 1]]
    verbs = selectors.statements_per_verb(q)
    assert "registered" in verbs.columns
    assert sum(verbs.rows[-1][1:]) > 0


def test_lesson_confusion_per_block(activity, analyst):
    lesson = activity.lessons[0]
    chart = selectors.confusion(query(analyst, lesson=lesson))
    by_label = {row[0].split(":")[0]: row[1:] for row in chart.rows}
    # Block 3 is the knowledge check: a question started from it, two failed answers, one low review naming it.
    assert by_label["3. knowledge check"] == [0, 1, 0, 2, 1, 4]
    assert by_label["The lesson as a whole"] == [0, 2, 0, 0, 0, 2]
    reviews = selectors.lowest_reviews(query(analyst, lesson=lesson))
    assert [row[:2] for row in reviews.rows] == [[2.0, "The question of lesson 1? confused me"], [5.0, "Great"]]
    distribution = selectors.rating_distribution(query(analyst, lesson=lesson))
    assert rows(distribution) == [["1 ★", 0], ["2 ★", 1], ["3 ★", 0], ["4 ★", 0], ["5 ★", 1]]


def test_date_range_excludes_other_days(activity, analyst):
    default = Filters.default()
    before = Filters(
        date_from=default.date_from - timedelta(days=30),
        date_to=default.date_from - timedelta(days=1),
        course=activity.course,
    )
    q = insights_query(viewer=analyst, filters=before)
    assert selectors.funnel(q).rows == []
    assert selectors.helper_network(q).rows == []


def test_dense_helper_network_draws_the_strongest_links_and_lists_every_pair(analyst):
    """13 people who all helped each other: 156 pairs listed, the 72 with most answers drawn, snapshots merged."""
    from django.utils import timezone

    from insights.models import HelperEdge

    today = timezone.now().date()
    keys = [f"mbox:mailto:p{n:02d}@example.org" for n in range(13)]
    pairs = [(helper, asker) for helper in keys for asker in keys if helper != asker]
    HelperEdge.objects.bulk_create(
        HelperEdge(day=today, helper_key=helper, asker_key=asker, helper_team="T", asker_team="T", answers=1 + index)
        for index, (helper, asker) in enumerate(pairs)
    )
    # The weakest pair again, a day earlier as an established learner: its answers add up (1 + 500).
    HelperEdge.objects.create(day=today - timedelta(days=1), helper_key=pairs[0][0], asker_key=pairs[0][1],
                              asker_cohort="established", answers=500, accepted=2)  # fmt: skip

    network = selectors.helper_network(query(analyst))

    assert len(network.rows) == 156
    assert network.rows[0][4:] == [501, 2]
    assert [row[4] for row in network.rows[1:]] == list(range(156, 1, -1))
    edges = network.network["edges"]
    assert len(edges) == selectors.NETWORK_EDGES == 72
    assert [edge["answers"] for edge in edges] == [501, *range(156, 156 - 71, -1)]
    assert sum(row[3] for row in selectors.team_network(query(analyst)).rows) == 501 + sum(range(2, 157))


def test_someone_who_moved_team_shows_with_the_team_of_most_of_their_answers(analyst):
    """Team totals count each answer in the teams its row names; a person is shown with their main team."""
    from django.utils import timezone

    from insights.models import HelperEdge

    today = timezone.now().date()
    mover, asker, other = "mbox:mailto:mover@example.org", "mbox:mailto:asker@example.org", "mbox:mailto:o@example.org"
    HelperEdge.objects.bulk_create(
        [
            # The mover answered once from Sales, then three times from Ops after moving.
            HelperEdge(day=today - timedelta(days=3), helper_key=mover, asker_key=asker, helper_team="Sales",
                       asker_team="Legal", answers=1, accepted=1),
            HelperEdge(day=today, helper_key=mover, asker_key=asker, helper_team="Ops", asker_team="Legal",
                       answers=2),
            HelperEdge(day=today, helper_key=mover, asker_key=other, helper_team="Ops", asker_team="Legal",
                       answers=1, asker_cohort="established"),
        ]
    )  # fmt: skip

    network = selectors.helper_network(query(analyst))
    assert rows(network) == [
        ["Someone outside Guild", "Ops", "Someone outside Guild", "Legal", 3, 1],
        ["Someone outside Guild", "Ops", "Someone outside Guild", "Legal", 1, 0],
    ]
    assert all(type(cell) is int for row in network.rows for cell in row[4:])
    assert {node["key"]: node["team"] for node in network.network["nodes"]} == {
        mover: "Ops",
        asker: "Legal",
        other: "Legal",
    }
    assert rows(selectors.team_network(query(analyst))) == [
        ["Ops → Legal", "Ops", "Legal", 3, 0],
        ["Sales → Legal", "Sales", "Legal", 1, 1],
    ]
    assert rows(selectors.top_helpers(query(analyst))) == [["Someone outside Guild", "Ops", 4, 1, 2]]
    by_cohort = selectors.equity_by_cohort(query(analyst))
    assert [row[3] for row in by_cohort.rows] == [3, 1]  # answers received: new, established
    # The team filter keeps rows where either side was in the team: the mover's Sales answer only.
    assert rows(selectors.team_network(query(analyst, team="Sales"))) == [["Sales → Legal", "Sales", "Legal", 1, 1]]


def test_page_lists_the_first_pairs_and_the_csv_every_pair(client, analyst):
    """15 people who all helped each other: 210 pairs; the page's table shows 200 and says so, the CSV has 210."""
    import csv
    import io

    from django.urls import reverse
    from django.utils import timezone

    from insights.dashboards.charts import TABLE_ROWS
    from insights.models import HelperEdge

    today = timezone.now().date()
    keys = [f"mbox:mailto:p{n:02d}@example.org" for n in range(15)]
    pairs = [(helper, asker) for helper in keys for asker in keys if helper != asker]
    HelperEdge.objects.bulk_create(
        HelperEdge(day=today, helper_key=helper, asker_key=asker, answers=1 + index)
        for index, (helper, asker) in enumerate(pairs)
    )
    network = selectors.helper_network(query(analyst))
    assert len(network.rows) == TABLE_ROWS == 200
    assert network.total_rows == 210
    assert [row[4] for row in network.rows] == list(range(210, 10, -1))

    client.force_login(analyst)
    page = client.get(reverse("insights_dashboard_social")).content.decode()
    assert "first 200 of 210 rows" in page
    response = client.get(reverse("insights_dashboard_csv", args=["social", "network"]))
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(lines) == 1 + 210
    assert [int(line[4]) for line in lines[1:]] == list(range(210, 0, -1))
