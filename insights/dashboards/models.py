"""Pre-aggregated tables behind the insights dashboards (DESIGN.md §6: dashboards read counts, never scan).

Filled incrementally from the Statement store by `insights.dashboards.services.aggregates_fill`, in
(stored, id) order from a high-water mark. Counters are signed: a voided statement adds the same
deltas with the opposite sign, so every count can be summed over any filter. Per-learner and
per-thread "fact" rows keep the earliest/latest moments seen; voiding clears what it can (see services).

`team` and `cohort` are snapshots taken when a statement is filled in: the person's team then, and
whether they were "new" (first seen in the store less than NEW_LEARNER_DAYS before the statement).
Imported by insights/models.py, so the app label is `insights`.
"""

from __future__ import annotations

from django.db import models

NEW_LEARNER_DAYS = 30


class Cohort(models.TextChoices):
    NEW = "new", "New learners"
    ESTABLISHED = "established", "Established learners"


class AggregateFillState(models.Model):
    """The fill's high-water mark: everything at or before (stored, statement_id) is in the aggregates."""

    name = models.CharField(max_length=32, primary_key=True)
    stored = models.DateTimeField(null=True, blank=True)
    statement_id = models.UUIDField(null=True, blank=True)
    statements = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.stored}"


class DailyCount(models.Model):
    """Statements per day (of their timestamp, UTC) × course × lesson × verb × object kind × team × cohort."""

    day = models.DateField()
    course_iri = models.CharField(max_length=512, blank=True, default="")
    lesson_iri = models.CharField(max_length=512, blank=True, default="")
    verb = models.CharField(max_length=512)
    kind = models.CharField(max_length=32)
    team = models.CharField(max_length=120, blank=True, default="")
    cohort = models.CharField(max_length=16, choices=Cohort.choices, default=Cohort.NEW)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "course_iri", "lesson_iri", "verb", "kind", "team", "cohort"], name="agg_daily_unique"
            )
        ]
        indexes = [models.Index(fields=["course_iri", "day"], name="agg_daily_course_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.verb} ×{self.count}"


class ActiveDay(models.Model):
    """One actor active on one day in one course ('' for statements outside a course); count of statements."""

    day = models.DateField()
    week = models.DateField(help_text="The Monday of `day`'s week: weekly distinct counts without date functions.")
    actor_key = models.CharField(max_length=512)
    course_iri = models.CharField(max_length=512, blank=True, default="")
    team = models.CharField(max_length=120, blank=True, default="")
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "actor_key", "course_iri"], name="agg_active_unique"),
        ]
        indexes = [models.Index(fields=["course_iri", "day"], name="agg_active_course_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.actor_key}"


class LearnerFact(models.Model):
    """Per person: first seen, first post, team; the basis of cohorts and first-time posters."""

    actor_key = models.CharField(max_length=512, primary_key=True)
    user_id = models.IntegerField(null=True, blank=True)
    team = models.CharField(max_length=120, blank=True, default="")
    first_seen = models.DateTimeField()
    first_posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["first_posted_at"], name="agg_learner_first_post")]

    def __str__(self) -> str:
        return self.actor_key


class LearnerCourse(models.Model):
    """Per person and course: enrolments and course completions (signed counts) and when they first happened."""

    actor_key = models.CharField(max_length=512)
    course_iri = models.CharField(max_length=512)
    user_id = models.IntegerField(null=True, blank=True)
    team = models.CharField(max_length=120, blank=True, default="")
    registered = models.IntegerField(default=0)
    unregistered = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    enrolled_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course_iri", "actor_key"], name="agg_learnercourse_unique")]

    def __str__(self) -> str:
        return f"{self.actor_key} in {self.course_iri}"


class LearnerLesson(models.Model):
    """Per person and lesson: views and completions (signed), time spent (sum of completion durations)."""

    actor_key = models.CharField(max_length=512)
    lesson_iri = models.CharField(max_length=512)
    course_iri = models.CharField(max_length=512, blank=True, default="")
    team = models.CharField(max_length=120, blank=True, default="")
    viewed = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    duration_seconds = models.FloatField(default=0)
    first_viewed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lesson_iri", "actor_key"], name="agg_learnerlesson_unique")]
        indexes = [models.Index(fields=["course_iri", "actor_key"], name="agg_learnerlesson_course")]

    def __str__(self) -> str:
        return f"{self.actor_key} in {self.lesson_iri}"


class CheckOutcome(models.Model):
    """Knowledge-check answers per day × question × team: attempts and successes (signed)."""

    day = models.DateField()
    question_iri = models.CharField(max_length=512)
    lesson_iri = models.CharField(max_length=512, blank=True, default="")
    course_iri = models.CharField(max_length=512, blank=True, default="")
    team = models.CharField(max_length=120, blank=True, default="")
    name = models.CharField(max_length=300, blank=True, default="")
    attempts = models.IntegerField(default=0)
    successes = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "question_iri", "team"], name="agg_check_unique")]
        indexes = [models.Index(fields=["course_iri", "day"], name="agg_check_course_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.question_iri}: {self.successes}/{self.attempts}"


class RatingFact(models.Model):
    """Each person's current rating of a lesson: the latest `rated` statement (a voided one is removed)."""

    actor_key = models.CharField(max_length=512)
    lesson_iri = models.CharField(max_length=512)
    course_iri = models.CharField(max_length=512, blank=True, default="")
    team = models.CharField(max_length=120, blank=True, default="")
    score = models.FloatField()
    review = models.TextField(blank=True, default="")
    rated_at = models.DateTimeField()
    statement_id = models.UUIDField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lesson_iri", "actor_key"], name="agg_rating_unique")]
        indexes = [models.Index(fields=["course_iri", "rated_at"], name="agg_rating_course")]

    def __str__(self) -> str:
        return f"{self.actor_key} rated {self.lesson_iri} {self.score}"


class ThreadFact(models.Model):
    """A discussion thread as the statements tell it: who asked, when it was first answered, accepted, routed."""

    thread_iri = models.CharField(max_length=512, unique=True)
    title = models.CharField(max_length=300, blank=True, default="")
    course_iri = models.CharField(max_length=512, blank=True, default="")
    lesson_iri = models.CharField(max_length=512, blank=True, default="")
    block_id = models.CharField(max_length=64, blank=True, default="")
    asker_key = models.CharField(max_length=512, blank=True, default="")
    asker_user_id = models.IntegerField(null=True, blank=True)
    asker_team = models.CharField(max_length=120, blank=True, default="")
    asker_cohort = models.CharField(max_length=16, blank=True, default="")
    posted_at = models.DateTimeField(null=True, blank=True)
    replies = models.IntegerField(default=0)
    first_answer_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    routed_at = models.DateTimeField(null=True, blank=True)
    routed_to_key = models.CharField(max_length=512, blank=True, default="")
    routed_answered_at = models.DateTimeField(null=True, blank=True)
    voided = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["course_iri", "posted_at"], name="agg_thread_course_posted"),
            # The social dashboard's routed questions, by when they were routed: few threads ever are.
            models.Index(fields=["routed_at"], name="agg_thread_routed", condition=models.Q(routed_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.thread_iri


class ReplyFact(models.Model):
    """Who wrote a reply, in which thread: what an `accepted` or a flag on the reply needs to know."""

    reply_iri = models.CharField(max_length=512, unique=True)
    thread_iri = models.CharField(max_length=512)
    author_key = models.CharField(max_length=512)
    author_user_id = models.IntegerField(null=True, blank=True)
    author_team = models.CharField(max_length=120, blank=True, default="")
    posted_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.reply_iri


class HelperEdge(models.Model):
    """Who answered whom, per day and course: replies by `helper` in threads `asker` started, and accepted ones."""

    day = models.DateField()
    course_iri = models.CharField(max_length=512, blank=True, default="")
    helper_key = models.CharField(max_length=512)
    asker_key = models.CharField(max_length=512)
    helper_user_id = models.IntegerField(null=True, blank=True)
    asker_user_id = models.IntegerField(null=True, blank=True)
    helper_team = models.CharField(max_length=120, blank=True, default="")
    asker_team = models.CharField(max_length=120, blank=True, default="")
    asker_cohort = models.CharField(max_length=16, choices=Cohort.choices, default=Cohort.NEW)
    answers = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "course_iri", "helper_key", "asker_key"], name="agg_helper_unique")
        ]
        indexes = [models.Index(fields=["course_iri", "day"], name="agg_helper_course_day")]

    def __str__(self) -> str:
        return f"{self.helper_key} → {self.asker_key} ({self.answers})"


class SignalKind(models.TextChoices):
    NOTE = "note", "Notes"
    THREAD = "thread", "Threads started"
    FLAG = "flag", "Flags"
    FAILED_CHECK = "failed_check", "Failed knowledge checks"


class BlockSignal(models.Model):
    """Confusion signals anchored to a lesson block ('' = the lesson as a whole), per day × team × kind."""

    day = models.DateField()
    lesson_iri = models.CharField(max_length=512)
    course_iri = models.CharField(max_length=512, blank=True, default="")
    block_id = models.CharField(max_length=64, blank=True, default="")
    team = models.CharField(max_length=120, blank=True, default="")
    kind = models.CharField(max_length=16, choices=SignalKind.choices)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "lesson_iri", "block_id", "team", "kind"], name="agg_signal_unique")
        ]
        indexes = [models.Index(fields=["lesson_iri", "day"], name="agg_signal_lesson_day")]

    def __str__(self) -> str:
        return f"{self.lesson_iri}#{self.block_id} {self.kind} ×{self.count}"
