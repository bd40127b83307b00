"""What learners say to each other on a lesson: threads, replies, votes, flags, subscriptions, notifications.

Plain models (never Pages). Threads and replies share the `Post` fields; votes, flags and revisions
point at exactly one of them through explicit nullable foreign keys guarded by check constraints
and conditional unique constraints (no GenericForeignKey), so integrity lives in the database and
the next targets (notes, reviews) are one column and one constraint each.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from taggit.managers import TaggableManager
from taggit.models import ItemBase, TagBase
from wagtail.search import index

from insights.xapi.activities import ActivityRef

DELETED_PLACEHOLDER = "[deleted]"


class ThreadKind(models.TextChoices):
    QUESTION = "question", "Question"
    DISCUSSION = "discussion", "Discussion"


class FlagReason(models.TextChoices):
    SPAM = "spam", "Spam"
    OFF_TOPIC = "off-topic", "Off-topic"
    ABUSIVE = "abusive", "Abusive or harassing"
    OTHER = "other", "Something else"


class Post(models.Model):
    """Fields a thread and a reply share. `body_html` is rendered and sanitised once, on save."""

    activity_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body_markdown = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    helpful_count = models.PositiveIntegerField(default=0)
    flag_count = models.PositiveIntegerField(default=0, help_text="Open (unresolved) flags.")
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=200, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Thread(index.Indexed, Post):
    """A question or a discussion on a lesson, optionally about one block of it."""

    # /search/ (home/search.py) filters on these before ranking: hidden, deleted and other courses' never match.
    search_fields = [
        index.SearchField("title", boost=3),
        index.SearchField("body_markdown"),
        index.FilterField("course"),
        index.FilterField("hidden_at"),
        index.FilterField("deleted_at"),
    ]

    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="threads")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="threads")
    kind = models.CharField(max_length=16, choices=ThreadKind.choices, default=ThreadKind.QUESTION)
    title = models.CharField(max_length=200)
    block_id = models.CharField(max_length=64, blank=True)
    accepted_reply = models.ForeignKey(
        "discussions.Reply", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_count = models.PositiveIntegerField(default=0, help_text="Replies visible to learners.")
    last_activity_at = models.DateTimeField()
    pinned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["lesson", "-last_activity_at"], name="thread_lesson_activity"),
            models.Index(fields=["lesson", "-created_at"], name="thread_lesson_newest"),
            models.Index(fields=["course", "kind"], name="thread_course_unanswered", condition=Q(accepted_reply=None)),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("discussions:thread", kwargs={"thread_id": self.activity_id})

    def xapi_activity(self) -> ActivityRef:
        return ActivityRef(kind="thread", key=self.activity_id, name=self.title[:200])

    @property
    def is_question(self) -> bool:
        return self.kind == ThreadKind.QUESTION

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_pinned(self) -> bool:
        return self.pinned_at is not None

    @property
    def is_answered(self) -> bool:
        return self.accepted_reply_id is not None


class Reply(index.Indexed, Post):
    """A reply in a thread: flat, in time order, optionally quoting one earlier reply."""

    search_fields = [
        index.SearchField("body_markdown"),
        index.FilterField("thread"),
        index.FilterField("hidden_at"),
        index.FilterField("deleted_at"),
    ]

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="replies")
    quoted = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["thread", "created_at"], name="reply_thread_time")]

    def __str__(self) -> str:
        return f"Reply {self.activity_id} in {self.thread_id}"

    def get_absolute_url(self) -> str:
        return (
            f"{reverse('discussions:thread', kwargs={'thread_id': self.thread.activity_id})}#reply-{self.activity_id}"
        )

    def xapi_activity(self) -> ActivityRef:
        return ActivityRef(kind="reply", key=self.activity_id, name=f"Reply in “{self.thread.title[:180]}”")


def _one_target(prefix: str, fields: tuple[str, ...] = ("thread", "reply")) -> models.CheckConstraint:
    """Exactly one of `fields` is set."""
    condition = Q()
    for chosen in fields:
        condition |= Q(**{f"{name}__isnull": name != chosen for name in fields})
    return models.CheckConstraint(condition=condition, name=f"{prefix}_one_target")


# Votes and flags may point at a review (a Rating with text) as well as at a post.
VOTE_FLAG_TARGETS = ("thread", "reply", "rating")


class PostRevision(models.Model):
    """What a post said before an edit. Shown to the author and moderators."""

    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200, blank=True)
    body_markdown = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(help_text="When this version was written.")
    replaced_at = models.DateTimeField(help_text="When the edit replaced it.")

    class Meta:
        constraints = [_one_target("revision")]
        ordering = ("-replaced_at",)

    def __str__(self) -> str:
        return f"Revision of {self.thread_id or self.reply_id} at {self.replaced_at}"


class Vote(models.Model):
    """One helpful vote per person and post; removing it deletes the row (and records `unvoted`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="votes")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="votes")
    rating = models.ForeignKey(
        "discussions.Rating", null=True, blank=True, on_delete=models.CASCADE, related_name="votes"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            _one_target("vote", VOTE_FLAG_TARGETS),
            models.UniqueConstraint(fields=["user", "thread"], condition=Q(thread__isnull=False), name="vote_thread"),
            models.UniqueConstraint(fields=["user", "reply"], condition=Q(reply__isnull=False), name="vote_reply"),
            models.UniqueConstraint(fields=["user", "rating"], condition=Q(rating__isnull=False), name="vote_rating"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} voted {self.thread_id or self.reply_id or self.rating_id}"


class FlagResolution(models.TextChoices):
    OPEN = "", "Open"
    DISMISSED = "dismissed", "Dismissed"
    UPHELD = "upheld", "Post hidden"
    RESTORED = "restored", "Post restored"


class Flag(models.Model):
    """A person's report about a post. One open flag per person and post."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="flags")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="flags")
    rating = models.ForeignKey(
        "discussions.Rating", null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.CharField(max_length=16, choices=FlagReason.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    resolution = models.CharField(max_length=16, choices=FlagResolution.choices, default="", blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            _one_target("flag", VOTE_FLAG_TARGETS),
            models.UniqueConstraint(
                fields=["user", "thread"], condition=Q(thread__isnull=False, resolved_at=None), name="flag_open_thread"
            ),
            models.UniqueConstraint(
                fields=["user", "reply"], condition=Q(reply__isnull=False, resolved_at=None), name="flag_open_reply"
            ),
            models.UniqueConstraint(
                fields=["user", "rating"], condition=Q(rating__isnull=False, resolved_at=None), name="flag_open_rating"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="flag_open", condition=Q(resolved_at=None))]

    def __str__(self) -> str:
        return f"{self.reason} flag on {self.thread_id or self.reply_id or self.rating_id}"


class Subscription(models.Model):
    """Someone follows a thread (automatic when they post) or a lesson (new threads)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions")
    lesson = models.ForeignKey(
        "courses.LessonPage", null=True, blank=True, on_delete=models.CASCADE, related_name="discussion_subscriptions"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(thread__isnull=False, lesson__isnull=True) | Q(thread__isnull=True, lesson__isnull=False)),
                name="subscription_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "thread"], condition=Q(thread__isnull=False), name="subscription_thread"
            ),
            models.UniqueConstraint(
                fields=["user", "lesson"], condition=Q(lesson__isnull=False), name="subscription_lesson"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.thread_id or self.lesson_id}"


class NotificationKind(models.TextChoices):
    REPLY = "reply", "New reply"
    THREAD = "thread", "New thread"
    MENTION = "mention", "Mention"
    ACCEPTED = "accepted", "Answer accepted"
    ROUTED = "routed", "You might know this"
    FIRST_POST = "first_post", "First post"


class Notification(models.Model):
    """In-app notification; e-mailed at once or in the daily digest, as the recipient prefers."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
            models.Index(fields=["recipient"], name="notification_unread", condition=Q(read_at=None)),
            models.Index(
                fields=["recipient", "created_at"], name="notification_unmailed", condition=Q(emailed_at=None)
            ),
        ]
        constraints = [
            # The fan-out task may run twice (retries, acks_late): one notification per event and person.
            models.UniqueConstraint(
                fields=["recipient", "kind", "thread"], condition=Q(reply=None), name="notification_once_thread"
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "reply"], condition=Q(reply__isnull=False), name="notification_once_reply"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"

    def get_absolute_url(self) -> str:
        url = reverse("discussions:thread", kwargs={"thread_id": self.thread.activity_id})
        return f"{url}#reply-{self.reply.activity_id}" if self.reply_id else url


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", "Straight away"
    DAILY = "daily", "Once a day (digest)"
    OFF = "off", "Never"


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discussion_preferences"
    )
    email_mode = models.CharField(max_length=16, choices=EmailMode.choices, default=EmailMode.DAILY)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email_mode}"


class Mute(models.Model):
    """A moderator stops someone posting until `until`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discussion_mutes")
    muted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    until = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "-until"], name="mute_user_until")]

    def __str__(self) -> str:
        return f"{self.user_id} muted until {self.until}"


class ModerationAction(models.Model):
    """The moderation log: everything a moderator did, with why."""

    class Action(models.TextChoices):
        HIDE = "hide", "Hid post"
        AUTO_HIDE = "auto-hide", "Hidden by flags"
        RESTORE = "restore", "Restored post"
        DISMISS = "dismiss", "Dismissed flags"
        PIN = "pin", "Pinned"
        UNPIN = "unpin", "Unpinned"
        CLOSE = "close", "Closed"
        REOPEN = "reopen", "Reopened"
        MUTE = "mute", "Muted author"

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # SET_NULL: a withdrawn rating takes its review with it, but the log of what moderators did stays.
    rating = models.ForeignKey("discussions.Rating", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.action} by {self.moderator_id}"


class RouteHop(models.IntegerChoices):
    HELPERS = 1, "People who know the topic"
    AUTHORS = 2, "The course's authors"


class QuestionRoute(models.Model):
    """An unanswered question was put in front of one person who may know (discussions.services.question_route).

    One row per question and person, ever: re-runs and later hops never ask the same person twice.
    `declined_at` is set when they say they can't help; declining also keeps that lesson's questions
    away from them for a while (see `routing_decline_memory`).
    """

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="routes")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    hop = models.PositiveSmallIntegerField(choices=RouteHop.choices)
    created_at = models.DateTimeField()
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "recipient"], name="route_once_per_person")]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="route_recipient_recent"),
            models.Index(fields=["recipient"], name="route_declined", condition=Q(declined_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.thread_id} routed to {self.recipient_id} (hop {self.hop})"


class Follow(models.Model):
    """Someone follows a person, a course or a tag: exactly one target, once (database-enforced).

    What follows bring into the activity stream is decided by `insights.stream`, which reads the
    Statement store; this row only says what the follower chose.
    """

    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="followers"
    )
    course = models.ForeignKey(
        "courses.CoursePage", null=True, blank=True, on_delete=models.CASCADE, related_name="followers"
    )
    tag = models.ForeignKey("taggit.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, course__isnull=True, tag__isnull=True)
                    | Q(user__isnull=True, course__isnull=False, tag__isnull=True)
                    | Q(user__isnull=True, course__isnull=True, tag__isnull=False)
                ),
                name="follow_one_target",
            ),
            models.CheckConstraint(condition=~Q(follower=models.F("user")), name="follow_not_self"),
            models.UniqueConstraint(fields=["follower", "user"], condition=Q(user__isnull=False), name="follow_user"),
            models.UniqueConstraint(
                fields=["follower", "course"], condition=Q(course__isnull=False), name="follow_course"
            ),
            models.UniqueConstraint(fields=["follower", "tag"], condition=Q(tag__isnull=False), name="follow_tag"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="follow_followers")]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.user_id or self.course_id or self.tag_id}"

    @property
    def target(self):
        return self.user or self.course or self.tag


# --- ratings and reviews --------------------------------------------------------------------------

REVIEW_MAX_LENGTH = 1000


class Rating(models.Model):
    """One learner's 1–5 stars on a lesson (or, once they completed it, on a course), with an optional review.

    `lesson` set: a lesson rating; `lesson` empty: a course-level review. `course` is always set, so
    a course's ratings are one indexed filter. The review is plain text, escaped on output. Its
    moderation fields mirror `Post`, and `author` is named as on posts, so flags, votes and the
    moderation queue treat a review like a post. Withdrawing deletes the row (and records it).
    """

    activity_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings")
    lesson = models.ForeignKey(
        "courses.LessonPage", null=True, blank=True, on_delete=models.CASCADE, related_name="ratings"
    )
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="ratings")
    stars = models.PositiveSmallIntegerField()
    review = models.TextField(blank=True, max_length=REVIEW_MAX_LENGTH)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    helpful_count = models.PositiveIntegerField(default=0)
    flag_count = models.PositiveIntegerField(default=0, help_text="Open (unresolved) flags.")
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="rating_stars_1_to_5"),
            models.UniqueConstraint(
                fields=["author", "lesson"], condition=Q(lesson__isnull=False), name="rating_once_per_lesson"
            ),
            models.UniqueConstraint(
                fields=["author", "course"], condition=Q(lesson__isnull=True), name="rating_once_per_course"
            ),
        ]
        indexes = [
            models.Index(
                fields=["lesson", "-helpful_count", "-created_at"],
                name="rating_lesson_reviews",
                condition=~Q(review="") & Q(hidden_at=None),
            ),
            models.Index(fields=["course", "lesson"], name="rating_course_lesson"),
        ]

    def __str__(self) -> str:
        return f"{self.stars}★ by {self.author_id} on {self.lesson_id or self.course_id}"

    is_deleted = False  # Reviews are withdrawn (deleted), never soft-deleted: the duck type of `Post`.

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def on_course(self) -> bool:
        return self.lesson_id is None

    def get_absolute_url(self) -> str:
        target = self.course if self.on_course else self.lesson
        return f"{target.url}#review-{self.activity_id}"

    def xapi_activity(self) -> ActivityRef:
        target = self.course if self.on_course else self.lesson
        return ActivityRef(kind="review", key=self.activity_id, name=f"Review of “{target.title[:180]}”")


class RatingSummary(models.Model):
    """Running totals of a lesson's ratings (or a course's course-level ratings), kept by the rating services.

    Pages read this one row instead of aggregating every rating per request. Services lock it
    (select_for_update) before touching a rating of its target, so per-star counts, `total` and
    `count` stay exact under concurrency; `review_count` counts visible reviews (for paging).
    """

    lesson = models.OneToOneField(
        "courses.LessonPage", null=True, blank=True, on_delete=models.CASCADE, related_name="rating_summary"
    )
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="rating_summaries")
    count = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0, help_text="Sum of the stars.")
    stars_1 = models.PositiveIntegerField(default=0)
    stars_2 = models.PositiveIntegerField(default=0)
    stars_3 = models.PositiveIntegerField(default=0)
    stars_4 = models.PositiveIntegerField(default=0)
    stars_5 = models.PositiveIntegerField(default=0)
    review_count = models.PositiveIntegerField(default=0, help_text="Visible reviews (with text, not hidden).")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course"], condition=Q(lesson__isnull=True), name="rating_summary_course")
        ]

    def __str__(self) -> str:
        return f"{self.count} ratings of {self.lesson_id or self.course_id}"

    @property
    def average(self) -> float | None:
        return self.total / self.count if self.count else None

    def distribution(self) -> list[tuple[int, int, int]]:
        """(stars, count, percent of all ratings), 5 down to 1."""
        rows = []
        for stars in range(5, 0, -1):
            number = getattr(self, f"stars_{stars}")
            rows.append((stars, number, round(100 * number / self.count) if self.count else 0))
        return rows


# --- notes ----------------------------------------------------------------------------------------


class NoteVisibility(models.TextChoices):
    PRIVATE = "private", "Only me"
    SHARED = "shared", "The course's learners"


class NoteTagName(TagBase):
    """Note tags live in their own table, not taggit's shared one: Wagtail's admin tag autocomplete
    reads the shared table, and a learner's private tag must not reach authors through it."""

    class Meta:
        verbose_name = "note tag"
        verbose_name_plural = "note tags"


class TaggedNote(ItemBase):
    tag = models.ForeignKey(NoteTagName, on_delete=models.CASCADE, related_name="tagged_notes")
    content_object = models.ForeignKey("discussions.Note", on_delete=models.CASCADE, related_name="tagged_items")


class Note(index.Indexed, models.Model):
    """A learner's note on a lesson, optionally anchored to one block (and a moment of a video).

    Private unless shared. Read only through `discussions.selectors` (note_* functions), which
    enforce who sees it. `helpful_count` is denormalised so the peers panel never counts votes.
    """

    activity_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="notes")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="+")
    block_id = models.CharField(max_length=64, blank=True)
    video_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Moment in a video block.")
    body_markdown = models.TextField()
    body_html = models.TextField()
    visibility = models.CharField(max_length=16, choices=NoteVisibility.choices, default=NoteVisibility.PRIVATE)
    anonymous = models.BooleanField(default=False, help_text="Peers see 'A classmate'; moderators still see who.")
    shared_at = models.DateTimeField(null=True, blank=True)
    helpful_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    thread = models.OneToOneField(
        Thread, null=True, blank=True, on_delete=models.SET_NULL, related_name="source_note",
        help_text="The discussion question this shared note became.",
    )  # fmt: skip
    tags = TaggableManager(through=TaggedNote, blank=True)

    # Site search (home/search.py) reads only shared notes of courses the viewer takes part in.
    search_fields = [
        index.SearchField("body_markdown"),
        index.FilterField("visibility"),
        index.FilterField("course"),
        index.FilterField("lesson"),
    ]

    class Meta:
        indexes = [
            models.Index(fields=["author", "lesson", "created_at"], name="note_author_lesson"),
            models.Index(
                fields=["lesson", "-helpful_count", "-shared_at"],
                name="note_lesson_shared",
                condition=Q(visibility="shared"),
            ),
        ]

    def __str__(self) -> str:
        return f"Note {self.activity_id}"

    @property
    def is_shared(self) -> bool:
        return self.visibility == NoteVisibility.SHARED

    def get_absolute_url(self) -> str:
        return f"{reverse('notes:mine')}#note-{self.activity_id}"

    def xapi_activity(self) -> ActivityRef:
        # Never the text: the name says only where the note is.
        return ActivityRef(kind="note", key=self.activity_id, name=f"Note on “{self.lesson.title[:180]}”")


class NoteVote(models.Model):
    """One helpful vote per person and shared note; removing it deletes the row (and records `unvoted`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "note"], name="note_vote_once")]

    def __str__(self) -> str:
        return f"{self.user_id} voted note {self.note_id}"
