"""Demo notes: private and shared notes anchored to lesson blocks, some anonymous, tagged, with helpful votes.

Everything goes through `discussions.services` inside `time_machine.travel(moment)`, so rows,
counters and statements are what real use would produce. Writers are people enrolled in the course
by the activity step (picked deterministically, like the discussions step). A note is anchored to
the first block of its lesson whose text contains `anchor` (a phrase from the demo content).
Idempotent: a lesson that already has any note from its writer is left alone for that writer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import time_machine

from accounts.models import User
from courses.models import CoursePage, Enrolment, LessonPage
from discussions import services
from discussions.models import Note


@dataclass(frozen=True)
class NoteSpec:
    course: str
    lesson: int
    by: int  # index into the course's enrolled learners
    body: str
    anchor: str = ""  # a phrase from the block the note is about; "" = the whole lesson
    tags: tuple[str, ...] = ()
    shared: bool = False
    anonymous: bool = False
    votes: int = 0
    days_ago: float = 5


NOTES: tuple[NoteSpec, ...] = (
    NoteSpec(
        "running-effective-meetings", 1, 0,
        "Rewrite our Monday agenda as outcomes: **decide** the sprint goal, **inform** on the release. "
        "\"Updates\" is a topic, not an item.",
        anchor="Write each item as an outcome", tags=("agendas", "my team"), days_ago=12,
    ),
    NoteSpec(
        "running-effective-meetings", 1, 1,
        "Hardest item first, not last: the last one always gets squeezed. I always did it the other way "
        "round and wondered why the budget item overran.",
        anchor="Put the item that needs the most thought first", tags=("agendas",), shared=True, votes=5,
        days_ago=11,
    ),
    NoteSpec(
        "running-effective-meetings", 1, 2,
        "Ten minutes of silent reading at the start beats everyone pretending they read the paper. Trying "
        "it at the quarterly review.",
        anchor="silent reading", tags=("reading", "try this"), shared=True, anonymous=True, votes=3, days_ago=9,
    ),
    NoteSpec(
        "running-effective-meetings", 1, 3,
        "Got this one wrong at first: *Discuss the campaign* sounds fine until you ask \"to what end?\"",
        anchor="most useful agenda item", tags=("knowledge check",), days_ago=8,
    ),
    NoteSpec(
        "running-effective-meetings", 0, 1,
        "Before booking anything, ask: could this be an e-mail, a document with comments, or a five-minute "
        "call? Checklist for my next three invitations.",
        tags=("meetings",), shared=True, votes=2, days_ago=14,
    ),
    NoteSpec(
        "writing-for-the-web", 0, 0,
        "Inverted pyramid at every level: page, section, paragraph, heading. Our expenses page buries the "
        "deadline in paragraph four.",
        anchor="inverted pyramid", tags=("structure", "intranet"), shared=True, votes=4, days_ago=10,
    ),
    NoteSpec(
        "writing-for-the-web", 0, 1,
        "People scan the left edge: headings, first words of paragraphs, links, bold. Front-load all of them.",
        anchor="Eye-tracking studies", tags=("scanning",), days_ago=9,
    ),
    NoteSpec(
        "writing-for-the-web", 0, 2,
        "The before/after example is our team newsletter word for word. Show this to comms.",
        anchor="Before and after", shared=True, anonymous=True, votes=1, days_ago=6,
    ),
    NoteSpec(
        "data-privacy-at-work", 0, 0,
        "Personal data = anything that identifies someone *directly or indirectly*, including notes "
        "written about them. Even my one-to-one notes count.",
        anchor="The definition", tags=("definitions",), days_ago=7,
    ),
    NoteSpec(
        "data-privacy-at-work", 0, 1,
        "Special category data needs a stronger reason to process. A sick note is health data: it goes to "
        "HR through the secure form, never by e-mail.",
        anchor="Data that needs extra care", tags=("health data", "HR"), shared=True, votes=6, days_ago=6,
    ),
    NoteSpec(
        "data-privacy-at-work", 0, 2,
        "Anonymous statistics aren't personal data, but *pseudonymous* ones still are: a staff number is "
        "enough to find the person.",
        anchor="What is not personal data", tags=("definitions",), shared=True, anonymous=True, votes=2,
        days_ago=4,
    ),
    NoteSpec(
        "giving-and-receiving-feedback", 1, 0,
        "Be specific about the behaviour and its effect, not the person. Practise on Friday's retro.",
        tags=("feedback", "try this"), days_ago=5,
    ),
    NoteSpec(
        "giving-and-receiving-feedback", 1, 1,
        "Ask before giving: \"can I give you some feedback on the demo?\" makes it a conversation, not an ambush.",
        shared=True, votes=3, days_ago=4,
    ),
)  # fmt: skip


def _participants(course: CoursePage) -> list[User]:
    return [
        e.user
        for e in Enrolment.objects.filter(course=course, unenrolled_at=None)
        .select_related("user")
        .order_by("user__username")
    ]


def _anchor(lesson: LessonPage, phrase: str) -> str:
    if not phrase:
        return ""
    needle = phrase.lower()
    for block in lesson.body:
        if needle in str(block.value).lower():
            return block.id
    return ""


def seed_notes(anchor: datetime) -> Counter[str]:
    """Create what is missing; returns counts of what was made."""
    created: Counter[str] = Counter()
    loaded: dict[str, tuple[CoursePage, list[LessonPage], list[User]] | None] = {}
    for spec in NOTES:
        if spec.course not in loaded:
            course = CoursePage.objects.filter(slug=spec.course).first()
            loaded[spec.course] = (
                (course, list(LessonPage.objects.child_of(course).live().order_by("path")), _participants(course))
                if course
                else None
            )
        found = loaded[spec.course]
        if found is None or len(found[2]) < 4 or spec.lesson >= len(found[1]):
            continue
        course, lessons, people = found
        lesson, writer = lessons[spec.lesson], people[spec.by % len(people)]
        if Note.objects.filter(author=writer, lesson=lesson).exists():
            continue
        moment = anchor - timedelta(days=spec.days_ago)
        with time_machine.travel(moment, tick=False):
            note = services.note_create(
                author=writer, lesson=lesson, course=course, body=spec.body, block_id=_anchor(lesson, spec.anchor),
                tags=list(spec.tags), shared=spec.shared, anonymous=spec.anonymous,
            )  # fmt: skip
        created["notes"] += 1
        created["shared notes"] += int(spec.shared)
        voters = [person for person in people if person.pk != writer.pk][-spec.votes :] if spec.votes else []
        for offset, voter in enumerate(voters):
            with time_machine.travel(moment + timedelta(hours=3, minutes=offset), tick=False):
                services.note_vote_toggle(user=voter, note=note)
            created["helpful votes on notes"] += 1
    return created
