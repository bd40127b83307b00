"""Demo "who knows this": score everyone from the seeded activity, and route one waiting question.

The demo learner ("learner", Jordan Ellis) asked a question on the meetings course three days before
the seed's anchor that nobody has answered; routing (through `discussions.services.question_route`,
as the beat task would) has put it in front of the people who know that lesson best and then the
course's authors, so the thread says "Guild has asked N people…" and they have a "You might know
this" notification. Idempotent: the question is made once, routes are once per person, and the
expertise refresh is a projection that recomputes to the same rows.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

import time_machine
from django.test.utils import override_settings

from accounts.models import User
from courses import services as course_services
from courses.models import CoursePage, LessonPage
from discussions import services as discussion_services
from discussions.models import QuestionRoute, Thread
from insights.experts import expertise_refresh
from insights.models import ExpertiseScore

logger = logging.getLogger(__name__)

COURSE = "running-effective-meetings"
LESSON = 1  # "Agendas that do the work"
ASKER = "learner"
TITLE = "How do you stop one agenda item eating the whole meeting?"
BODY = (
    "We timebox every item on the agenda, but there is always one topic that runs over and the last "
    "three items get rushed or dropped. Do you cut the discussion off, park it, or move the rest? "
    "What has actually worked in your team?"
)
ASKED_DAYS_AGO = 3


def seed_experts(anchor: datetime, users: dict[str, User]) -> tuple[Counter[str], str]:
    created: Counter[str] = Counter()
    thread = _waiting_question(anchor, users, created)
    report = expertise_refresh(full=True)
    if thread is not None:
        before = QuestionRoute.objects.filter(thread=thread).count()
        with override_settings(ROUTING_DAILY_CAP=10):
            discussion_services.question_route(thread=thread, now=anchor)
        created["routes"] += QuestionRoute.objects.filter(thread=thread).count() - before
    people = ExpertiseScore.objects.values("user").distinct().count()
    return created, f"helper scores for {people} people over {report.courses} courses, 1 routed question"


def _waiting_question(anchor: datetime, users: dict[str, User], created: Counter[str]) -> Thread | None:
    course = CoursePage.objects.live().filter(slug=COURSE).first()
    asker = users.get(ASKER) or User.objects.filter(username=ASKER).first()
    if course is None or asker is None:
        return None
    lessons = list(LessonPage.objects.child_of(course).live().order_by("path"))
    if len(lessons) <= LESSON:
        return None
    lesson = lessons[LESSON]
    existing = Thread.objects.filter(lesson=lesson, title=TITLE).first()
    if existing is not None:
        return existing
    moment = anchor - timedelta(days=ASKED_DAYS_AGO)
    try:
        with time_machine.travel(moment, tick=False), override_settings(DISCUSSIONS_NEW_ACCOUNT_DAYS=0):
            if course_services.active_enrolment(user=asker, course=course) is None:
                course_services.enrolment_create(user=asker, course=course)
            thread = discussion_services.thread_create(
                author=asker, lesson=lesson, course=course, kind="question", title=TITLE, body=BODY
            )
    except discussion_services.DiscussionError:
        logger.warning("Demo routed question skipped", exc_info=True)
        return None
    created["questions"] += 1
    return thread
