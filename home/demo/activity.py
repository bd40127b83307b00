"""Six weeks of learner activity, simulated through the course services with back-dated clocks.

Every action goes through `courses.services` (so every statement is built exactly as in real use),
inside `time_machine.travel(moment)`. Each learner's plan is drawn from a random generator seeded with
their username, so the demo is the same on every machine and one learner's plan never shifts another's.
A learner who already has an enrolment is skipped: that is what makes this step idempotent.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import time_machine
from django.db import transaction

from accounts.models import User
from courses import services
from courses.blocks import option_ids
from courses.models import CoursePage, Enrolment, LessonPage

# How far back activity goes, and how close to "now" it may come.
HISTORY_DAYS = 42
QUIET_PERIOD = timedelta(minutes=20)


@dataclass(frozen=True)
class Track:
    """One learner's story in one course.

    kind: "completed" (every lesson), "in_progress" (`lessons` lessons in), "enrolled" (nothing yet),
    "left" (tried a lesson, then unenrolled), "returned" (left after the first lesson, came back, finished).
    """

    course: str
    kind: str
    days_ago: float
    lessons: int = 0


# A few learners have a scripted story, so the demo always shows each case; the rest are drawn at random.
SCRIPTED: dict[str, tuple[Track, ...]] = {
    "learner": (
        Track("data-privacy-at-work", "completed", days_ago=33),
        Track("writing-for-the-web", "in_progress", days_ago=12, lessons=3),
        Track("running-effective-meetings", "enrolled", days_ago=1.5),
    ),
    "learner01": (
        Track("giving-and-receiving-feedback", "returned", days_ago=38),
        Track("running-effective-meetings", "completed", days_ago=21),
    ),
    "learner02": (
        Track("running-effective-meetings", "left", days_ago=27),
        Track("data-privacy-at-work", "in_progress", days_ago=9, lessons=2),
    ),
}

KINDS = ("completed", "in_progress", "enrolled", "left", "returned")
KIND_WEIGHTS = (36, 40, 12, 6, 6)


@dataclass
class CourseOutline:
    page: CoursePage
    lessons: list[LessonPage]


def course_outlines(slugs: list[str]) -> dict[str, CourseOutline]:
    outlines = {}
    for course in CoursePage.objects.live().filter(slug__in=slugs):
        lessons = list(LessonPage.objects.child_of(course).live().order_by("path"))
        outlines[course.slug] = CourseOutline(course, lessons)
    return outlines


def plan_tracks(username: str, course_slugs: list[str], rng: random.Random) -> tuple[Track, ...]:
    if username in SCRIPTED:
        return SCRIPTED[username]
    tracks = []
    for slug in rng.sample(course_slugs, k=rng.choice((1, 2, 2, 3))):
        kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
        days_ago = {
            "completed": rng.uniform(12, HISTORY_DAYS),
            "in_progress": rng.uniform(2, 35),
            "enrolled": rng.uniform(0.2, 6),
            "left": rng.uniform(8, HISTORY_DAYS),
            "returned": rng.uniform(24, HISTORY_DAYS),
        }[kind]
        tracks.append(Track(slug, kind, days_ago=days_ago, lessons=rng.randint(1, 4)))
    return tuple(tracks)


Event = tuple[datetime, Callable[[], object]]


class _Timeline:
    """Hands out moments for one track, always moving forward: short gaps within a sitting, working hours
    (UTC) for a new sitting on a later day."""

    def __init__(self, anchor: datetime, days_ago: float, rng: random.Random) -> None:
        self.rng = rng
        start = self._working_hours(anchor - timedelta(days=days_ago))
        while start > anchor - timedelta(hours=2):  # a track starts in the past, whatever the hour now
            start -= timedelta(days=1)
        self.now = start

    def _working_hours(self, day: datetime) -> datetime:
        rng = self.rng
        return day.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0)

    def after(self, *, seconds: float = 0, minutes: float = 0) -> datetime:
        self.now += timedelta(seconds=round(seconds + 60 * minutes) + self.rng.randint(1, 30))
        return self.now

    def later_day(self, days: float) -> datetime:
        moment = self._working_hours(self.now + timedelta(days=days))
        while moment <= self.now:
            moment += timedelta(days=1)
        self.now = moment
        return moment


def _lesson_events(
    user: User, outline: CourseOutline, lesson: LessonPage, clock: _Timeline, rng: random.Random, *, complete: bool
) -> list[Event]:
    course = outline.page
    events: list[Event] = [(clock.after(), partial(services.lesson_view, user=user, lesson=lesson, course=course))]
    reading = lesson.estimated_minutes * rng.uniform(0.6, 1.4)
    clock.after(minutes=reading * 0.7)
    for block_id, check in lesson.knowledge_checks().items():
        ids = option_ids(len(check["options"]))
        right = next(choice for choice, option in zip(ids, check["options"], strict=True) if option["is_correct"])
        wrong = [choice for choice in ids if choice != right]
        answer = partial(services.knowledge_check_answer, user=user, lesson=lesson, block_id=block_id, course=course)
        roll = rng.random()
        if roll < 0.3:  # wrong first, then read the feedback and try again
            events.append((clock.after(seconds=20), partial(answer, choice=rng.choice(wrong))))
            events.append((clock.after(seconds=rng.randint(30, 120)), partial(answer, choice=right)))
        elif roll < 0.38:  # wrong, and moved on
            events.append((clock.after(seconds=20), partial(answer, choice=rng.choice(wrong))))
        else:
            events.append((clock.after(seconds=20), partial(answer, choice=right)))
    if complete:
        events.append(
            (
                clock.after(minutes=reading * 0.3),
                partial(services.lesson_complete, user=user, lesson=lesson, course=course),
            )
        )
    return events


def track_events(user: User, track: Track, outline: CourseOutline, anchor: datetime, rng: random.Random) -> list[Event]:
    course, lessons = outline.page, outline.lessons
    enrol = partial(services.enrolment_create, user=user, course=course)
    leave = partial(services.enrolment_cancel, user=user, course=course)
    clock = _Timeline(anchor, track.days_ago, rng)
    events: list[Event] = [(clock.now, enrol)]
    reached = {
        "completed": len(lessons),
        "returned": len(lessons),
        "in_progress": min(track.lessons, len(lessons) - 1),
        "left": 1,
        "enrolled": 0,
    }[track.kind]
    for position, lesson in enumerate(lessons[:reached]):
        last = position == reached - 1
        complete = track.kind in ("completed", "returned") or not last or rng.random() < 0.5
        if track.kind == "left":
            complete = False
        events += _lesson_events(user, outline, lesson, clock, rng, complete=complete)
        if track.kind == "returned" and position == 0:
            events.append((clock.later_day(rng.uniform(1, 3)), leave))
            events.append((clock.later_day(rng.uniform(5, 10)), enrol))
        elif track.kind == "left":
            events.append((clock.later_day(rng.uniform(1, 4)), leave))
        elif rng.random() < 0.5:
            clock.after(minutes=rng.uniform(1, 8))  # straight on to the next lesson
        else:
            clock.later_day(rng.uniform(0.6, 4))
    if track.kind == "completed" and lessons and rng.random() < 0.3:  # came back later to look something up
        revisit = partial(services.lesson_view, user=user, lesson=rng.choice(lessons), course=course)
        events.append((clock.later_day(rng.uniform(2, 6)), revisit))
    return events


def learner_events(user: User, outlines: dict[str, CourseOutline], anchor: datetime) -> list[Event]:
    """Everything one learner did, in order, cut off shortly before `anchor`."""
    rng = random.Random(f"guild-demo:activity:{user.username}")  # noqa: S311 (a simulation, not security)
    events: list[Event] = []
    for track in plan_tracks(user.username, sorted(outlines), rng):
        if track.course in outlines:
            events += track_events(user, track, outlines[track.course], anchor, rng)
    limit = anchor - QUIET_PERIOD
    return sorted((event for event in events if event[0] <= limit), key=lambda event: event[0])


def simulate_learner(user: User, outlines: dict[str, CourseOutline], anchor: datetime) -> int:
    """Replay one learner's plan through the services, each call at its own moment; returns the call count.

    One transaction per learner: if anything fails, the learner has no activity and a re-run retries.
    """
    events = learner_events(user, outlines, anchor)
    with transaction.atomic():
        for moment, action in events:
            with time_machine.travel(moment, tick=False):
                action()
    return len(events)


def has_activity(user: User) -> bool:
    return Enrolment.objects.filter(user=user).exists()
