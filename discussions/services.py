"""Every write to discussions. One transaction per service; each records its statement (DESIGN.md §2, §4).

Contract shared by all services here:
- keyword-only arguments, the acting person first; permission is checked here, not only in views,
  so the demo seeder, commands and any future API get the same rules;
- anything the person cannot do raises `DiscussionError` with a message fit to show them, before
  anything is written (so "nothing else changed" holds);
- counters (`reply_count`, `helpful_count`, `flag_count`) are updated with F() expressions on the
  locked row inside the same transaction, so concurrent votes never lose an update;
- notification fan-out is never done in the request: a task is enqueued with
  `transaction.on_commit`, taking ids only.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

import nh3
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone

from insights.services import statement_record
from insights.xapi import vocabulary as xapi
from insights.xapi.activities import StatementContext, StatementResult

from . import permissions
from .markdown import MAX_MARKDOWN_LENGTH, render_markdown
from .mentions import mentioned_usernames
from .models import (
    REVIEW_MAX_LENGTH,
    EmailMode,
    Flag,
    FlagReason,
    FlagResolution,
    Follow,
    ModerationAction,
    Mute,
    Notification,
    NotificationKind,
    NotificationPreference,
    PostRevision,
    QuestionRoute,
    Rating,
    RatingSummary,
    Reply,
    RouteHop,
    Subscription,
    Thread,
    ThreadKind,
    Vote,
)

if TYPE_CHECKING:
    from taggit.models import Tag

    from accounts.models import User
    from courses.models import CoursePage, LessonPage

logger = logging.getLogger(__name__)

Post = Thread | Reply
# What flags, helpful votes and moderation act on: posts, and reviews (ratings with text).
Flaggable = Thread | Reply | Rating
TITLE_MAX_LENGTH = 200
DUPLICATE_WINDOW = timedelta(seconds=60)
UNSUBSCRIBE_SALT = "discussions.unsubscribe"


class DiscussionError(Exception):
    """Something the person cannot do now; the message is shown to them as is."""


# --- settings -------------------------------------------------------------------------------------


def flag_hide_threshold() -> int:
    return int(getattr(settings, "DISCUSSIONS_FLAG_HIDE_THRESHOLD", 3))


def new_account_posts_per_hour() -> int:
    return int(getattr(settings, "DISCUSSIONS_NEW_ACCOUNT_POSTS_PER_HOUR", 5))


def new_account_age() -> timedelta:
    return timedelta(days=int(getattr(settings, "DISCUSSIONS_NEW_ACCOUNT_DAYS", 7)))


# --- input ----------------------------------------------------------------------------------------


def clean_title(title: str) -> str:
    """Titles are plain text: markup is stripped (repeatedly, so escaped tags can't come back), then trimmed."""
    text = " ".join((title or "").split())
    for _ in range(5):
        cleaned = " ".join(html.unescape(nh3.clean(text, tags=set())).split())
        if cleaned == text:
            break
        text = cleaned
    if not text:
        raise DiscussionError("Give your thread a title.")
    if len(text) > TITLE_MAX_LENGTH:
        raise DiscussionError(f"Keep the title under {TITLE_MAX_LENGTH} characters.")
    return text


def clean_body(body: str) -> tuple[str, str]:
    """(markdown, sanitised html). Rejects empty, whitespace-only, too long, or markup-only bodies."""
    markdown = (body or "").replace("\r\n", "\n").strip()
    if not markdown:
        raise DiscussionError("Write something first: the post is empty.")
    if len(markdown) > MAX_MARKDOWN_LENGTH:
        raise DiscussionError(f"That's too long: keep posts under {MAX_MARKDOWN_LENGTH:,} characters.")
    rendered = render_markdown(markdown)
    if not nh3.clean(rendered, tags=set()).strip():
        raise DiscussionError("Write something first: the post has no text.")
    return markdown, rendered


# --- shared checks --------------------------------------------------------------------------------


def _require_participant(user: User, course: CoursePage) -> None:
    if not permissions.can_participate(user, course):
        raise DiscussionError("Enrol in this course to take part in its discussions.")


def _require_moderator(user: User) -> None:
    if not permissions.is_moderator(user):
        raise DiscussionError("Only moderators can do that.")


def active_mute(user: User) -> Mute | None:
    return Mute.objects.filter(user=user, until__gt=timezone.now()).order_by("-until").first()


def _require_can_post(user: User, course: CoursePage) -> None:
    """Mutes, then the new-account rate limit (authors and moderators are exempt from the limit)."""
    mute = active_mute(user)
    if mute is not None:
        raise DiscussionError(
            f"A moderator has paused your posting until {timezone.localtime(mute.until):%d %b %Y, %H:%M}."
        )
    if permissions.is_course_staff(user, course):
        return
    now = timezone.now()
    if user.date_joined and now - user.date_joined >= new_account_age():
        return
    limit = new_account_posts_per_hour()
    since = now - timedelta(hours=1)
    recent = (
        Thread.objects.filter(author=user, created_at__gte=since).count()
        + Reply.objects.filter(author=user, created_at__gte=since).count()
    )
    if recent >= limit:
        raise DiscussionError(
            f"New accounts can post {limit} times an hour, and you've reached that. "
            "Please try again a little later: this limit lifts once your account is a week old."
        )


def _registration(user: User, course: CoursePage):
    enrolment = permissions.active_enrolment(user, course)
    return enrolment.registration if enrolment else None


def _thread_of(post: Post) -> Thread:
    return post if isinstance(post, Thread) else post.thread


def _course_of(post: Flaggable) -> CoursePage:
    return post.course if isinstance(post, Rating) else _thread_of(post).course


def _post_context(post: Flaggable, actor: User, extensions: dict | None = None) -> StatementContext:
    """parent = the post's container (lesson for a thread, thread for a reply); grouping = its ancestors.

    A review's container is the lesson it rates (grouping the course), or the course for a course review.
    """
    if isinstance(post, Rating):
        return _rating_context(post, actor, extensions)
    thread = _thread_of(post)
    lesson, course = thread.lesson, thread.course
    if isinstance(post, Thread):
        parent, grouping = [lesson.xapi_activity()], [course.xapi_activity()]
    else:
        parent, grouping = [thread.xapi_activity()], [lesson.xapi_activity(), course.xapi_activity()]
    return StatementContext(
        registration=_registration(actor, course), parent=parent, grouping=grouping, extensions=extensions or {}
    )


def _locked(post: Flaggable) -> Flaggable:
    """Re-read the post under a row lock: counters and state changes serialise per post."""
    model = type(post)
    try:
        fresh = model.objects.select_for_update().get(pk=post.pk)
    except model.DoesNotExist as error:
        raise DiscussionError("That review has been withdrawn.") from error
    if isinstance(fresh, Rating):
        fresh.lesson, fresh.course = post.lesson, post.course
    elif isinstance(fresh, Reply):
        fresh.thread = Thread.objects.select_related("lesson", "course").get(pk=fresh.thread_id)
    else:
        fresh.lesson, fresh.course = post.lesson, post.course
    return fresh


def _require_live(post: Flaggable) -> None:
    if isinstance(post, Rating):
        if post.is_hidden:
            raise DiscussionError("That review is hidden while moderators review it.")
        return
    if post.is_deleted:
        raise DiscussionError("That post has been deleted.")
    if post.is_hidden:
        raise DiscussionError("That post is hidden while moderators review it.")
    thread = _thread_of(post)
    if post is not thread and (thread.is_deleted or thread.is_hidden):
        raise DiscussionError("That thread is no longer available.")


def _target(post: Flaggable) -> dict[str, Flaggable]:
    if isinstance(post, Rating):
        return {"rating": post}
    return {"thread": post} if isinstance(post, Thread) else {"reply": post}


def _enqueue(event: str, post_id: int, actor_id: int) -> None:
    from . import tasks

    transaction.on_commit(lambda: tasks.discussion_fan_out.delay(event, post_id, actor_id))


def _subscribe(user: User, *, thread: Thread | None = None, lesson: LessonPage | None = None) -> None:
    target = {"thread": thread} if thread is not None else {"lesson": lesson}
    Subscription.objects.bulk_create(
        [Subscription(user=user, created_at=timezone.now(), **target)], ignore_conflicts=True
    )


# --- posting --------------------------------------------------------------------------------------


def thread_create(
    *,
    author: User,
    lesson: LessonPage,
    kind: str,
    title: str,
    body: str,
    block_id: str = "",
    course: CoursePage | None = None,
) -> Thread:
    """Start a thread on a lesson (optionally about one block) and record `posted` (parent lesson, grouping course).

    A double submit (same author, lesson, title and body within a minute) returns the first thread
    and records nothing new. The author is subscribed to the thread; lesson subscribers and
    mentioned people are notified after commit.
    """
    from courses.models import CoursePage

    course = course or CoursePage.objects.parent_of(lesson).get()
    if kind not in ThreadKind.values:
        raise DiscussionError("Choose whether this is a question or a discussion.")
    title = clean_title(title)
    markdown, rendered = clean_body(body)
    block_id = (block_id or "").strip()
    if block_id and block_id not in {block.id for block in lesson.body}:
        raise DiscussionError("That part of the lesson no longer exists.")
    _require_participant(author, course)
    with transaction.atomic():
        now = timezone.now()
        duplicate = Thread.objects.filter(
            author=author, lesson=lesson, title=title, body_markdown=markdown, created_at__gte=now - DUPLICATE_WINDOW
        ).first()
        if duplicate is not None:
            return duplicate
        _require_can_post(author, course)
        thread = Thread.objects.create(
            author=author,
            lesson=lesson,
            course=course,
            kind=kind,
            title=title,
            body_markdown=markdown,
            body_html=rendered,
            block_id=block_id,
            created_at=now,
            last_activity_at=now,
        )
        _subscribe(author, thread=thread)
        extensions = {xapi.BLOCK_ID: block_id} if block_id else {}
        statement_record(
            actor=author,
            verb=xapi.POSTED,
            object=thread.xapi_activity(),
            context=_post_context(thread, author, extensions),
            timestamp=now,
        )
        _enqueue("thread", thread.pk, author.pk)
        return thread


def reply_create(*, author: User, thread: Thread, body: str, quoted: Reply | None = None) -> Reply:
    """Reply in a thread (optionally quoting an earlier reply) and record `posted` (parent thread).

    Closed threads take replies from moderators only. A double submit within a minute returns the
    first reply. The replier is subscribed to the thread; subscribers and mentioned people are
    notified after commit.
    """
    markdown, rendered = clean_body(body)
    _require_participant(author, thread.course)
    if quoted is not None and (quoted.thread_id != thread.pk or quoted.is_deleted or quoted.is_hidden):
        raise DiscussionError("You can only quote a visible reply in the same thread.")
    with transaction.atomic():
        thread = _locked(thread)
        _require_live(thread)
        if thread.is_closed and not permissions.is_moderator(author):
            raise DiscussionError("This thread is closed to new replies.")
        now = timezone.now()
        duplicate = Reply.objects.filter(
            author=author, thread=thread, body_markdown=markdown, created_at__gte=now - DUPLICATE_WINDOW
        ).first()
        if duplicate is not None:
            return duplicate
        _require_can_post(author, thread.course)
        reply = Reply.objects.create(
            thread=thread, author=author, quoted=quoted, body_markdown=markdown, body_html=rendered, created_at=now
        )
        Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + 1, last_activity_at=now)
        thread.reply_count += 1
        thread.last_activity_at = now
        reply.thread = thread
        _subscribe(author, thread=thread)
        statement_record(
            actor=author, verb=xapi.POSTED, object=reply.xapi_activity(), context=_post_context(reply, author),
            timestamp=now,
        )  # fmt: skip
        _enqueue("reply", reply.pk, author.pk)
        return reply


def post_edit(*, editor: User, post: Post, body: str, title: str | None = None) -> Post:
    """The author edits their post; the previous version is kept as a revision. Records `edited`.

    Only the author may edit (moderators hide instead, so nobody's words are changed under their name).
    Saving unchanged text is a no-op.
    """
    markdown, rendered = clean_body(body)
    new_title = clean_title(title) if isinstance(post, Thread) and title is not None else None
    with transaction.atomic():
        post = _locked(post)
        if post.author_id != editor.pk:
            raise DiscussionError("Only the author can edit a post.")
        if post.is_deleted:
            raise DiscussionError("That post has been deleted.")
        title_changed = new_title is not None and new_title != post.title
        if markdown == post.body_markdown and not title_changed:
            return post
        now = timezone.now()
        PostRevision.objects.create(
            editor=editor,
            title=post.title if isinstance(post, Thread) else "",
            body_markdown=post.body_markdown,
            body_html=post.body_html,
            created_at=post.edited_at or post.created_at,
            replaced_at=now,
            **_target(post),
        )
        post.body_markdown, post.body_html, post.edited_at = markdown, rendered, now
        fields = ["body_markdown", "body_html", "edited_at"]
        if title_changed:
            post.title = new_title
            fields.append("title")
        post.save(update_fields=fields)
        statement_record(
            actor=editor, verb=xapi.EDITED, object=post.xapi_activity(), context=_post_context(post, editor),
            timestamp=now,
        )  # fmt: skip
        return post


def post_delete(*, actor: User, post: Post) -> Post:
    """The author deletes their post: soft, so the thread stays intact and shows "[deleted]". Records `deleted`.

    A deleted reply that was the accepted answer stops being accepted. Deleting twice is a no-op.
    """
    with transaction.atomic():
        post = _locked(post)
        if post.author_id != actor.pk:
            raise DiscussionError("Only the author can delete a post.")
        if post.is_deleted:
            return post
        now = timezone.now()
        was_visible = not post.is_hidden
        post.deleted_at = now
        post.save(update_fields=["deleted_at"])
        if isinstance(post, Reply):
            thread_update: dict = {}
            if was_visible:
                thread_update["reply_count"] = F("reply_count") - 1
            if post.thread.accepted_reply_id == post.pk:
                thread_update["accepted_reply"] = None
            if thread_update:
                Thread.objects.filter(pk=post.thread_id).update(**thread_update)
        statement_record(
            actor=actor, verb=xapi.DELETED, object=post.xapi_activity(), context=_post_context(post, actor),
            timestamp=now,
        )  # fmt: skip
        return post


# --- votes and answers ----------------------------------------------------------------------------


def vote_toggle(*, user: User, post: Flaggable) -> bool:
    """Toggle the person's helpful vote on a post or a review; True if they now vote for it.

    Records `voted-up` or `unvoted`. One vote per person and post (a conditional unique constraint
    backs this up); the post's `helpful_count` moves with it under the post's row lock.
    """
    _require_participant(user, _course_of(post))
    with transaction.atomic():
        post = _locked(post)
        _require_live(post)
        if post.author_id == user.pk:
            raise DiscussionError(f"You can't vote for your own {_noun(post)}.")
        now = timezone.now()
        existing = Vote.objects.filter(user=user, **_target(post)).first()
        if existing is None:
            Vote.objects.create(user=user, created_at=now, **_target(post))
            delta, verb = 1, xapi.VOTED_UP
        else:
            existing.delete()
            delta, verb = -1, xapi.UNVOTED
        type(post).objects.filter(pk=post.pk).update(helpful_count=F("helpful_count") + delta)
        post.helpful_count += delta
        statement_record(
            actor=user, verb=verb, object=post.xapi_activity(), context=_post_context(post, user), timestamp=now
        )
        return delta > 0


def can_accept(user: User, thread: Thread) -> bool:
    return permissions.signed_in(user) and (
        thread.author_id == user.pk or permissions.is_course_staff(user, thread.course)
    )


def answer_accept(*, user: User, reply: Reply) -> Reply:
    """The asker (or a course author or moderator) accepts a reply as the answer to a question.

    Accepting another reply replaces the earlier choice: `unaccepted` is recorded for the earlier
    reply, then `accepted` for this one (object the reply, parent the thread), and the reply's author
    is notified after commit. Accepting the same reply again is a no-op.
    """
    with transaction.atomic():
        reply = _locked(reply)
        thread = reply.thread
        _require_can_accept(user, thread)
        _require_live(reply)
        if thread.accepted_reply_id == reply.pk:
            return reply
        now = timezone.now()
        previous = Reply.objects.filter(pk=thread.accepted_reply_id).first() if thread.accepted_reply_id else None
        if previous is not None:
            previous.thread = thread
        Thread.objects.filter(pk=thread.pk).update(accepted_reply=reply, last_activity_at=now)
        thread.accepted_reply = reply
        if previous is not None:
            statement_record(
                actor=user, verb=xapi.UNACCEPTED, object=previous.xapi_activity(),
                context=_post_context(previous, user), timestamp=now - timedelta(milliseconds=1),
            )  # fmt: skip
        statement_record(
            actor=user, verb=xapi.ACCEPTED, object=reply.xapi_activity(), context=_post_context(reply, user),
            timestamp=now,
        )  # fmt: skip
        if reply.author_id != user.pk:
            _enqueue("accepted", reply.pk, user.pk)
        return reply


def answer_unaccept(*, user: User, reply: Reply) -> bool:
    """Withdraw the acceptance of `reply` (the asker, a course author or a moderator): the question is
    unanswered again and another reply can be accepted. Records `unaccepted` (a new fact, never a voiding
    of `accepted`). Returns False, changing nothing, when the reply is not the accepted answer.
    """
    with transaction.atomic():
        reply = _locked(reply)
        thread = reply.thread
        _require_can_accept(user, thread)
        if thread.accepted_reply_id != reply.pk:
            return False
        now = timezone.now()
        Thread.objects.filter(pk=thread.pk, accepted_reply=reply).update(accepted_reply=None)
        thread.accepted_reply = None
        statement_record(
            actor=user, verb=xapi.UNACCEPTED, object=reply.xapi_activity(), context=_post_context(reply, user),
            timestamp=now,
        )  # fmt: skip
        return True


def _require_can_accept(user: User, thread: Thread) -> None:
    if not thread.is_question:
        raise DiscussionError("Only questions have accepted answers.")
    if not can_accept(user, thread):
        raise DiscussionError("Only the person who asked (or a course author or moderator) can accept an answer.")


# --- flags and moderation -------------------------------------------------------------------------


def _noun(post: Flaggable) -> str:
    return "review" if isinstance(post, Rating) else "post"


def _log(moderator: User | None, action: str, post: Flaggable | None = None, **fields) -> ModerationAction:
    return ModerationAction.objects.create(
        moderator=moderator, action=action, created_at=timezone.now(), **(_target(post) if post else {}), **fields
    )


def _set_hidden(post: Flaggable, hidden_at: datetime | None, reason: str) -> None:
    """Hide or show a post, keeping the thread's visible reply count (or the summary's review count) right."""
    was_visible = not post.is_hidden
    post.hidden_at, post.hidden_reason = hidden_at, reason
    post.save(update_fields=["hidden_at", "hidden_reason"])
    if isinstance(post, Rating):
        if post.review and was_visible != (hidden_at is None):
            _summary_of(post).update(review_count=F("review_count") + (1 if hidden_at is None else -1))
        return
    if isinstance(post, Reply) and not post.is_deleted and was_visible != (hidden_at is None):
        delta = 1 if hidden_at is None else -1
        Thread.objects.filter(pk=post.thread_id).update(reply_count=F("reply_count") + delta)
        if hidden_at is not None and post.thread.accepted_reply_id == post.pk:
            Thread.objects.filter(pk=post.thread_id).update(accepted_reply=None)


def _resolve_flags(post: Flaggable, moderator: User, resolution: str) -> int:
    resolved = Flag.objects.filter(resolved_at=None, **_target(post)).update(
        resolution=resolution, resolved_at=timezone.now(), resolved_by=moderator
    )
    type(post).objects.filter(pk=post.pk).update(flag_count=0)
    post.flag_count = 0
    return resolved


def flag_create(*, user: User, post: Flaggable, reason: str, note: str = "") -> Flag:
    """Flag a post or a review with a reason. Records `flag-as-inappropriate` with the flag-reason extension.

    At DISCUSSIONS_FLAG_HIDE_THRESHOLD open flags the post is hidden pending review (logged as an
    automatic action). One open flag per person and post; flagging your own post is refused.
    """
    if reason not in FlagReason.values:
        raise DiscussionError(f"Choose why you're flagging this {_noun(post)}.")
    note = " ".join((note or "").split())[:500]
    _require_participant(user, _course_of(post))
    with transaction.atomic():
        post = _locked(post)
        if post.is_deleted:
            raise DiscussionError("That post has been deleted.")
        if post.author_id == user.pk:
            raise DiscussionError(f"You can't flag your own {_noun(post)}; edit or delete it instead.")
        if Flag.objects.filter(user=user, resolved_at=None, **_target(post)).exists():
            raise DiscussionError(f"You've already flagged this {_noun(post)}; moderators will look at it.")
        now = timezone.now()
        try:
            with transaction.atomic():
                flag = Flag.objects.create(user=user, reason=reason, note=note, created_at=now, **_target(post))
        except IntegrityError as error:
            raise DiscussionError(f"You've already flagged this {_noun(post)}; moderators will look at it.") from error
        type(post).objects.filter(pk=post.pk).update(flag_count=F("flag_count") + 1)
        post.flag_count += 1
        if not post.is_hidden and post.flag_count >= flag_hide_threshold():
            _set_hidden(post, now, f"Hidden pending review after {post.flag_count} flags.")
            _log(None, ModerationAction.Action.AUTO_HIDE, post, reason=post.hidden_reason)
        statement_record(
            actor=user,
            verb=xapi.FLAGGED,
            object=post.xapi_activity(),
            context=_post_context(post, user, {xapi.FLAG_REASON: reason}),
            timestamp=now,
        )
        return flag


def post_hide(*, moderator: User, post: Flaggable, reason: str) -> Flaggable:
    """A moderator hides a post (open flags are upheld). Records `hid`; logged. Hidden twice: no-op."""
    _require_moderator(moderator)
    reason = " ".join((reason or "").split())[:200] or "Hidden by a moderator."
    with transaction.atomic():
        post = _locked(post)
        now = timezone.now()
        _resolve_flags(post, moderator, FlagResolution.UPHELD)
        if post.is_hidden and post.hidden_reason == reason:
            return post
        _set_hidden(post, post.hidden_at or now, reason)
        _log(moderator, ModerationAction.Action.HIDE, post, reason=reason, target_user_id=post.author_id)
        statement_record(
            actor=moderator,
            verb=xapi.HID,
            object=post.xapi_activity(),
            context=_post_context(post, moderator, {xapi.MODERATION_REASON: reason}),
            timestamp=now,
        )
        return post


def post_restore(*, moderator: User, post: Flaggable, reason: str = "") -> Flaggable:
    """A moderator shows a hidden post again and closes its flags. Records `restored`; logged."""
    _require_moderator(moderator)
    reason = " ".join((reason or "").split())[:200]
    with transaction.atomic():
        post = _locked(post)
        if not post.is_hidden:
            raise DiscussionError(f"That {_noun(post)} isn't hidden.")
        now = timezone.now()
        _resolve_flags(post, moderator, FlagResolution.RESTORED)
        _set_hidden(post, None, "")
        _log(moderator, ModerationAction.Action.RESTORE, post, reason=reason, target_user_id=post.author_id)
        extensions = {xapi.MODERATION_REASON: reason} if reason else {}
        statement_record(
            actor=moderator, verb=xapi.RESTORED, object=post.xapi_activity(),
            context=_post_context(post, moderator, extensions), timestamp=now,
        )  # fmt: skip
        return post


def flags_dismiss(*, moderator: User, post: Flaggable, reason: str = "") -> int:
    """A moderator decides the open flags were wrong: they are closed, and a post they hid is shown again.

    Records `dismissed` (and `restored` when it un-hides); logged. Returns how many flags closed.
    """
    _require_moderator(moderator)
    reason = " ".join((reason or "").split())[:200]
    with transaction.atomic():
        post = _locked(post)
        count = _resolve_flags(post, moderator, FlagResolution.DISMISSED)
        if not count:
            raise DiscussionError(f"That {_noun(post)} has no open flags.")
        now = timezone.now()
        _log(moderator, ModerationAction.Action.DISMISS, post, reason=reason, target_user_id=post.author_id)
        extensions = {xapi.MODERATION_REASON: reason} if reason else {}
        statement_record(
            actor=moderator, verb=xapi.DISMISSED, object=post.xapi_activity(),
            context=_post_context(post, moderator, extensions), timestamp=now,
        )  # fmt: skip
        if post.is_hidden:
            _set_hidden(post, None, "")
            _log(moderator, ModerationAction.Action.RESTORE, post, reason=reason, target_user_id=post.author_id)
            statement_record(
                actor=moderator, verb=xapi.RESTORED, object=post.xapi_activity(),
                context=_post_context(post, moderator, extensions), timestamp=now + timedelta(milliseconds=1),
            )  # fmt: skip
        return count


def thread_pin(*, moderator: User, thread: Thread, pinned: bool, reason: str = "") -> Thread:
    """Pin a thread to the top of its lesson's list (or unpin). Records `pinned`/`unpinned`; logged."""
    _require_moderator(moderator)
    reason = " ".join((reason or "").split())[:200]
    with transaction.atomic():
        thread = _locked(thread)
        if thread.is_pinned == pinned:
            return thread
        now = timezone.now()
        thread.pinned_at = now if pinned else None
        thread.save(update_fields=["pinned_at"])
        action = ModerationAction.Action.PIN if pinned else ModerationAction.Action.UNPIN
        _log(moderator, action, thread, reason=reason)
        extensions = {xapi.MODERATION_REASON: reason} if reason else {}
        statement_record(
            actor=moderator, verb=xapi.PINNED if pinned else xapi.UNPINNED, object=thread.xapi_activity(),
            context=_post_context(thread, moderator, extensions), timestamp=now,
        )  # fmt: skip
        return thread


def thread_close(*, moderator: User, thread: Thread, closed: bool, reason: str = "") -> Thread:
    """Close a thread to new replies, with a reason shown to everyone (or reopen it). Records `closed`/`reopened`."""
    _require_moderator(moderator)
    reason = " ".join((reason or "").split())[:200]
    if closed and not reason:
        raise DiscussionError("Say why the thread is being closed: learners will see the reason.")
    with transaction.atomic():
        thread = _locked(thread)
        if thread.is_closed == closed:
            return thread
        now = timezone.now()
        thread.closed_at, thread.closed_reason = (now, reason) if closed else (None, "")
        thread.save(update_fields=["closed_at", "closed_reason"])
        action = ModerationAction.Action.CLOSE if closed else ModerationAction.Action.REOPEN
        _log(moderator, action, thread, reason=reason)
        extensions = {xapi.MODERATION_REASON: reason} if reason else {}
        statement_record(
            actor=moderator, verb=xapi.CLOSED if closed else xapi.REOPENED, object=thread.xapi_activity(),
            context=_post_context(thread, moderator, extensions), timestamp=now,
        )  # fmt: skip
        return thread


def user_mute(*, moderator: User, user: User, days: int, reason: str) -> Mute:
    """Stop someone posting for `days` days (1–365). Records `muted` with the person as object; logged."""
    _require_moderator(moderator)
    reason = " ".join((reason or "").split())[:200]
    if not reason:
        raise DiscussionError("Say why you're muting this person.")
    if not 1 <= days <= 365:
        raise DiscussionError("Mute for between 1 and 365 days.")
    if user.pk == moderator.pk:
        raise DiscussionError("You can't mute yourself.")
    with transaction.atomic():
        now = timezone.now()
        mute = Mute.objects.create(
            user=user, muted_by=moderator, reason=reason, created_at=now, until=now + timedelta(days=days)
        )
        _log(moderator, ModerationAction.Action.MUTE, None, reason=reason, target_user=user)
        statement_record(
            actor=moderator,
            verb=xapi.MUTED,
            object=user,
            context=StatementContext(
                extensions={xapi.MODERATION_REASON: reason, xapi.MUTED_UNTIL: mute.until.isoformat()}
            ),
            timestamp=now,
        )
        return mute


# --- ratings and reviews --------------------------------------------------------------------------


class RatingError(DiscussionError):
    """A rating that cannot be stored; the message is shown to the person as is."""


_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10))


def clean_review(review: str) -> str:
    """Reviews are plain text (escaped on output): control characters dropped, blank lines squeezed, length-limited."""
    text = (review or "").replace("\r\n", "\n").translate(_CONTROL).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    if len(text) > REVIEW_MAX_LENGTH:
        raise RatingError(f"Keep your review under {REVIEW_MAX_LENGTH:,} characters (it has {len(text):,}).")
    return text


def clean_stars(stars: object) -> int:
    try:
        value = int(str(stars).strip())
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise RatingError("Choose from 1 to 5 stars.")
    return value


def _summary_filter(lesson: LessonPage | None, course: CoursePage) -> dict:
    return {"lesson": lesson} if lesson is not None else {"course": course, "lesson": None}


def _summary_of(rating: Rating):
    return RatingSummary.objects.filter(**_summary_filter(rating.lesson if rating.lesson_id else None, rating.course))


def _locked_summary(lesson: LessonPage | None, course: CoursePage) -> RatingSummary:
    """The target's summary row, created if missing and locked: every rating change on one target queues here.

    INSERT … ON CONFLICT DO NOTHING then SELECT … FOR UPDATE, so two first ratings arriving together
    both find the one row, and the second waits until the first committed its counts.
    """
    RatingSummary.objects.bulk_create([RatingSummary(lesson=lesson, course=course)], ignore_conflicts=True)
    return RatingSummary.objects.select_for_update().get(**_summary_filter(lesson, course))


def _is_visible_review(rating: Rating | None) -> bool:
    return bool(rating is not None and rating.review and not rating.is_hidden)


def _rating_target(lesson: LessonPage | None, course: CoursePage | None) -> tuple[LessonPage | None, CoursePage]:
    from courses.models import CoursePage

    if lesson is None and course is None:
        raise ValueError("rating needs a lesson or a course")
    if lesson is not None and course is None:
        course = CoursePage.objects.parent_of(lesson).get()
    return lesson, course


def _rating_context(rating: Rating, actor: User, extensions: dict | None = None) -> StatementContext:
    if rating.lesson_id:
        parent, grouping = [rating.lesson.xapi_activity()], [rating.course.xapi_activity()]
    else:
        parent, grouping = [rating.course.xapi_activity()], []
    return StatementContext(
        registration=_registration(actor, rating.course), parent=parent, grouping=grouping,
        extensions=extensions or {},
    )  # fmt: skip


def _rated_context(lesson: LessonPage | None, course: CoursePage, actor: User) -> StatementContext:
    """`rated`/`unrated` are about the lesson (parent: its course) or the course itself."""
    return StatementContext(
        registration=_registration(actor, course), parent=[course.xapi_activity()] if lesson is not None else []
    )


def _require_may_rate(author: User, lesson: LessonPage | None, course: CoursePage) -> None:
    from courses.models import Enrolment, LessonProgress

    # Read fresh (not the per-request cache): completing the course a moment ago must count.
    enrolment = Enrolment.objects.filter(user=author, course=course, unenrolled_at__isnull=True).first()
    if enrolment is None:
        raise RatingError("Enrol in this course to rate it.")
    if lesson is not None:
        if not LessonProgress.objects.filter(user=author, lesson=lesson).exists():
            raise RatingError("Open the lesson before you rate it.")
    elif enrolment.completed_at is None:
        raise RatingError("You can review the course once you've completed it.")


def rating_set(
    *,
    author: User,
    stars: int | str,
    review: str = "",
    lesson: LessonPage | None = None,
    course: CoursePage | None = None,
) -> Rating:
    """Rate a lesson the person has opened (or, with no lesson, a course they completed) 1–5, with an optional review.

    One rating per person and target: rating again edits it (stars and review); the same stars and
    text again is a no-op. Records `rated` (object the lesson or course; result.score raw/min/max/
    scaled, response = the review). The target's `RatingSummary` row is locked first, so concurrent
    ratings serialise and its counts move by exact F() deltas; a unique constraint backs up "one
    rating" should anything bypass the lock. A muted person may still rate, but not write a review.
    """
    stars = clean_stars(stars)
    review = clean_review(review)
    lesson, course = _rating_target(lesson, course)
    if not permissions.signed_in(author):
        raise RatingError("Log in to rate.")
    _require_may_rate(author, lesson, course)
    if review and (mute := active_mute(author)) is not None:
        raise RatingError(
            f"A moderator has paused your posting until {timezone.localtime(mute.until):%d %b %Y, %H:%M}: "
            "you can still rate, without a review."
        )
    with transaction.atomic():
        summary = _locked_summary(lesson, course)
        target = {"lesson": lesson} if lesson is not None else {"course": course, "lesson": None}
        existing = Rating.objects.filter(author=author, **target).first()
        now = timezone.now()
        changes: dict = {}
        if existing is None:
            try:
                with transaction.atomic():
                    rating = Rating.objects.create(
                        author=author, lesson=lesson, course=course, stars=stars, review=review, created_at=now
                    )
            except IntegrityError as error:
                raise RatingError("You've already rated this; change your rating instead.") from error
            changes = {"count": F("count") + 1, "total": F("total") + stars, f"stars_{stars}": F(f"stars_{stars}") + 1}
            if _is_visible_review(rating):
                changes["review_count"] = F("review_count") + 1
        else:
            if existing.stars == stars and existing.review == review:
                existing.lesson, existing.course = lesson, course
                return existing
            rating = existing
            was_visible = _is_visible_review(rating)
            if rating.stars != stars:
                changes = {
                    "total": F("total") + (stars - rating.stars),
                    f"stars_{rating.stars}": F(f"stars_{rating.stars}") - 1,
                    f"stars_{stars}": F(f"stars_{stars}") + 1,
                }
            rating.stars, rating.review, rating.edited_at = stars, review, now
            rating.save(update_fields=["stars", "review", "edited_at"])
            delta = int(_is_visible_review(rating)) - int(was_visible)
            if delta:
                changes["review_count"] = F("review_count") + delta
        if changes:
            RatingSummary.objects.filter(pk=summary.pk).update(**changes)
        rating.lesson, rating.course = lesson, course
        statement_record(
            actor=author,
            verb=xapi.RATED,
            object=(lesson or course).xapi_activity(),
            result=StatementResult(
                score_raw=stars, score_min=1, score_max=5, score_scaled=(stars - 1) / 4, response=review or None
            ),
            context=_rated_context(lesson, course, author),
            timestamp=now,
        )
        return rating


def rating_withdraw(*, author: User, lesson: LessonPage | None = None, course: CoursePage | None = None) -> bool:
    """Withdraw the person's rating of a lesson (or course) with its review, votes and flags. False if none.

    Records the minted `unrated` as a new fact rather than voiding the `rated` statements: they
    stay true about the past (and there may be several, one per edit), as `unvoted` does for votes.
    Counts leave the summary under its row lock.
    """
    lesson, course = _rating_target(lesson, course)
    with transaction.atomic():
        summary = _locked_summary(lesson, course)
        target = {"lesson": lesson} if lesson is not None else {"course": course, "lesson": None}
        rating = Rating.objects.filter(author=author, **target).first()
        if rating is None:
            return False
        changes = {
            "count": F("count") - 1,
            "total": F("total") - rating.stars,
            f"stars_{rating.stars}": F(f"stars_{rating.stars}") - 1,
        }
        if _is_visible_review(rating):
            changes["review_count"] = F("review_count") - 1
        rating.delete()
        RatingSummary.objects.filter(pk=summary.pk).update(**changes)
        statement_record(
            actor=author,
            verb=xapi.UNRATED,
            object=(lesson or course).xapi_activity(),
            context=_rated_context(lesson, course, author),
            timestamp=timezone.now(),
        )
        return True


# --- subscriptions and notifications --------------------------------------------------------------


def subscription_set(
    *, user: User, subscribed: bool, thread: Thread | None = None, lesson: LessonPage | None = None
) -> bool:
    """Follow or stop following a thread or a lesson. Idempotent; returns the new state.

    Not a learning action, so no statement (the §4 follow verbs are for courses, tags and people).
    """
    if (thread is None) == (lesson is None):
        raise ValueError("subscription_set needs exactly one of thread or lesson")
    if thread is not None:
        course = thread.course
    else:
        from courses.models import CoursePage

        course = CoursePage.objects.parent_of(lesson).get()
    if subscribed:
        _require_participant(user, course)
    with transaction.atomic():
        target = {"thread": thread} if thread is not None else {"lesson": lesson}
        if subscribed:
            _subscribe(user, **target)
        else:
            Subscription.objects.filter(user=user, **target).delete()
        return subscribed


def notification_mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    """Mark the person's notifications read (all when no ids). Returns how many changed."""
    with transaction.atomic():
        unread = Notification.objects.filter(recipient=user, read_at=None)
        if notification_ids is not None:
            unread = unread.filter(pk__in=notification_ids)
        return unread.update(read_at=timezone.now())


def notification_preference_set(*, user: User, email_mode: str) -> NotificationPreference:
    if email_mode not in EmailMode.values:
        raise DiscussionError("Choose how often to get e-mail.")
    with transaction.atomic():
        preference, _ = NotificationPreference.objects.update_or_create(user=user, defaults={"email_mode": email_mode})
        return preference


def unsubscribe_token(user: User, scope: str = "email") -> str:
    """A signed, login-free token for an e-mail's unsubscribe link. scope: "email" or "thread:<pk>"."""
    return signing.dumps({"u": user.pk, "s": scope}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_with_token(*, token: str) -> tuple[User, str]:
    """Apply an unsubscribe link: stop all discussion e-mail, or follow one thread no more.

    Raises DiscussionError for a tampered or unknown token. Idempotent.
    """
    from accounts.models import User

    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=int(data["u"]))
        scope = str(data["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist) as error:
        raise DiscussionError("That unsubscribe link isn't valid. Sign in to change your e-mail settings.") from error
    with transaction.atomic():
        if scope.startswith("thread:"):
            Subscription.objects.filter(user=user, thread_id=int(scope.split(":", 1)[1])).delete()
        else:
            NotificationPreference.objects.update_or_create(user=user, defaults={"email_mode": EmailMode.OFF})
    return user, scope


def _readers(user_ids: set[int], course: CoursePage) -> list[User]:
    """Of these people, those who may still read the course's discussions (one query).

    EXISTS subqueries rather than OR-ed joins: joins multiply rows per person (enrolments × groups ×
    authored courses) and made this the slowest part of a 200-subscriber fan-out.
    """
    from accounts.models import User
    from courses.models import Enrolment

    if not user_ids:
        return []
    enrolled = Enrolment.objects.filter(user=OuterRef("pk"), course=course, unenrolled_at=None)
    authoring = type(course).authors.through.objects.filter(user_id=OuterRef("pk"), coursepage_id=course.pk)
    moderating = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=permissions.MODERATORS_GROUP)
    return list(
        User.objects.filter(pk__in=user_ids, is_active=True)
        .filter(Exists(enrolled) | Exists(authoring) | Q(is_superuser=True) | Exists(moderating))
        .select_related("discussion_preferences")
    )


def notifications_fan_out(*, event: str, post_id: int, actor_id: int) -> int:
    """Create the notifications for one event and e-mail those who asked for immediate mail.

    event: "thread" (lesson subscribers + mentions), "reply" (thread subscribers + mentions) or
    "accepted" (the reply's author). Runs in a task after the post committed; a unique constraint
    makes a re-run create nothing twice, and `emailed_at` makes it mail nobody twice. Returns how
    many notifications were created. Hidden or deleted posts notify nobody.
    """
    if event == "thread":
        post: Post | None = Thread.objects.select_related("lesson", "course").filter(pk=post_id).first()
    else:
        post = Reply.objects.select_related("thread__lesson", "thread__course").filter(pk=post_id).first()
    if post is None or post.is_deleted or post.is_hidden:
        return 0
    thread = _thread_of(post)
    reply = post if isinstance(post, Reply) else None
    kinds: dict[int, str] = {}
    if event == "accepted":
        kinds[post.author_id] = NotificationKind.ACCEPTED
    else:
        if event == "thread":
            subscribers = Subscription.objects.filter(lesson_id=thread.lesson_id)
            kind = NotificationKind.THREAD
        else:
            subscribers = Subscription.objects.filter(thread_id=thread.pk)
            kind = NotificationKind.REPLY
        for user_id in subscribers.values_list("user_id", flat=True):
            kinds[user_id] = kind
        names = [name.lower() for name in mentioned_usernames(post.body_markdown)]
        if names:
            from accounts.models import User

            mentioned = User.objects.annotate(lower=Lower("username")).filter(lower__in=names)
            for user_id in mentioned.values_list("pk", flat=True):
                kinds[user_id] = NotificationKind.MENTION
        if _is_first_post(post):
            # Voices: someone speaks up for the first time; the course's authors are asked to welcome them.
            for author_id in thread.course.authors.values_list("pk", flat=True):
                kinds[author_id] = NotificationKind.FIRST_POST
    kinds.pop(actor_id, None)
    recipients = _readers(set(kinds), thread.course)
    if not recipients:
        return 0
    now = timezone.now()
    with transaction.atomic():
        before = Notification.objects.filter(thread=thread, reply=reply, recipient__in=recipients).count()
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=user, actor_id=actor_id, kind=kinds[user.pk], thread=thread, reply=reply, created_at=now
                )
                for user in recipients
            ],
            ignore_conflicts=True,
        )
        created = Notification.objects.filter(thread=thread, reply=reply, recipient__in=recipients).count() - before
    immediate = [user for user in recipients if _email_mode(user) == EmailMode.IMMEDIATE and user.email]
    if immediate:
        _send_immediate(immediate, thread=thread, reply=reply)
    return created


def _is_first_post(post: Post) -> bool:
    """Whether this is the author's only thread or reply so far (anything deleted still counts as having spoken)."""
    threads = Thread.objects.filter(author_id=post.author_id)
    replies = Reply.objects.filter(author_id=post.author_id)
    if isinstance(post, Thread):
        return not threads.exclude(pk=post.pk).exists() and not replies.exists()
    return not replies.exclude(pk=post.pk).exists() and not threads.exists()


def _email_mode(user: User) -> str:
    try:
        return user.discussion_preferences.email_mode
    except NotificationPreference.DoesNotExist:
        return EmailMode.DAILY


def _absolute(path: str) -> str:
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


def _unsubscribe_url(user: User, scope: str = "email") -> str:
    return _absolute(_unsubscribe_path().replace("TOKEN", unsubscribe_token(user, scope)))


@lru_cache(maxsize=1)
def _unsubscribe_path() -> str:
    from django.urls import reverse

    return reverse("discussions:unsubscribe", kwargs={"token": "TOKEN"})


def _message(user: User, subject: str, template: str, context: dict) -> EmailMessage:
    unsubscribe = _unsubscribe_url(user)
    site_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    body = render_to_string(template, {**context, "user": user, "unsubscribe_url": unsubscribe, "site_url": site_url})
    return EmailMessage(
        subject=subject,
        body=body,
        to=[user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def _send_immediate(users: list[User], *, thread: Thread, reply: Reply | None) -> None:
    """One message each, over one connection; only notifications not yet mailed, marked as mailed."""
    pending = dict(
        Notification.objects.filter(thread=thread, reply=reply, recipient__in=users, emailed_at=None).values_list(
            "recipient_id", "kind"
        )
    )
    post = reply or thread
    url = _absolute(post.get_absolute_url())
    messages = []
    for user in users:
        kind = pending.get(user.pk)
        if kind is None:
            continue
        label = NotificationKind(kind).label
        messages.append(
            _message(
                user,
                f"{label}: {thread.title}"[:150],
                "discussions/email/notification.txt",
                {
                    "thread": thread,
                    "post": post,
                    "kind": label,
                    "url": url,
                    "thread_unsubscribe_url": _unsubscribe_url(user, f"thread:{thread.pk}"),
                },
            )  # fmt: skip
        )
    if not messages:
        return
    get_connection().send_messages(messages)
    Notification.objects.filter(thread=thread, reply=reply, recipient_id__in=list(pending), emailed_at=None).update(
        emailed_at=timezone.now()
    )


def digest_send(*, user: User, now: datetime | None = None) -> int:
    """E-mail one person their daily digest: every notification not yet mailed. Returns how many it listed.

    Marks them mailed in the same transaction, so a second run the same day sends nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(of=("self",))
            .filter(recipient=user, emailed_at=None, thread__hidden_at=None)
            .exclude(reply__hidden_at__isnull=False)  # hidden since: not mailed (unless restored)
            .select_related("actor", "thread", "reply")
            .order_by("created_at")[:200]
        )
        if not pending or not user.email:
            return 0
        items = [
            {"notification": n, "url": _absolute(n.get_absolute_url()), "kind": NotificationKind(n.kind).label}
            for n in pending
        ]
        message = _message(
            user,
            f"Your Guild discussions digest: {len(pending)} update{'s' if len(pending) != 1 else ''}",
            "discussions/email/digest.txt",
            {"items": items},
        )
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=now)
        NotificationPreference.objects.update_or_create(user=user, defaults={"last_digest_at": now})
        message.send()
        return len(pending)


def digest_recipients() -> list[int]:
    """Ids of people on the daily digest (the default) with notifications not yet mailed."""
    return list(
        Notification.objects.filter(emailed_at=None, recipient__is_active=True)
        .exclude(recipient__discussion_preferences__email_mode__in=[EmailMode.OFF, EmailMode.IMMEDIATE])
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )


# --- routing unanswered questions (issue #7) -------------------------------------------------------


def routing_helpers_after() -> timedelta:
    return timedelta(hours=int(getattr(settings, "ROUTING_HELPERS_AFTER_HOURS", 24)))


def routing_authors_after() -> timedelta:
    """How long after the helpers were asked (or could have been) the course's authors are asked."""
    return timedelta(hours=int(getattr(settings, "ROUTING_AUTHORS_AFTER_HOURS", 24)))


def routing_daily_cap() -> int:
    return int(getattr(settings, "ROUTING_DAILY_CAP", 3))


def routing_helpers_per_question() -> int:
    return int(getattr(settings, "ROUTING_HELPERS_PER_QUESTION", 2))


def routing_max_age() -> timedelta:
    return timedelta(days=int(getattr(settings, "ROUTING_MAX_AGE_DAYS", 14)))


ROUTING_DECLINE_MEMORY = timedelta(days=30)


def _waiting_for_an_answer(thread: Thread) -> bool:
    """A live, open question with no accepted answer and no visible reply from anyone but the asker."""
    if not thread.is_question or thread.is_answered or thread.is_deleted or thread.is_hidden or thread.is_closed:
        return False
    others = Reply.objects.filter(thread=thread, hidden_at=None, deleted_at=None).exclude(author_id=thread.author_id)
    return not others.exists()


def _routable(candidates: list[int], thread: Thread, now: datetime) -> list[User]:
    """Of these people (in order), those who may be asked now: can read the course, not opted out, under
    the daily cap, and who have not declined a question on this lesson lately."""
    from insights.experts import _opted_out

    if not candidates:
        return []
    declined = set(
        QuestionRoute.objects.filter(
            recipient_id__in=candidates,
            thread__lesson_id=thread.lesson_id,
            declined_at__gte=now - ROUTING_DECLINE_MEMORY,
        ).values_list("recipient_id", flat=True)
    )
    busy = {
        row["recipient_id"]
        for row in QuestionRoute.objects.filter(recipient_id__in=candidates, created_at__gt=now - timedelta(days=1))
        .values("recipient_id")
        .annotate(count=Count("pk"))
        if row["count"] >= routing_daily_cap()
    }
    excluded = declined | busy | _opted_out(candidates)
    readers = {user.pk: user for user in _readers(set(candidates) - excluded, thread.course)}
    return [readers[user_id] for user_id in candidates if user_id in readers]


def question_route(*, thread: Thread, now: datetime | None = None) -> list[QuestionRoute]:
    """Route one unanswered question one hop further, if it is due; returns the new routes.

    Hop 1, ROUTING_HELPERS_AFTER_HOURS after it was asked: the top suggested helpers for its lesson
    (insights.experts), ROUTING_HELPERS_PER_QUESTION of them. Hop 2, ROUTING_AUTHORS_AFTER_HOURS
    later: the course's authors. Never the asker, nobody twice for one question (a unique constraint
    backs this), nobody over ROUTING_DAILY_CAP routes a day, nobody who declined a question on this
    lesson in the last 30 days, nobody who opted out of suggestions or cannot read the course.
    Each person gets a "You might know this" notification, and each hop to each person records
    `routed` (actor the asker, whose question it is; extension routed-to = the person's account), in
    one transaction with the thread row locked, so concurrent runs route once. Idempotent.
    """
    from insights.experts import helpers_for_lesson
    from insights.xapi.statements import actor_for_user

    now = now or timezone.now()
    with transaction.atomic():
        thread = (
            Thread.objects.select_for_update(of=("self",))
            .select_related("lesson", "course", "author")
            .get(pk=thread.pk)
        )
        if not _waiting_for_an_answer(thread) or now - thread.created_at > routing_max_age():
            return []
        age = now - thread.created_at
        routed = dict(QuestionRoute.objects.filter(thread=thread).values_list("recipient_id", "hop"))
        skip = set(routed) | {thread.author_id}
        hops: list[tuple[int, list[User]]] = []
        if age >= routing_helpers_after() and RouteHop.HELPERS not in routed.values():
            helpers = helpers_for_lesson(
                lesson=thread.lesson, course=thread.course, viewer=None, limit=10, exclude=skip
            )  # fmt: skip
            chosen = _routable([h.user.pk for h in helpers], thread, now)[: routing_helpers_per_question()]
            hops.append((RouteHop.HELPERS, chosen))
            skip |= {user.pk for user in chosen}
        if age >= routing_helpers_after() + routing_authors_after() and RouteHop.AUTHORS not in routed.values():
            authoring = type(thread.course).authors.through.objects.filter(coursepage_id=thread.course_id)
            authors = [pk for pk in authoring.order_by("user_id").values_list("user_id", flat=True) if pk not in skip]
            hops.append((RouteHop.AUTHORS, _routable(authors, thread, now)))
        created: list[QuestionRoute] = []
        registration = _registration(thread.author, thread.course)
        for hop, people in hops:
            for person in people:
                route = QuestionRoute.objects.create(thread=thread, recipient=person, hop=hop, created_at=now)
                Notification.objects.bulk_create(
                    [
                        Notification(
                            recipient=person, actor=thread.author, kind=NotificationKind.ROUTED, thread=thread,
                            created_at=now,
                        )
                    ],
                    ignore_conflicts=True,
                )  # fmt: skip
                statement_record(
                    actor=thread.author,
                    verb=xapi.ROUTED,
                    object=thread.xapi_activity(),
                    context=StatementContext(
                        registration=registration,
                        parent=[thread.lesson.xapi_activity()],
                        grouping=[thread.course.xapi_activity()],
                        extensions={xapi.ROUTED_TO: actor_for_user(person)["account"]},
                    ),
                    # One statement per person: distinct timestamps keep their deterministic ids distinct.
                    timestamp=now + timedelta(milliseconds=len(created)),
                )
                created.append(route)
    immediate = [
        route.recipient for route in created if route.recipient.email and _email_mode(route.recipient) == "immediate"
    ]
    if immediate:
        _send_immediate(immediate, thread=thread, reply=None)
    return created


def question_route_decline(*, user: User, thread: Thread) -> QuestionRoute:
    """The person a question was routed to says they can't help. Records `declined` on the thread.

    They are not asked about this question again (nor about this lesson for a while), and the
    notification is marked read. Declining twice is a no-op.
    """
    with transaction.atomic():
        route = QuestionRoute.objects.select_for_update().filter(thread=thread, recipient=user).first()
        if route is None:
            raise DiscussionError("This question wasn't sent to you.")
        if route.declined_at is not None:
            return route
        now = timezone.now()
        route.declined_at = now
        route.save(update_fields=["declined_at"])
        Notification.objects.filter(
            recipient=user, thread=thread, kind=NotificationKind.ROUTED, read_at=None
        ).update(read_at=now)  # fmt: skip
        thread = Thread.objects.select_related("lesson", "course").get(pk=thread.pk)
        statement_record(
            actor=user, verb=xapi.DECLINED, object=thread.xapi_activity(), context=_post_context(thread, user),
            timestamp=now,
        )  # fmt: skip
        return route


@dataclass
class RoutingReport:
    questions: int = 0
    routes: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"questions": self.questions, "routes": self.routes}


def questions_route_due(*, now: datetime | None = None) -> RoutingReport:
    """Route every question that is due a hop (each in its own transaction, via `question_route`).

    Candidates: open, unanswered, visible questions asked between ROUTING_MAX_AGE_DAYS and
    ROUTING_HELPERS_AFTER_HOURS ago that still miss a hop they are old enough for. Safe to re-run.
    """
    now = now or timezone.now()
    helpers_due = now - routing_helpers_after()
    authors_due = helpers_due - routing_authors_after()
    hop = QuestionRoute.objects.filter(thread=OuterRef("pk"))
    due = (
        Thread.objects.filter(
            kind=ThreadKind.QUESTION, accepted_reply=None, hidden_at=None, deleted_at=None, closed_at=None,
            created_at__lte=helpers_due, created_at__gte=now - routing_max_age(),
        )
        .filter(
            ~Exists(hop.filter(hop=RouteHop.HELPERS))
            | (Q(created_at__lte=authors_due) & ~Exists(hop.filter(hop=RouteHop.AUTHORS)))
        )
        .order_by("created_at")
    )  # fmt: skip
    report = RoutingReport()
    for thread in due.iterator():
        routes = question_route(thread=thread, now=now)
        report.questions += bool(routes)
        report.routes += len(routes)
    return report


# --- follows --------------------------------------------------------------------------------------


def _follow_fields(target) -> tuple[dict, object]:
    """(the Follow column naming the target, the statement object): a person is an Agent, a tag an activity."""
    from accounts.models import User
    from courses.models import CoursePage
    from insights.xapi.activities import tag_activity

    if isinstance(target, User):
        return {"user": target}, target
    if isinstance(target, CoursePage):
        return {"course": target}, target.xapi_activity()
    from taggit.models import Tag

    if isinstance(target, Tag):
        return {"tag": target}, tag_activity(target)
    raise DiscussionError("You can follow people, courses and topics.")


def follow_create(*, follower: User, target: User | CoursePage | Tag) -> Follow:
    """Follow a person, a (live) course or a tag, and record `follow` (object: Agent for a person).

    Idempotent: following again returns the existing row and records nothing. Nobody follows
    themselves, an inactive account, or a course that is not published.
    """
    from accounts.models import User
    from courses.models import CoursePage

    if not permissions.signed_in(follower):
        raise DiscussionError("Sign in to follow people, courses and topics.")
    if isinstance(target, User) and (target.pk == follower.pk or not target.is_active):
        raise DiscussionError("You can't follow yourself." if target.pk == follower.pk else "That person has left.")
    if isinstance(target, CoursePage) and not target.live:
        raise DiscussionError("That course is not published.")
    fields, xapi_object = _follow_fields(target)
    with transaction.atomic():
        existing = Follow.objects.filter(follower=follower, **fields).first()
        if existing is not None:
            return existing
        now = timezone.now()
        try:
            with transaction.atomic():
                follow = Follow.objects.create(follower=follower, created_at=now, **fields)
        except IntegrityError:  # a concurrent double click won the race: same outcome
            return Follow.objects.get(follower=follower, **fields)
        statement_record(actor=follower, verb=xapi.FOLLOWED, object=xapi_object, timestamp=now)
        return follow


def follow_delete(*, follower: User, target: User | CoursePage | Tag) -> bool:
    """Stop following; records `stop-following`. True if there was a follow to remove (else a no-op)."""
    fields, xapi_object = _follow_fields(target)
    with transaction.atomic():
        deleted, _ = Follow.objects.filter(follower=follower, **fields).delete()
        if not deleted:
            return False
        statement_record(actor=follower, verb=xapi.STOPPED_FOLLOWING, object=xapi_object, timestamp=timezone.now())
        return True


# --- notes ----------------------------------------------------------------------------------------
#
# Notes are private unless shared. What reaches the Statement store (DESIGN.md §4):
# - `annotated` (object: the lesson) on writing and on editing, with the visibility extension; the
#   note's text only when the note is shared AND settings.XAPI_EXPORT_SHARED_NOTE_TEXT is on;
# - `shared` (object: the note activity) when a note is shared;
# - `voted-up` / `unvoted` on shared notes; `deleted` (object: the note activity) on deletion.
# The note activity's definition is only "Note on “<lesson>”": never the text.

NOTE_MAX_TAGS = 10
NOTE_TAG_MAX_LENGTH = 40
NOTE_MAX_VIDEO_SECONDS = 24 * 60 * 60


def clean_note_body(body: str) -> tuple[str, str]:
    """(markdown, sanitised html) for a note: the same rules and renderer as posts, with note wording."""
    try:
        return clean_body(body)
    except DiscussionError as error:
        raise DiscussionError(str(error).replace("post", "note")) from error


def clean_note_tags(tags: list[str] | str | None) -> list[str]:
    """Tags are short plain words: comma-separated or a list; markup stripped, duplicates dropped, at most 10."""
    raw = tags.split(",") if isinstance(tags, str) else list(tags or [])
    cleaned: list[str] = []
    for tag in raw:
        text = " ".join(html.unescape(nh3.clean(str(tag), tags=set())).split()).strip().lstrip("#")
        if not text:
            continue
        if len(text) > NOTE_TAG_MAX_LENGTH:
            raise DiscussionError(f"Keep each tag under {NOTE_TAG_MAX_LENGTH} characters.")
        if text.lower() not in {t.lower() for t in cleaned}:
            cleaned.append(text)
    if len(cleaned) > NOTE_MAX_TAGS:
        raise DiscussionError(f"Use at most {NOTE_MAX_TAGS} tags on a note.")
    return cleaned


def _note_anchor(lesson: LessonPage, block_id: str, video_seconds: int | None) -> tuple[str, int | None]:
    block_id = (block_id or "").strip()
    if not block_id:
        return "", None
    block = next((b for b in lesson.body if b.id == block_id), None)
    if block is None:
        raise DiscussionError("That part of the lesson no longer exists.")
    if block.block_type != "video" or video_seconds is None:
        return block_id, None
    if not 0 <= int(video_seconds) <= NOTE_MAX_VIDEO_SECONDS:
        raise DiscussionError("Give the moment in the video as minutes and seconds within the video.")
    return block_id, int(video_seconds)


def note_text_exported() -> bool:
    """The export policy: shared notes' text goes into statements (and so exports and the LRS) only when on."""
    return bool(getattr(settings, "XAPI_EXPORT_SHARED_NOTE_TEXT", False))


def _note_context(note, actor: User, *, object_is_note: bool, with_text: bool = False) -> StatementContext:
    extensions: dict = {xapi.VISIBILITY: note.visibility}
    if note.block_id:
        extensions[xapi.BLOCK_ID] = note.block_id
    if with_text and note.is_shared and note_text_exported():
        extensions[xapi.NOTE_TEXT] = note.body_markdown
    if object_is_note:
        parent, grouping = [note.lesson.xapi_activity()], [note.course.xapi_activity()]
    else:
        parent, grouping = [note.course.xapi_activity()], []
    return StatementContext(
        registration=_registration(actor, note.course), parent=parent, grouping=grouping, extensions=extensions
    )


def _require_note_writer(user: User, note) -> None:
    if note.author_id != user.pk:
        raise DiscussionError("Only the person who wrote a note can change it.")


def _locked_note(note):
    from .models import Note

    fresh = Note.objects.select_for_update().get(pk=note.pk)
    fresh.lesson, fresh.course = note.lesson, note.course
    return fresh


def _share_statement(note, actor: User, now: datetime) -> None:
    statement_record(
        actor=actor, verb=xapi.SHARED, object=note.xapi_activity(),
        context=_note_context(note, actor, object_is_note=True), timestamp=now,
    )  # fmt: skip


def note_create(
    *,
    author: User,
    lesson: LessonPage,
    body: str,
    block_id: str = "",
    video_seconds: int | None = None,
    tags: list[str] | str | None = None,
    shared: bool = False,
    anonymous: bool = False,
    course: CoursePage | None = None,
):
    """Write a note on a lesson, optionally anchored to a block (and a moment of a video block).

    Needs an active enrolment (or being course staff). Records `annotated` (object the lesson, with
    visibility); a note written shared also records `shared`. A double submit within a minute
    returns the first note and records nothing new.
    """
    from courses.models import CoursePage

    from .models import Note, NoteVisibility

    course = course or CoursePage.objects.parent_of(lesson).get()
    if not lesson.live:
        raise DiscussionError("That lesson isn't published.")
    markdown, rendered = clean_note_body(body)
    tag_names = clean_note_tags(tags)
    block_id, video_seconds = _note_anchor(lesson, block_id, video_seconds)
    if not permissions.can_participate(author, course):
        raise DiscussionError("Enrol in this course to keep notes on its lessons.")
    with transaction.atomic():
        now = timezone.now()
        duplicate = Note.objects.filter(
            author=author, lesson=lesson, body_markdown=markdown, block_id=block_id,
            created_at__gte=now - DUPLICATE_WINDOW,
        ).first()  # fmt: skip
        if duplicate is not None:
            return duplicate
        note = Note.objects.create(
            author=author,
            lesson=lesson,
            course=course,
            block_id=block_id,
            video_seconds=video_seconds,
            body_markdown=markdown,
            body_html=rendered,
            visibility=NoteVisibility.SHARED if shared else NoteVisibility.PRIVATE,
            anonymous=bool(anonymous),
            shared_at=now if shared else None,
            created_at=now,
        )
        if tag_names:
            note.tags.set(tag_names)
        statement_record(
            actor=author, verb=xapi.ANNOTATED, object=lesson.xapi_activity(),
            context=_note_context(note, author, object_is_note=False, with_text=True), timestamp=now,
        )  # fmt: skip
        if shared:
            _share_statement(note, author, now + timedelta(milliseconds=1))
        return note


def note_edit(
    *,
    editor: User,
    note,
    body: str,
    tags: list[str] | str | None = None,
    block_id: str | None = None,
    video_seconds: int | None = None,
):
    """The writer changes a note's text, tags or anchor. Records `annotated` again (the lesson, with visibility).

    Unchanged text, tags and anchor: a no-op. `block_id=None` keeps the anchor as it is (even a
    moved one), so editing the text of a note whose block is gone never loses it.
    """
    markdown, rendered = clean_note_body(body)
    tag_names = clean_note_tags(tags) if tags is not None else None
    with transaction.atomic():
        note = _locked_note(note)
        _require_note_writer(editor, note)
        if block_id is None:
            new_block, new_seconds = note.block_id, note.video_seconds
        else:
            new_block, new_seconds = _note_anchor(note.lesson, block_id, video_seconds)
        old_tags = sorted(t.lower() for t in note.tags.names())
        tags_changed = tag_names is not None and sorted(t.lower() for t in tag_names) != old_tags
        changed = markdown != note.body_markdown or (new_block, new_seconds) != (note.block_id, note.video_seconds)
        if not changed and not tags_changed:
            return note
        now = timezone.now()
        note.body_markdown, note.body_html, note.edited_at = markdown, rendered, now
        note.block_id, note.video_seconds = new_block, new_seconds
        note.save(update_fields=["body_markdown", "body_html", "edited_at", "block_id", "video_seconds"])
        if tags_changed:
            note.tags.set(tag_names)
        statement_record(
            actor=editor, verb=xapi.ANNOTATED, object=note.lesson.xapi_activity(),
            context=_note_context(note, editor, object_is_note=False, with_text=True), timestamp=now,
        )  # fmt: skip
        return note


def note_share(*, user: User, note, shared: bool, anonymous: bool | None = None):
    """Share a note with the course's learners (or make it private again); choose anonymous-to-peers.

    Sharing records `shared` (object the note). Making it private records `annotated` with
    visibility private (there is no "unshared" verb in the profile); its helpful votes are kept
    in case it is shared again. Same state again: a no-op.
    """
    from .models import NoteVisibility

    with transaction.atomic():
        note = _locked_note(note)
        _require_note_writer(user, note)
        if shared and not permissions.can_participate(user, note.course):
            raise DiscussionError("Enrol in this course to share notes with its learners.")
        new_visibility = NoteVisibility.SHARED if shared else NoteVisibility.PRIVATE
        new_anonymous = note.anonymous if anonymous is None else bool(anonymous)
        if new_visibility == note.visibility and new_anonymous == note.anonymous:
            return note
        now = timezone.now()
        visibility_changed = new_visibility != note.visibility
        note.visibility, note.anonymous = new_visibility, new_anonymous
        if visibility_changed:
            note.shared_at = now if shared else None
        note.save(update_fields=["visibility", "anonymous", "shared_at"])
        if visibility_changed and shared:
            _share_statement(note, user, now)
        elif visibility_changed:
            statement_record(
                actor=user, verb=xapi.ANNOTATED, object=note.lesson.xapi_activity(),
                context=_note_context(note, user, object_is_note=False), timestamp=now,
            )  # fmt: skip
        return note


def note_delete(*, user: User, note) -> None:
    """The writer deletes a note for good (notes are personal: no "[deleted]" placeholder). Records `deleted`.

    A discussion thread made from it stays (it is a post of its own now).
    """
    with transaction.atomic():
        note = _locked_note(note)
        _require_note_writer(user, note)
        now = timezone.now()
        statement_record(
            actor=user, verb=xapi.DELETED, object=note.xapi_activity(),
            context=_note_context(note, user, object_is_note=True), timestamp=now,
        )  # fmt: skip
        note.delete()


def note_vote_toggle(*, user: User, note) -> bool:
    """Toggle the person's helpful vote on a shared note; True if they now vote for it.

    Records `voted-up` or `unvoted` (object the note). One vote per person and note (a unique
    constraint backs this up); `helpful_count` moves with it under the note's row lock.
    """
    from .models import Note, NoteVote

    if not permissions.can_participate(user, note.course):
        raise DiscussionError("Enrol in this course to vote on its notes.")
    with transaction.atomic():
        note = _locked_note(note)
        if not note.is_shared:
            raise DiscussionError("That note is no longer shared.")
        if note.author_id == user.pk:
            raise DiscussionError("You can't vote for your own note.")
        now = timezone.now()
        existing = NoteVote.objects.filter(user=user, note=note).first()
        if existing is None:
            NoteVote.objects.create(user=user, note=note, created_at=now)
            delta, verb = 1, xapi.VOTED_UP
        else:
            existing.delete()
            delta, verb = -1, xapi.UNVOTED
        Note.objects.filter(pk=note.pk).update(helpful_count=F("helpful_count") + delta)
        note.helpful_count += delta
        statement_record(
            actor=user, verb=verb, object=note.xapi_activity(),
            context=_note_context(note, user, object_is_note=True), timestamp=now,
        )  # fmt: skip
        return delta > 0


def note_to_thread(*, user: User, note, title: str, kind: str = ThreadKind.QUESTION) -> Thread:
    """Turn one's own shared note into a discussion question in one step; the two link to each other.

    The thread is posted through `thread_create` (which records `posted`), anchored to the note's
    block when that block still exists. A note already turned into a thread returns that thread.
    """
    with transaction.atomic():
        note = _locked_note(note)
        _require_note_writer(user, note)
        if not note.is_shared:
            raise DiscussionError("Share the note first: questions are seen by everyone in the course.")
        if note.thread_id:
            existing = Thread.objects.filter(pk=note.thread_id).first()
            if existing is not None:
                return existing
        block_id = note.block_id if note.block_id in {b.id for b in note.lesson.body} else ""
        thread = thread_create(
            author=user, lesson=note.lesson, course=note.course, kind=kind, title=title,
            body=note.body_markdown, block_id=block_id,
        )  # fmt: skip
        note.thread = thread
        note.save(update_fields=["thread"])
        return thread
