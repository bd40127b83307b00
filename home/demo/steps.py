"""The seeding steps, in order. Each takes the shared context and reports what it created.

To add a step (discussions, notes, ratings, follows…): write `def seed_<thing>(context) -> StepResult`
that creates only what is missing, calls services for anything a person did, and append it to `STEPS`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.hashers import make_password

from accounts.models import User
from courses.models import CoursePage
from insights.models import Statement

from . import activity, courses, people


@dataclass
class SeedContext:
    """What the steps share. `anchor` is "now" for the whole run: every back-dated moment is relative to it."""

    anchor: datetime
    users: dict[str, User] = field(default_factory=dict)
    courses: dict[str, CoursePage] = field(default_factory=dict)


@dataclass
class StepResult:
    name: str
    created: Counter[str]
    present: str

    @property
    def changed(self) -> bool:
        return any(self.created.values())

    def describe(self) -> str:
        if not self.changed:
            return f"{self.name}: already present ({self.present})"
        made = ", ".join(f"{count} {what}" for what, count in self.created.items() if count)
        return f"{self.name}: created {made}"


def seed_people(context: SeedContext) -> StepResult:
    created: Counter[str] = Counter()
    missing = set(people.USERNAMES) - set(
        User.objects.filter(username__in=people.USERNAMES).values_list("username", flat=True)
    )
    password_hash = make_password(people.PASSWORD) if missing else ""
    for index, person in enumerate(people.PEOPLE):
        joined = people.joined_at(context.anchor, index)
        user, made = people.ensure_person(person, joined=joined, password_hash=password_hash)
        context.users[person.username] = user
        created["accounts"] += int(made)
    return StepResult("people", created, f"{len(people.PEOPLE)} accounts")


def seed_content(context: SeedContext) -> StepResult:
    created: Counter[str] = Counter()
    for index, spec in enumerate(courses.COURSES):
        moment = courses.published_at(context.anchor, index)
        context.courses[spec.slug] = courses.ensure_course(spec, users=context.users, moment=moment, counts=created)
    lessons = sum(len(spec.lessons) for spec in courses.COURSES)
    return StepResult("content", created, f"{len(courses.COURSES)} courses, {lessons} lessons")


def seed_activity(context: SeedContext) -> StepResult:
    created: Counter[str] = Counter()
    outlines = activity.course_outlines(list(context.courses))
    statements_before = Statement.objects.count()
    for person in people.LEARNERS:
        user = context.users[person.username]
        if activity.has_activity(user):
            continue
        created["actions"] += activity.simulate_learner(user, outlines, context.anchor)
        created["learner histories"] += 1
    created["statements"] = Statement.objects.count() - statements_before
    return StepResult("activity", created, f"activity for {len(people.LEARNERS)} learners")


Step = Callable[[SeedContext], StepResult]


def seed_discussions(context: SeedContext) -> StepResult:
    from . import discussions

    created = discussions.seed_threads(context.anchor, context.users)
    return StepResult("discussions", created, f"{len(discussions.THREADS)} threads")


def seed_notes(context: SeedContext) -> StepResult:
    from . import notes

    created = notes.seed_notes(context.anchor)
    return StepResult("notes", created, f"{len(notes.NOTES)} notes")


def seed_ratings(context: SeedContext) -> StepResult:
    from . import ratings

    created = ratings.seed_ratings(context.anchor)
    return StepResult("ratings", created, "ratings and reviews on every demo lesson")


def seed_social(context: SeedContext) -> StepResult:
    from . import social

    created = social.seed_social(context.anchor, context.users)
    return StepResult("social", created, "profile bios and follows")


def seed_experts(context: SeedContext) -> StepResult:
    from . import experts

    created, present = experts.seed_experts(context.anchor, context.users)
    return StepResult("who knows this", created, present)


def seed_insights(context: SeedContext) -> StepResult:
    from .insights import seed_insights as fill

    return fill(context)


# seed_insights stays last: it folds every statement the steps before it recorded into the dashboards.
STEPS: tuple[Step, ...] = (
    seed_people,
    seed_content,
    seed_activity,
    seed_discussions,
    seed_notes,
    seed_ratings,
    seed_social,
    seed_experts,
    seed_insights,
)
