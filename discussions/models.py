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


class Thread(Post):
    """A question or a discussion on a lesson, optionally about one block of it."""

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


class Reply(Post):
    """A reply in a thread: flat, in time order, optionally quoting one earlier reply."""

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


def _one_target(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(thread__isnull=False, reply__isnull=True) | Q(thread__isnull=True, reply__isnull=False)),
        name=f"{prefix}_one_target",
    )


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
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            _one_target("vote"),
            models.UniqueConstraint(fields=["user", "thread"], condition=Q(thread__isnull=False), name="vote_thread"),
            models.UniqueConstraint(fields=["user", "reply"], condition=Q(reply__isnull=False), name="vote_reply"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} voted {self.thread_id or self.reply_id}"


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
            _one_target("flag"),
            models.UniqueConstraint(
                fields=["user", "thread"], condition=Q(thread__isnull=False, resolved_at=None), name="flag_open_thread"
            ),
            models.UniqueConstraint(
                fields=["user", "reply"], condition=Q(reply__isnull=False, resolved_at=None), name="flag_open_reply"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="flag_open", condition=Q(resolved_at=None))]

    def __str__(self) -> str:
        return f"{self.reason} flag on {self.thread_id or self.reply_id}"


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
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.action} by {self.moderator_id}"


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


class Note(models.Model):
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
