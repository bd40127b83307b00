"""Known activity, recorded through the real services, for exact dashboard numbers.

Course "Running effective meetings", 4 lessons, each with a paragraph and a knowledge check.
    ann (Sales)  enrols, opens and completes all 4 lessons → completes the course
    bob (Sales)  enrols, opens lessons 1–3, completes 1–2 (half of 4)
    cat (Ops)    enrols, opens and completes lesson 1
    eve (Ops)    enrols, opens lessons 1–2, completes lesson 1
    dan (Ops)    enrols, nothing else
Funnel: enrolled 5 → started 4 → halfway 2 → completed 1.
Discussions on lesson 1: ann asks (bob and cat answer, ann accepts bob's); cat asks (bob answers);
bob asks (nobody answers). Helper edges: bob→ann (1, accepted), cat→ann (1), bob→cat (1).
Knowledge check of lesson 1: ann answers wrong then right, cat wrong.
Ratings of lesson 1 (recorded as statements): ann 2 ★ "The agenda check confused me", bob 5 ★.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import GroupPagePermission

from courses import services as courses
from discussions import services as discussions
from insights.dashboards.services import aggregates_fill
from insights.services import statement_record
from insights.xapi import vocabulary as xapi
from insights.xapi.activities import StatementContext, StatementResult
from tests.factories import LessonPageFactory, UserFactory, course_with_lessons, knowledge_check, paragraph


@dataclass
class Activity:
    course: Any
    lessons: list[Any]
    people: dict[str, Any]
    threads: list[Any]
    other_course: Any


def rate(user, lesson, course, score: int, review: str = "") -> None:
    with transaction.atomic():
        statement_record(
            actor=user,
            verb=xapi.RATED,
            object=lesson.xapi_activity(),
            result=StatementResult(
                score_raw=score, score_min=1, score_max=5, score_scaled=(score - 1) / 4, response=review or None
            ),
            context=StatementContext(parent=[course.xapi_activity()]),
        )


def fill() -> None:
    aggregates_fill(lag=timedelta(0))


def build_activity() -> Activity:
    course, _ = course_with_lessons(0, title="Running effective meetings", slug="effective-meetings")
    lessons = [
        LessonPageFactory(
            parent=course,
            title=f"Meetings lesson {n}",
            body=[paragraph(), paragraph(),
                  knowledge_check(question=f"Question of lesson {n}?")],
        )
        for n in range(1, 5)
    ]  # fmt: skip
    other_course, _ = course_with_lessons(1, title="Writing for the web", slug="web-writing")
    people = {
        name: UserFactory(username=name, first_name=name.title(), last_name="Tester", team=team)
        for name, team in (("ann", "Sales"), ("bob", "Sales"), ("cat", "Ops"), ("eve", "Ops"), ("dan", "Ops"))
    }
    for user in people.values():
        courses.enrolment_create(user=user, course=course)
    plan = {"ann": (4, 4), "bob": (3, 2), "cat": (1, 1), "eve": (2, 1), "dan": (0, 0)}
    for name, (opened, completed) in plan.items():
        for lesson in lessons[:opened]:
            courses.lesson_view(user=people[name], lesson=lesson, course=course)
        for lesson in lessons[:completed]:
            courses.lesson_complete(user=people[name], lesson=lesson, course=course)
    check_id = next(block.id for block in lessons[0].body if block.block_type == "knowledge_check")
    courses.knowledge_check_answer(user=people["ann"], lesson=lessons[0], block_id=check_id, choice="a")
    courses.knowledge_check_answer(user=people["ann"], lesson=lessons[0], block_id=check_id, choice="b")
    courses.knowledge_check_answer(user=people["cat"], lesson=lessons[0], block_id=check_id, choice="c")
    ann, bob, cat = people["ann"], people["bob"], people["cat"]
    first = discussions.thread_create(
        author=ann, lesson=lessons[0], kind="question", title="How long should a stand-up be?", body="Asking.",
        block_id=check_id,
    )  # fmt: skip
    reply = discussions.reply_create(author=bob, thread=first, body="Fifteen minutes.")
    discussions.reply_create(author=cat, thread=first, body="Until everyone has spoken once.")
    discussions.answer_accept(user=ann, reply=reply)
    second = discussions.thread_create(
        author=cat, lesson=lessons[0], kind="question", title="Who keeps the notes?", body="Asking too."
    )
    discussions.reply_create(author=bob, thread=second, body="Rotate it.")
    third = discussions.thread_create(
        author=bob, lesson=lessons[0], kind="question", title="Are agendas optional?", body="Curious."
    )
    rate(ann, lessons[0], course, 2, "The question of lesson 1? confused me")
    rate(bob, lessons[0], course, 5, "Great")
    return Activity(course=course, lessons=lessons, people=people, threads=[first, second, third],
                    other_course=other_course)  # fmt: skip


@pytest.fixture
def activity(db) -> Activity:
    built = build_activity()
    fill()
    return built


@pytest.fixture
def analyst(db):
    return UserFactory(username="analyst", groups=["Analysts"])


@pytest.fixture
def author(db):
    return UserFactory(username="author", groups=["Authors"])


def restricted_author(course) -> Any:
    """An author who may edit one course only (a group with page permissions on it alone)."""
    group, _ = Group.objects.get_or_create(name=f"Editors of {course.slug}")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in ("add_page", "change_page"):
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=course,
            permission=Permission.objects.get(codename=codename, content_type__app_label="wagtailcore"),
        )
    return UserFactory(username=f"author-{course.slug}", groups=[group.name])
