"""Reads for discussions. Each takes the viewer and enforces what they may see (DESIGN.md §2 rule 4).

Visibility, everywhere: people who cannot take part in the course (not enrolled, not an author
or moderator) see nothing. Hidden posts are seen only by moderators and the course's authors.
Deleted posts keep their place as "[deleted]" (a deleted thread with no replies drops out of
lists). Every selector costs a fixed number of queries whatever the number of threads or replies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Window

from . import permissions
from .models import Flag, ModerationAction, Notification, PostRevision, Reply, Subscription, Thread, ThreadKind, Vote

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from courses.models import CoursePage, LessonPage

    Viewer = User | AnonymousUser

SORTS = {
    "newest": "Newest",
    "helpful": "Most helpful",
    "unanswered": "Unanswered",
}
REPLIES_PER_PAGE = 100


def _load_roles(viewer: Viewer, course: CoursePage) -> None:
    """Moderator and course-author flags in one query (instead of one each), cached on the viewer."""
    if not permissions.signed_in(viewer) or viewer.is_superuser:
        return
    authored = viewer.__dict__.setdefault("_discussions_authored", {})
    if course.pk in authored and hasattr(viewer, "_discussions_is_moderator"):
        return
    from accounts.models import User

    row = (
        User.objects.filter(pk=viewer.pk)
        .annotate(
            moderator=Exists(
                User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=permissions.MODERATORS_GROUP)
            ),
            author=Exists(type(course).authors.through.objects.filter(user_id=OuterRef("pk"), coursepage_id=course.pk)),
        )
        .values("moderator", "author")
        .first()
    ) or {"moderator": False, "author": False}
    viewer._discussions_is_moderator = row["moderator"]
    authored[course.pk] = row["author"]


@dataclass
class Access:
    can_participate: bool
    is_staff: bool
    is_moderator: bool


def access_for(*, viewer: Viewer, course: CoursePage) -> Access:
    _load_roles(viewer, course)
    staff = permissions.is_course_staff(viewer, course)
    return Access(
        can_participate=staff or permissions.can_participate(viewer, course),
        is_staff=staff,
        is_moderator=permissions.is_moderator(viewer),
    )


def visible_threads(*, viewer: Viewer, course: CoursePage, access: Access | None = None) -> QuerySet[Thread]:
    """Threads of the course the viewer may see (none when they can't take part)."""
    access = access or access_for(viewer=viewer, course=course)
    threads = Thread.objects.filter(course=course)
    if not access.can_participate:
        return threads.none()
    if not access.is_staff:
        threads = threads.filter(hidden_at=None).exclude(deleted_at__isnull=False, reply_count=0)
    return threads


@dataclass
class ThreadListing:
    """The discussion panel of a lesson, for one viewer."""

    lesson: LessonPage
    course: CoursePage
    access: Access
    sort: str
    page: Page | None
    threads: list[Thread] = field(default_factory=list)
    voted: set[int] = field(default_factory=set)
    subscribed: bool = False
    sorts: dict[str, str] = field(default_factory=lambda: dict(SORTS))


def thread_list_for_lesson(
    *,
    lesson: LessonPage,
    viewer: Viewer,
    sort: str = "newest",
    page: int | str = 1,
    course: CoursePage | None = None,
) -> ThreadListing:
    """One page of the lesson's threads: pinned first, then by `sort` (newest, helpful, unanswered).

    "Unanswered" means questions without an accepted answer (Open edX's sense), newest first.
    One query whatever the size when the lesson page has read the viewer's roles (see
    `courses.selectors.lesson_detail_for_viewer` and `home.auth`): the page of threads, with the
    authors, the viewer's votes, the total and the viewer's lesson subscription joined in. Called on
    its own it adds the roles (one query) and the enrolment (one).
    """
    from courses.models import CoursePage

    course = course or CoursePage.objects.parent_of(lesson).get()
    access = access_for(viewer=viewer, course=course)
    sort = sort if sort in SORTS else "newest"
    listing = ThreadListing(lesson=lesson, course=course, access=access, sort=sort, page=None)
    if not access.can_participate:
        return listing
    threads = (
        visible_threads(viewer=viewer, course=course, access=access)
        .filter(lesson=lesson)
        .select_related("author")
        .defer("body_markdown", "body_html")
        .annotate(viewer_voted=Exists(Vote.objects.filter(user=viewer, thread=OuterRef("pk"))))
    )
    if sort == "unanswered":
        threads = threads.filter(kind=ThreadKind.QUESTION, accepted_reply=None, deleted_at=None)
    order = {"newest": ["-created_at"], "helpful": ["-helpful_count", "-created_at"], "unanswered": ["-created_at"]}
    threads = threads.order_by(F("pinned_at").desc(nulls_last=True), *order[sort], "-pk")
    listing.page, listing.threads, listing.subscribed = _thread_page(threads, page, viewer=viewer, lesson=lesson)
    listing.voted = {thread.pk for thread in listing.threads if thread.viewer_voted}
    return listing


def _page_number(page: int | str) -> int:
    try:
        number = int(page)
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


def _thread_page(
    threads: QuerySet[Thread], page: int | str, *, viewer: Viewer, lesson: LessonPage
) -> tuple[Page, list[Thread], bool]:
    """One page of `threads` with the paginator's semantics (a bad number → the first page, too big → the last).

    One query: each row carries the total (a window count over the filtered threads) and whether the
    viewer follows the lesson. An empty first page costs one more (the follow state); a page past the end
    two more (the count, then the last page).
    """
    per_page = settings.DISCUSSIONS_THREADS_PER_PAGE
    number = _page_number(page)
    subscribed_expr = Exists(Subscription.objects.filter(user=viewer, lesson=lesson))
    rows = list(
        threads.annotate(total=Window(Count("pk")), viewer_subscribed=subscribed_expr)[
            (number - 1) * per_page : number * per_page
        ]
    )
    if rows:
        total, subscribed = rows[0].total, rows[0].viewer_subscribed
    else:
        total = threads.count() if number > 1 else 0  # an empty first page means no threads at all
        subscribed = Subscription.objects.filter(user=viewer, lesson=lesson).exists()
    paginator = Paginator(threads, per_page)
    paginator.count = total  # a cached_property: the window count spares Paginator's COUNT query
    if not rows and total:
        number = paginator.num_pages
        rows = list(threads[(number - 1) * per_page : number * per_page])
    return Page(rows, min(number, paginator.num_pages), paginator), rows, subscribed


@dataclass
class ThreadDetail:
    thread: Thread
    access: Access
    replies: list[Reply]
    page: Page
    accepted: Reply | None
    voted_thread: bool
    voted_replies: set[int]
    subscribed: bool
    can_reply: bool
    can_accept: bool
    is_author: bool
    block_label: str = ""


def thread_for_viewer(*, thread_id: Any, viewer: Viewer) -> Thread | None:
    """The thread if it exists and the viewer may see it, else None (views turn that into a 404)."""
    thread = Thread.objects.select_related("author", "lesson", "course").filter(activity_id=thread_id).first()
    if thread is None:
        return None
    access = access_for(viewer=viewer, course=thread.course)
    if not access.can_participate or (thread.is_hidden and not access.is_staff):
        return None
    return thread


def reply_for_viewer(*, reply_id: Any, viewer: Viewer) -> Reply | None:
    reply = (
        Reply.objects.select_related("author", "thread__lesson", "thread__course", "thread__author")
        .filter(activity_id=reply_id)
        .first()
    )
    if reply is None:
        return None
    access = access_for(viewer=viewer, course=reply.thread.course)
    hidden = reply.is_hidden or reply.thread.is_hidden
    if not access.can_participate or (hidden and not access.is_staff):
        return None
    return reply


def _block_label(lesson: LessonPage, block_id: str) -> str:
    from django.utils.html import strip_tags
    from django.utils.text import Truncator

    for number, block in enumerate(lesson.body, start=1):
        if block.id != block_id:
            continue
        value = block.value
        if block.block_type == "knowledge_check":
            text = value.get("question", "")
        elif block.block_type == "heading":
            text = value.get("text", "") if hasattr(value, "get") else str(value)
        else:
            text = strip_tags(str(getattr(value, "source", value)))
        text = " ".join(str(text).split())
        return Truncator(text).chars(80) if text else f"Part {number} of the lesson"
    return ""


def thread_detail(*, thread: Thread, viewer: Viewer, page: int | str = 1) -> ThreadDetail:
    """The thread with one page of its replies (time order, 100 a page), quoted parents, and the viewer's state.

    Call with a thread from `thread_for_viewer`. Hidden replies are left out for learners; deleted
    ones stay as placeholders. The accepted reply is returned separately for the top of the page.
    """
    access = access_for(viewer=viewer, course=thread.course)
    replies = (
        Reply.objects.filter(thread=thread).select_related("author", "quoted__author").order_by("created_at", "pk")
    )
    if not access.is_staff:
        replies = replies.filter(hidden_at=None)
    paginator = Paginator(replies, REPLIES_PER_PAGE)
    reply_page = paginator.get_page(page)
    reply_list = list(reply_page.object_list)
    accepted = None
    if thread.accepted_reply_id:
        accepted = next((r for r in reply_list if r.pk == thread.accepted_reply_id), None) or (
            Reply.objects.select_related("author").filter(pk=thread.accepted_reply_id).first()
        )
        if accepted and (accepted.is_deleted or (accepted.is_hidden and not access.is_staff)):
            accepted = None
    signed_in = permissions.signed_in(viewer)
    voted_replies: set[int] = set()
    voted_thread = subscribed = False
    if signed_in:
        votes = Vote.objects.filter(Q(thread=thread) | Q(reply__in=reply_list), user=viewer).values_list(
            "thread_id", "reply_id"
        )
        for thread_vote, reply_vote in votes:
            voted_thread = voted_thread or thread_vote == thread.pk
            if reply_vote:
                voted_replies.add(reply_vote)
        subscribed = Subscription.objects.filter(user=viewer, thread=thread).exists()
    is_author = signed_in and thread.author_id == viewer.pk
    live = not thread.is_deleted and not thread.is_hidden
    return ThreadDetail(
        thread=thread,
        access=access,
        replies=reply_list,
        page=reply_page,
        accepted=accepted,
        voted_thread=voted_thread,
        voted_replies=voted_replies,
        subscribed=subscribed,
        can_reply=access.can_participate and live and (not thread.is_closed or access.is_moderator),
        can_accept=thread.is_question and (is_author or access.is_staff),
        is_author=is_author,
        block_label=_block_label(thread.lesson, thread.block_id) if thread.block_id else "",
    )


def post_history(*, post: Thread | Reply, viewer: Viewer) -> list[PostRevision] | None:
    """Earlier versions of a post, newest first, for its author and moderators; None for anyone else."""
    if not permissions.signed_in(viewer):
        return None
    thread = post if isinstance(post, Thread) else post.thread
    if post.author_id != viewer.pk and not access_for(viewer=viewer, course=thread.course).is_staff:
        return None
    target = {"thread": post} if isinstance(post, Thread) else {"reply": post}
    return list(PostRevision.objects.filter(**target).select_related("editor").order_by("-replaced_at"))


def unanswered_questions_for_course(*, course: CoursePage, viewer: Viewer, limit: int = 10) -> dict[str, Any]:
    """Questions in the course without an accepted answer, oldest first (they have waited longest).

    For learners it is a call to help; for the course's authors and moderators (`for_staff`) it is
    a to-do list. Two queries: count and the first `limit`.
    """
    access = access_for(viewer=viewer, course=course)
    questions = (
        visible_threads(viewer=viewer, course=course, access=access)
        .filter(kind=ThreadKind.QUESTION, accepted_reply=None, deleted_at=None, hidden_at=None)
        .select_related("author", "lesson")
        .defer("body_markdown", "body_html", "lesson__body")
        .order_by("created_at", "pk")
    )
    total = questions.count() if access.can_participate else 0
    return {
        "questions": list(questions[:limit]) if total else [],
        "total": total,
        "for_staff": access.is_staff,
        "can_participate": access.can_participate,
    }


def visible_notifications() -> QuerySet[Notification]:
    """Notifications whose thread and reply are not hidden: a post hidden after the fan-out must not keep
    showing (title, link, count) in anyone's notification centre, badge or digest. Restored, it shows again."""
    return Notification.objects.filter(thread__hidden_at=None).exclude(reply__hidden_at__isnull=False)


def notifications_for(*, user: User, limit: int = 50) -> dict[str, Any]:
    """The person's latest notifications (threads, replies and actors joined) and their unread count."""
    notifications = list(
        visible_notifications()
        .filter(recipient=user)
        .select_related("actor", "thread", "reply")
        .defer("thread__body_markdown", "thread__body_html", "reply__body_markdown")
        .order_by("-created_at", "-pk")[:limit]
    )
    return {"notifications": notifications, "unread": unread_notification_count(user=user)}


def unread_notification_count(*, user: Viewer, fresh: bool = False) -> int:
    """Unread notifications; the header uses the count read with the user (home/auth.py) unless `fresh`."""
    if not permissions.signed_in(user):
        return 0
    annotated = getattr(user, "header_unread", None)
    if annotated is not None and not fresh:
        return annotated
    return visible_notifications().filter(recipient=user, read_at=None).count()


@dataclass
class QueueItem:
    post: Thread | Reply
    thread: Thread
    flags: list[Flag]

    @property
    def kind(self) -> str:
        return "thread" if isinstance(self.post, Thread) else "reply"


def moderation_queue(*, viewer: Viewer, limit: int = 100) -> dict[str, Any]:
    """Posts with open flags or hidden, most flagged first, with their flags, thread and lesson: moderators only."""
    if not permissions.is_moderator(viewer):
        return {"items": [], "log": [], "allowed": False}
    open_flags = Flag.objects.filter(resolved_at=None).select_related("user").order_by("created_at")
    pending = Q(flag_count__gt=0) | Q(hidden_at__isnull=False)
    threads = (
        Thread.objects.filter(pending)
        .select_related("author", "lesson", "course")
        .defer("lesson__body")
        .prefetch_related(Prefetch("flags", queryset=open_flags, to_attr="open_flags"))
        .order_by("-flag_count", "-pk")[:limit]
    )
    replies = (
        Reply.objects.filter(pending)
        .select_related("author", "thread__lesson", "thread__course")
        .defer("thread__lesson__body")
        .prefetch_related(Prefetch("flags", queryset=open_flags, to_attr="open_flags"))
        .order_by("-flag_count", "-pk")[:limit]
    )
    items = [QueueItem(post=t, thread=t, flags=t.open_flags) for t in threads]
    items += [QueueItem(post=r, thread=r.thread, flags=r.open_flags) for r in replies]
    items.sort(key=lambda item: (-item.post.flag_count, item.post.hidden_at is None, -item.post.pk))
    log = list(
        ModerationAction.objects.select_related("moderator", "target_user", "thread", "reply").order_by("-created_at")[
            :30
        ]
    )
    return {"items": items, "log": log, "allowed": True}


def routing_for_thread(*, thread: Thread, viewer: Viewer) -> dict[str, Any] | None:
    """How many people an unanswered question was routed to, and whether the viewer is one (one query).

    Everyone who can read the thread sees the count (never who: being asked is not public); the
    person asked sees their own route, to say they can't help.
    """
    from .models import QuestionRoute

    if not thread.is_question:
        return None
    routes = list(QuestionRoute.objects.filter(thread=thread).values_list("recipient_id", "declined_at"))
    if not routes:
        return None
    mine = next((declined for recipient, declined in routes if recipient == getattr(viewer, "pk", None)), False)
    return {
        "count": len(routes),
        "asked_me": mine is not False,
        "declined": mine not in (False, None),
        "answered": thread.is_answered,
    }
