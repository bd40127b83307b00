"""Demo ratings: stars and short reviews on the lessons people opened, course reviews from those who finished,
and a few helpful votes on reviews.

Everything goes through `discussions.services` inside `time_machine.travel(moment)`, so rows, the running
summaries and the `rated`/`voted-up` statements are what real use produces. Raters are learners the activity
step already took through the lesson (they have a LessonProgress), picked deterministically. Idempotent: a
person who already rated a lesson (or course) is skipped, and votes are only cast on reviews made in this run.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

import time_machine

from courses.models import CoursePage, Enrolment, LessonPage, LessonProgress
from discussions import services
from discussions.models import Rating

logger = logging.getLogger(__name__)

# (stars, review) per course: what learners actually say. Reviews are given to the first raters of each
# lesson in turn; later raters leave stars only, as most people do.
REVIEWS: dict[str, tuple[tuple[int, str], ...]] = {
    "running-effective-meetings": (
        (5, "The 'could this be an email?' checklist alone saved my team two meetings this week."),
        (4, "Practical and short. I'd have liked an example agenda for a meeting that has to make a decision."),
        (5, "Finally someone says out loud that a meeting without an outcome is a status report."),
        (3, "Good advice, but hybrid meetings need more than one paragraph: half my team is remote."),
        (4, "Timeboxing each agenda item felt awkward at first; now the meeting ends on time."),
        (2, "A bit basic if you already chair meetings every day. Fine as a refresher."),
    ),
    "writing-for-the-web": (
        (5, "Front-loading the point changed how I write every update, not just web pages."),
        (4, "The before-and-after examples are the best part. More of those, please."),
        (4, "Clear and well paced. The headline exercise made me rewrite our team page."),
        (3, "Useful, though the section on scanning patterns repeats what the first lesson said."),
        (5, "Short sentences, one idea each: simple rules I can actually remember."),
        (4, "I now read my drafts out loud before publishing. Catches half my mistakes."),
    ),
    "data-privacy-at-work": (
        (5, "The examples of what counts as personal data surprised me: IP addresses and meeting notes too."),
        (4, "Much clearer than our annual compliance training. The breach checklist is going on my wall."),
        (3, "Good overview. I wanted more on what to do when a customer asks for their data."),
        (5, "Realistic scenarios, not legal jargon. I finally understand data minimisation."),
        (2, "Too long for what it says; the principles lesson could be half the length."),
        (4, "The 'would you be happy reading this about yourself' test is a great rule of thumb."),
    ),
    "giving-and-receiving-feedback": (
        (5, "Situation, behaviour, impact: I used it the same afternoon and the conversation stayed calm."),
        (4, "Honest about why feedback goes wrong. The receiving-feedback lesson was the one I needed."),
        (4, "The scripts for difficult conversations are worth the whole course."),
        (3, "Solid, but I'd like a part on giving feedback upwards, to a manager."),
        (5, "Short, kind and practical. Our team now ends retros with one piece of feedback each."),
        (4, "Asking 'what would you do differently?' instead of telling works better than I expected."),
    ),
}
# Course-level reviews, from people who finished the course.
COURSE_REVIEW_TEXTS: dict[str, tuple[tuple[int, str], ...]] = {
    "running-effective-meetings": (
        (5, "Our weekly team meeting went from an hour to thirty minutes, with decisions written down."),
        (4, "Worth the two hours. The follow-up lesson is the one most teams skip."),
        (4, "Good mix of principles and checklists; I share the agenda template with every new starter."),
    ),
    "writing-for-the-web": (
        (5, "I write shorter, clearer pages now, and our support team says they get fewer questions."),
        (4, "Hands-on and well structured. Would recommend to anyone who edits the intranet."),
        (4, "Plain language without dumbing things down: exactly what our team needed."),
    ),
    "data-privacy-at-work": (
        (4, "The first privacy training I've finished without skimming. Real situations, clear actions."),
        (5, "I now know who to call and what to write down when something goes wrong."),
        (3, "Thorough, if a little long. The breach lesson is excellent."),
    ),
    "giving-and-receiving-feedback": (
        (5, "Changed how I run one-to-ones. Feedback is now a habit, not an annual event."),
        (4, "Kind, practical and short. The scripts gave me words I didn't have before."),
        (4, "Helpful for new managers; experienced ones will still pick up a trick or two."),
    ),
}
STARS_ONLY = (4, 5, 3, 4, 5, 4, 2, 5)
RATERS_PER_LESSON = 6
REVIEWS_PER_LESSON = 2
COURSE_REVIEWS = 3


def seed_ratings(anchor: datetime) -> Counter[str]:
    """Create what is missing; returns counts of what was made."""
    created: Counter[str] = Counter()
    for slug, pool in REVIEWS.items():
        course = CoursePage.objects.filter(slug=slug).first()
        if course is None:
            continue
        lessons = list(LessonPage.objects.child_of(course).live().order_by("path"))
        for number, lesson in enumerate(lessons):
            try:
                _seed_lesson(course, lesson, number, pool, anchor, created)
            except services.DiscussionError:
                logger.warning("Demo ratings for %r skipped", lesson.title, exc_info=True)
        _seed_course(course, COURSE_REVIEW_TEXTS[slug], anchor, created)
    return created


def _when(moment: datetime, anchor: datetime, hours: float) -> datetime:
    return min(moment + timedelta(hours=hours), anchor - timedelta(minutes=5))


def _seed_lesson(course, lesson, number: int, pool, anchor: datetime, created: Counter[str]) -> None:
    progress = list(
        LessonProgress.objects.filter(
            lesson=lesson, user__enrolments__course=course, user__enrolments__unenrolled_at=None
        )
        .select_related("user")
        .order_by("user__username")[:RATERS_PER_LESSON]
    )
    already = set(Rating.objects.filter(lesson=lesson).values_list("author_id", flat=True))
    made: list[Rating] = []
    for index, row in enumerate(progress):
        if row.user_id in already:
            continue
        if index < REVIEWS_PER_LESSON:
            stars, review = pool[(number * REVIEWS_PER_LESSON + index) % len(pool)]
        else:
            stars, review = STARS_ONLY[(number + index) % len(STARS_ONLY)], ""
        with time_machine.travel(_when(row.last_viewed_at, anchor, 2 + index), tick=False):
            rating = services.rating_set(author=row.user, lesson=lesson, course=course, stars=stars, review=review)
        created["lesson ratings"] += 1
        created["reviews"] += int(bool(review))
        if review:
            made.append(rating)
    # A few helpful votes: the other raters of the lesson find its first new review useful.
    if made:
        review = made[0]
        voters = [row.user for row in progress if row.user_id != review.author_id][: 1 + number % 3]
        for offset, voter in enumerate(voters):
            with time_machine.travel(_when(review.created_at, anchor, 6 + offset), tick=False):
                services.vote_toggle(user=voter, post=review)
            created["helpful votes"] += 1


def _seed_course(course, pool, anchor: datetime, created: Counter[str]) -> None:
    finished = list(
        Enrolment.objects.filter(course=course, unenrolled_at=None, completed_at__isnull=False)
        .select_related("user")
        .order_by("user__username")[:COURSE_REVIEWS]
    )
    already = set(Rating.objects.filter(course=course, lesson=None).values_list("author_id", flat=True))
    for index, enrolment in enumerate(finished):
        if enrolment.user_id in already:
            continue
        stars, review = pool[index % len(pool)]
        with time_machine.travel(_when(enrolment.completed_at, anchor, 1), tick=False):
            services.rating_set(author=enrolment.user, course=course, stars=stars, review=review)
        created["course reviews"] += 1
