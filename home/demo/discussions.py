"""Demo discussions: questions with accepted answers, open questions, votes, mentions, a flagged post.

Everything goes through `discussions.services` inside `time_machine.travel(moment)`, so every row,
counter, notification and statement is what real use would produce. Posters are people enrolled in
the course by the activity step (picked deterministically), plus the course author and the
moderator. Idempotent: a lesson that already has any thread is left alone.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import time_machine
from django.test.utils import override_settings

from accounts.models import User
from courses.models import CoursePage, Enrolment, LessonPage
from discussions import services
from discussions.models import Thread

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplySpec:
    body: str
    by: int | str = 1  # index into the course's participants, or a demo username ("author", "moderator")
    quote: int | None = None  # index of an earlier reply in this thread
    votes: int = 0


@dataclass(frozen=True)
class ThreadSpec:
    course: str
    lesson: int
    kind: str
    title: str
    body: str
    by: int | str = 0
    days_ago: float = 10
    replies: tuple[ReplySpec, ...] = ()
    accept: int | None = None
    votes: int = 0
    flag_reply: tuple[int, str] | None = None  # (reply index, reason): flagged by two classmates
    about_block: bool = False


THREADS: tuple[ThreadSpec, ...] = (
    ThreadSpec(
        "running-effective-meetings",
        0,
        "question",
        "Is a 15-minute stand-up ever really a meeting?",
        "Our team's stand-up is fifteen minutes, no agenda, same three questions. The lesson says every "
        "meeting needs a purpose and an agenda. Does a stand-up count, or is it a ritual we should drop?",
        by=0,
        days_ago=20,
        votes=4,
        accept=1,
        replies=(
            ReplySpec(
                "It's a meeting with a fixed agenda: the three questions *are* the agenda. "
                "What matters is whether it unblocks anyone.",
                by=1,
                votes=2,
            ),
            ReplySpec(
                "We tested this: for two weeks we replaced it with a written check-in in chat. "
                "Blockers got raised **faster**, but people missed the social part. We kept a "
                "10-minute stand-up twice a week and written updates the other days.",
                by=2,
                votes=5,
            ),
            ReplySpec(
                "@{p0} the written check-in idea is worth trying. Write down the outcome you want "
                "before you change anything, so you can tell whether it worked.",
                by="author",
                quote=1,
            ),
        ),
    ),
    ThreadSpec(
        "running-effective-meetings",
        1,
        "question",
        "How far ahead should the agenda go out?",
        'The lesson says "send the agenda ahead". A day? An hour? People here rarely read it anyway.',
        by=3,
        days_ago=9,
        votes=2,
        accept=0,
        about_block=True,
        replies=(
            ReplySpec(
                "A working day for anything that needs preparation; put the *decision* you need in "
                "the subject line so it gets read.",
                by=4,
                votes=3,
            ),
            ReplySpec("+1. And if nobody read it, start with five silent minutes to read it together.", by=5),
        ),
    ),
    ThreadSpec(
        "running-effective-meetings",
        2,
        "question",
        "What do I do when the most senior person derails it?",
        "I chair a weekly meeting and our director keeps taking us off-topic. I can't exactly cut them off.",
        by=6,
        days_ago=2,
        votes=3,
        replies=(ReplySpec("Following: same problem here.", by=7),),
    ),
    ThreadSpec(
        "running-effective-meetings",
        3,
        "discussion",
        "Hybrid meetings: one laptop per person, even in the room?",
        "We tried everyone on their own laptop, even in the meeting room, so remote people aren't second-class. "
        "Felt odd at first, worked well after two weeks. Anyone else?",
        by=8,
        days_ago=6,
        votes=2,
        replies=(
            ReplySpec("We do this too. Headphones are essential or you get echo.", by=9, votes=1),
            ReplySpec("Great deals on meeting-room headsets!!! Visit cheap-headsets.example for 90% off", by=10),
        ),
        flag_reply=(1, "spam"),
    ),
    ThreadSpec(
        "writing-for-the-web",
        0,
        "question",
        "Do people really only read 20% of a page?",
        "The lesson quotes the figure that people read about a fifth of the words on a page. Where does it "
        "come from, and does it hold for intranet pages people *have* to read?",
        by=0,
        days_ago=15,
        votes=3,
        accept=0,
        replies=(
            ReplySpec(
                "It comes from eye-tracking studies of how people scan pages: they read the start of "
                "headings and the first words of paragraphs. Required reading is no different: front-load "
                "every paragraph.",
                by=1,
                votes=4,
            ),
            ReplySpec(
                "Our policy pages got far fewer questions after we put the answer in the first sentence.", by=2, votes=1
            ),
        ),
    ),
    ThreadSpec(
        "writing-for-the-web",
        1,
        "question",
        "Sentence case or title case for headings?",
        "Our style guide says title case, the lesson uses sentence case. Which should I follow?",
        by=3,
        days_ago=1,
        votes=1,
    ),
    ThreadSpec(
        "data-privacy-at-work",
        0,
        "question",
        "Can I share a customer list with a supplier for a mailing?",
        "Marketing wants to send our customer list to a print supplier for a postal campaign. Is that allowed?",
        by=0,
        days_ago=18,
        votes=5,
        accept=1,
        replies=(
            ReplySpec("Only if we have a contract with them that covers processing on our behalf.", by=1, votes=1),
            ReplySpec(
                "It can be, but only with a **data processing agreement** in place, sending just the "
                "fields they need (name and address), over a secure channel, and with the supplier "
                "deleting the list afterwards. Check with the privacy team first: they keep the list of "
                "approved processors.",
                by="author",
                votes=6,
            ),
        ),
    ),
    ThreadSpec(
        "data-privacy-at-work",
        2,
        "question",
        "Is a work e-mail address personal data?",
        "firstname.lastname@company addresses identify a person, but they are work addresses. Personal data?",
        by=4,
        days_ago=3,
    ),
    ThreadSpec(
        "giving-and-receiving-feedback",
        1,
        "discussion",
        "SBI worked better than I expected",
        "I used Situation-Behaviour-Impact in a one-to-one this week. Naming the impact, not the person, "
        "kept it calm. Sharing in case it helps someone nervous about trying it.",
        by=0,
        days_ago=5,
        votes=4,
        replies=(ReplySpec("Thanks for sharing, @{p0}. I'm trying it on Thursday.", by=1, votes=1),),
    ),
)


@dataclass
class _Course:
    course: CoursePage
    lessons: list[LessonPage]
    participants: list[User] = field(default_factory=list)


def _person(spec_by: int | str, course: _Course, users: dict[str, User]) -> User:
    if isinstance(spec_by, str):
        return users[spec_by]
    return course.participants[spec_by % len(course.participants)]


def _load(slug: str) -> _Course | None:
    course = CoursePage.objects.filter(slug=slug).first()
    if course is None:
        return None
    lessons = list(LessonPage.objects.child_of(course).live().order_by("path"))
    participants = [
        e.user
        for e in Enrolment.objects.filter(course=course, unenrolled_at=None)
        .select_related("user")
        .order_by("user__username")
    ]
    return _Course(course, lessons, participants)


def seed_threads(anchor: datetime, users: dict[str, User]) -> Counter[str]:
    """Create what is missing; returns counts of what was made."""
    created: Counter[str] = Counter()
    loaded: dict[str, _Course | None] = {}
    # Demo accounts are seeded as weeks old, but the back-dated clock can make them look new: no rate limit here.
    # Inline Celery logs a line per notification fan-out task: quiet while seeding.
    trace = logging.getLogger("celery.app.trace")
    level = trace.level
    trace.setLevel(logging.WARNING)
    try:
        with override_settings(DISCUSSIONS_NEW_ACCOUNT_DAYS=0):
            _seed_all(anchor, users, created, loaded)
    finally:
        trace.setLevel(level)
    return created


def _seed_all(anchor: datetime, users: dict[str, User], created: Counter[str], loaded: dict) -> None:
    for spec in THREADS:
        course = loaded.setdefault(spec.course, _load(spec.course))
        if course is None or len(course.participants) < 3 or spec.lesson >= len(course.lessons):
            continue
        lesson = course.lessons[spec.lesson]
        if Thread.objects.filter(lesson=lesson, title=spec.title).exists():
            continue
        try:
            created.update(_seed_thread(spec, course, lesson, anchor, users))
        except services.DiscussionError:
            logger.warning("Demo thread %r skipped", spec.title, exc_info=True)


def _fill(text: str, course: _Course) -> str:
    names = {f"p{i}": person.username for i, person in enumerate(course.participants[:12])}
    return text.format(**names)


def _seed_thread(spec: ThreadSpec, course: _Course, lesson: LessonPage, anchor: datetime, users) -> Counter[str]:
    created: Counter[str] = Counter()
    moment = anchor - timedelta(days=spec.days_ago)
    asker = _person(spec.by, course, users)
    block_id = next((block.id for block in lesson.body), "") if spec.about_block else ""
    with time_machine.travel(moment, tick=False):
        thread = services.thread_create(
            author=asker, lesson=lesson, course=course.course, kind=spec.kind, title=spec.title,
            body=_fill(spec.body, course), block_id=block_id,
        )  # fmt: skip
    created["threads"] += 1
    replies = []
    for number, reply_spec in enumerate(spec.replies):
        moment += timedelta(hours=3 + 5 * number)
        quoted = replies[reply_spec.quote] if reply_spec.quote is not None else None
        with time_machine.travel(moment, tick=False):
            reply = services.reply_create(
                author=_person(reply_spec.by, course, users), thread=thread, body=_fill(reply_spec.body, course),
                quoted=quoted,
            )  # fmt: skip
        replies.append(reply)
        created["replies"] += 1
        created["votes"] += _vote(reply, reply_spec.votes, course, moment)
    created["votes"] += _vote(thread, spec.votes, course, moment)
    if spec.accept is not None and spec.accept < len(replies):
        with time_machine.travel(moment + timedelta(hours=2), tick=False):
            services.answer_accept(user=asker, reply=replies[spec.accept])
        created["accepted answers"] += 1
    if spec.flag_reply is not None:
        index, reason = spec.flag_reply
        target = replies[index]
        flaggers = [p for p in course.participants if p.pk != target.author_id][:2]
        for offset, flagger in enumerate(flaggers):
            with time_machine.travel(moment + timedelta(hours=1, minutes=offset), tick=False):
                services.flag_create(user=flagger, post=target, reason=reason, note="Advertising.")
            created["flags"] += 1
    return created


def _vote(post, count: int, course: _Course, moment: datetime) -> int:
    voters = [p for p in course.participants if p.pk != post.author_id][-count:] if count else []
    for offset, voter in enumerate(voters):
        with time_machine.travel(moment + timedelta(minutes=30 + offset), tick=False):
            services.vote_toggle(user=voter, post=post)
    return len(voters)
