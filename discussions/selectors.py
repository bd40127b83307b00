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
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils.text import Truncator

from . import permissions
from .models import (
    Flag,
    ModerationAction,
    Notification,
    PostRevision,
    Rating,
    RatingSummary,
    Reply,
    Subscription,
    Thread,
    ThreadKind,
    Vote,
)

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
    source_note: Any = None  # the shared note this thread was asked from (the link back), if still shared


def thread_for_viewer(*, thread_id: Any, viewer: Viewer) -> Thread | None:
    """The thread if it exists and the viewer may see it, else None (views turn that into a 404)."""
    thread = (
        Thread.objects.select_related("author", "lesson", "course", "source_note").filter(activity_id=thread_id).first()
    )
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
        source_note=_source_note(thread, viewer),
    )


def _source_note(thread: Thread, viewer: Viewer):
    """The note a thread was asked from, when it is still shared (or the viewer wrote it); else None."""
    from .models import Note

    try:
        note = thread.source_note
    except Note.DoesNotExist:
        return None
    if note.is_shared or note.author_id == getattr(viewer, "pk", None):
        return note
    return None


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
    post: Thread | Reply | Rating
    thread: Thread | None
    flags: list[Flag]

    @property
    def kind(self) -> str:
        if isinstance(self.post, Rating):
            return "review"
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
    reviews = (
        Rating.objects.filter(pending)
        .exclude(review="")
        .select_related("author", "lesson", "course")
        .defer("lesson__body", "course__description")
        .prefetch_related(Prefetch("flags", queryset=open_flags, to_attr="open_flags"))
        .order_by("-flag_count", "-pk")[:limit]
    )
    items += [QueueItem(post=r, thread=None, flags=r.open_flags) for r in reviews]
    items.sort(key=lambda item: (-item.post.flag_count, item.post.hidden_at is None, -item.post.pk))
    log = list(
        ModerationAction.objects.select_related("moderator", "target_user", "thread", "reply", "rating").order_by(
            "-created_at"
        )[:30]
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


# --- ratings and reviews --------------------------------------------------------------------------

REVIEWS_ON_PANEL = 5
REVIEWS_PER_PAGE = 20


@dataclass
class RatingPanel:
    """What a lesson's (or course's) ratings panel shows one viewer.

    `summary` is the running-totals row (an empty one when nobody rated yet); `lessons_summary` is,
    on a course, the pooled totals of its lessons' ratings; `mine` the viewer's own rating.
    """

    lesson: LessonPage | None
    course: CoursePage
    summary: RatingSummary
    mine: Rating | None = None
    reviews: list[Rating] = field(default_factory=list)
    voted: set[int] = field(default_factory=set)
    can_rate: bool = False
    can_read_reviews: bool = False
    rate_blocked_reason: str = ""
    lessons_summary: RatingSummary | None = None

    @property
    def more_reviews(self) -> bool:
        return self.summary.review_count > len(self.reviews)

    @property
    def on_course(self) -> bool:
        return self.lesson is None


def _summary_with_mine(
    lesson: LessonPage | None, course: CoursePage, viewer: Viewer
) -> tuple[RatingSummary, Rating | None]:
    """The summary row and the viewer's rating in ONE query: the rating's fields ride along as subqueries.

    A viewer's rating implies the summary row exists (the service creates it first), so a missing
    row means no ratings at all.
    """
    target = {"lesson": lesson} if lesson is not None else {"course": course, "lesson": None}
    rows = RatingSummary.objects.filter(**target)
    fields = ("pk", "stars", "review", "created_at", "edited_at", "hidden_at", "activity_id", "helpful_count")
    if permissions.signed_in(viewer):
        mine = Rating.objects.filter(author=viewer, **target)
        rows = rows.annotate(**{f"mine_{name}": Subquery(mine.values(name)[:1]) for name in fields})
    summary = rows.first()
    if summary is None:
        return RatingSummary(lesson=lesson, course=course), None
    mine_rating = None
    if getattr(summary, "mine_pk", None) is not None:
        mine_rating = Rating(
            author=viewer, lesson=lesson, course=course, **{name: getattr(summary, f"mine_{name}") for name in fields}
        )
    return summary, mine_rating


def _reviews(lesson: LessonPage | None, course: CoursePage, viewer: Viewer) -> QuerySet[Rating]:
    """Visible reviews (with text, not hidden), most helpful first, each with whether the viewer voted for it."""
    target = {"lesson": lesson} if lesson is not None else {"course": course, "lesson": None}
    reviews = (
        Rating.objects.filter(hidden_at=None, **target)
        .exclude(review="")
        .select_related("author")
        .order_by("-helpful_count", "-created_at", "-pk")
    )
    if permissions.signed_in(viewer):
        reviews = reviews.annotate(viewer_voted=Exists(Vote.objects.filter(user=viewer, rating=OuterRef("pk"))))
    return reviews


def _attach(reviews: list[Rating], lesson: LessonPage | None, course: CoursePage) -> set[int]:
    for review in reviews:
        review.course = course
        if lesson is not None:
            review.lesson = lesson
    return {review.pk for review in reviews if getattr(review, "viewer_voted", False)}


def rating_panel(
    *, viewer: Viewer, course: CoursePage, lesson: LessonPage | None = None, enrolment: Any = None
) -> RatingPanel:
    """The ratings panel of a lesson (or, with no lesson, the course's own reviews).

    At most two queries for a signed-in enrolled learner, whatever the number of ratings: the
    summary row with the viewer's rating, then the first reviews with the viewer's votes (skipped
    when there are none). The average and histogram are public; reviews are for signed-in people.
    `enrolment` is the viewer's active enrolment when the caller already read it (the lesson page
    did); may-rate for a lesson then means enrolled (the page view records the lesson as opened),
    and for a course, completed.
    """
    summary, mine = _summary_with_mine(lesson, course, viewer)
    panel = RatingPanel(lesson=lesson, course=course, summary=summary, mine=mine)
    signed_in = permissions.signed_in(viewer)
    panel.can_read_reviews = signed_in
    if signed_in:
        if enrolment is None:
            panel.rate_blocked_reason = "Enrol in this course to rate it."
        elif lesson is None and enrolment.completed_at is None:
            panel.rate_blocked_reason = "You can review the course once you've completed it."
        else:
            panel.can_rate = True
    if panel.can_read_reviews and summary.review_count:
        panel.reviews = list(_reviews(lesson, course, viewer)[:REVIEWS_ON_PANEL])
        panel.voted = _attach(panel.reviews, lesson, course)
    return panel


def course_rating_panel(*, viewer: Viewer, course: CoursePage, enrolment: Any = None) -> RatingPanel:
    """The course page's panel: the course-level reviews panel plus its lessons' pooled rating (one more query).

    Course rating = the mean of all its lessons' ratings, pooled (sum of stars / number of ratings),
    so a lesson rated by 200 people weighs more than one rated by 2 rather than as much.
    """
    panel = rating_panel(viewer=viewer, course=course, enrolment=enrolment)
    names = ("count", "total", "stars_1", "stars_2", "stars_3", "stars_4", "stars_5")
    totals = RatingSummary.objects.filter(course=course, lesson__isnull=False, lesson__live=True).aggregate(
        **{name: Coalesce(Sum(name), 0) for name in names}
    )
    panel.lessons_summary = RatingSummary(course=course, **totals)
    return panel


def reviews_page(
    *, viewer: Viewer, course: CoursePage, lesson: LessonPage | None = None, page: int | str = 1
) -> tuple[Page, set[int]]:
    """All visible reviews of a lesson or course, 20 a page, most helpful first; signed-in viewers only."""
    if not permissions.signed_in(viewer):
        raise PermissionError("Log in to read reviews.")
    paginator = Paginator(_reviews(lesson, course, viewer), REVIEWS_PER_PAGE)
    result = paginator.get_page(page)
    reviews = list(result.object_list)
    result.object_list = reviews
    return result, _attach(reviews, lesson, course)


def review_for_viewer(*, review_id: Any, viewer: Viewer) -> Rating | None:
    """A review the viewer may act on (vote, flag, moderate): visible to them, else None (views 404).

    Hidden reviews are visible to moderators and the course's authors only.
    """
    if not permissions.signed_in(viewer):
        return None
    review = (
        Rating.objects.select_related("author", "lesson", "course").filter(activity_id=review_id).exclude(review="")
    ).first()
    if review is None:
        return None
    if review.is_hidden and not access_for(viewer=viewer, course=review.course).is_staff:
        return None
    return review


def _editable_courses(viewer: Viewer) -> QuerySet[CoursePage] | None:
    """Courses whose ratings the viewer may see in the admin report; None means all (Analysts, superusers)."""
    from wagtail.permission_policies.pages import PagePermissionPolicy

    from courses.models import CoursePage
    from insights.permissions import is_analyst

    if is_analyst(viewer):
        return None
    editable = PagePermissionPolicy().instances_user_has_any_permission_for(viewer, ["change"])
    return CoursePage.objects.filter(Q(pk__in=editable.values("pk")) | Q(authors=viewer)).distinct()


def lesson_rating_report(*, viewer: Viewer, limit: int = 200) -> dict[str, Any]:
    """Rated lessons, lowest average first, for the courses the viewer can edit (all for Analysts/superusers).

    Reads the summary rows (no aggregation over ratings): a fixed number of queries. Each row also
    carries its three most recent reviews, including hidden ones (marked), so authors see the words
    behind a low score.
    """
    if not permissions.signed_in(viewer):
        return {"rows": [], "allowed": False}
    courses = _editable_courses(viewer)
    summaries = RatingSummary.objects.filter(lesson__isnull=False, count__gt=0, lesson__live=True)
    if courses is not None:
        summaries = summaries.filter(course__in=courses.values("pk"))
    rows = list(
        summaries.select_related("lesson", "course")
        .defer("lesson__body", "course__description")
        .annotate(avg=ExpressionWrapper(F("total") * 1.0 / F("count"), output_field=FloatField()))
        .order_by("avg", "-count", "lesson__path")[:limit]
    )
    latest: dict[int, list[Rating]] = {}
    if rows:
        recent = (
            Rating.objects.filter(lesson_id__in=[row.lesson_id for row in rows])
            .exclude(review="")
            .select_related("author")
            .annotate(rank=Window(RowNumber(), partition_by=[F("lesson_id")], order_by=[F("created_at").desc()]))
            .order_by("lesson_id", "-created_at")
        )
        for review in recent:
            if review.rank <= 3:
                latest.setdefault(review.lesson_id, []).append(review)
    for row in rows:
        row.recent_reviews = latest.get(row.lesson_id, [])
    return {"rows": rows, "allowed": True, "all_courses": courses is None}


# --- notes ----------------------------------------------------------------------------------------
#
# These are the only reads of Note. A private note is returned to its writer and nobody else (not
# moderators, not authors, not superusers browsing the site); a shared note to people who can take
# part in its course. Anonymous shared notes show "A classmate" to peers; moderators see who.

PEER_NOTES_LIMIT = 20
ANONYMOUS_WRITER = "A classmate"


def _lesson_blocks(lesson: LessonPage) -> dict[str, tuple[int, str]]:
    """Block id → (position, type) for the lesson's current body (no query: the body is on the page row)."""
    return {block.id: (number, block.block_type) for number, block in enumerate(lesson.body, start=1)}


def _mark_anchor(note, blocks: dict[str, tuple[int, str]]) -> None:
    note.anchor_moved = bool(note.block_id) and note.block_id not in blocks
    position = blocks.get(note.block_id)
    note.anchor_position = position[0] if position else None
    note.anchor_is_video = bool(position and position[1] == "video")


def note_writer_label(note, *, viewer: Viewer, is_moderator: bool) -> str:
    """What a viewer sees as the writer: the name, or "A classmate" for an anonymous note (moderators see who)."""
    if note.author_id == getattr(viewer, "pk", None):
        return "You"
    if note.anonymous:
        return f"{note.author.display_name} (anonymous to peers)" if is_moderator else ANONYMOUS_WRITER
    return note.author.display_name


@dataclass
class NotesPanel:
    """The notes panel of a lesson, for one viewer."""

    lesson: LessonPage
    course: CoursePage
    access: Access
    mine: list = field(default_factory=list)
    peers: list = field(default_factory=list)
    peers_more: bool = False
    peers_locked: bool = False
    voted: set[int] = field(default_factory=set)
    markers: dict[str, int] = field(default_factory=dict)
    block_choices: list[tuple[str, str, bool]] = field(default_factory=list)


def notes_panel_for_lesson(
    *, lesson: LessonPage, viewer: Viewer, course: CoursePage | None = None, limit: int = PEER_NOTES_LIMIT
) -> NotesPanel:
    """The viewer's own notes on the lesson and the top shared notes of peers (helpful votes, then newest).

    Two queries whatever the number of notes (plus the roles/enrolment lookups the discussion
    panel shares): the viewer's notes, and `limit + 1` peers' notes with their writers and the
    viewer's votes joined. With the lesson's "peers' notes after your own" setting, learners with
    no note of their own get `peers_locked` and no peers' notes (course staff always see them).
    """
    from courses.models import CoursePage

    from .models import Note, NoteVisibility, NoteVote

    course = course or CoursePage.objects.parent_of(lesson).get()
    access = access_for(viewer=viewer, course=course)
    panel = NotesPanel(lesson=lesson, course=course, access=access)
    if not access.can_participate:
        return panel
    blocks = _lesson_blocks(lesson)
    # Short labels: the select must fit a 375 px phone, and must not repeat the lesson's sentences.
    panel.block_choices = [
        (block_id, f"Part {number}: {Truncator(_block_label(lesson, block_id) or block_type).chars(40)}",
         block_type == "video")
        for block_id, (number, block_type) in blocks.items()
    ]  # fmt: skip
    panel.mine = list(
        Note.objects.filter(author=viewer, lesson=lesson).defer("body_markdown").order_by("created_at", "pk")
    )
    for note in panel.mine:
        _mark_anchor(note, blocks)
        if note.block_id and not note.anchor_moved:
            panel.markers[note.block_id] = panel.markers.get(note.block_id, 0) + 1
    if getattr(lesson, "peer_notes_after_own", False) and not panel.mine and not access.is_staff:
        panel.peers_locked = True
        return panel
    peers = list(
        Note.objects.filter(lesson=lesson, visibility=NoteVisibility.SHARED)
        .exclude(author=viewer)
        .select_related("author")
        .defer("body_markdown")
        .annotate(viewer_voted=Exists(NoteVote.objects.filter(user=viewer, note=OuterRef("pk"))))
        .order_by("-helpful_count", F("shared_at").desc(nulls_last=True), "-pk")[: limit + 1]
    )
    panel.peers_more = len(peers) > limit
    panel.peers = peers[:limit]
    for note in panel.peers:
        _mark_anchor(note, blocks)
        note.writer_label = note_writer_label(note, viewer=viewer, is_moderator=access.is_moderator)
    panel.voted = {note.pk for note in panel.peers if note.viewer_voted}
    return panel


def own_note(*, note_id: Any, viewer: Viewer):
    """The viewer's own note by its id, or None (views turn that into a 404, whoever else asks)."""
    from .models import Note

    if not permissions.signed_in(viewer):
        return None
    return Note.objects.select_related("lesson", "course").filter(activity_id=note_id, author=viewer).first()


def shared_note_for_viewer(*, note_id: Any, viewer: Viewer):
    """A shared note on a live lesson the viewer can take part in (to vote on it), else None."""
    from .models import Note, NoteVisibility

    note = (
        Note.objects.select_related("lesson", "course", "author")
        .filter(activity_id=note_id, visibility=NoteVisibility.SHARED, lesson__live=True)
        .first()
    )
    if note is None or not access_for(viewer=viewer, course=note.course).can_participate:
        return None
    return note


@dataclass
class LessonNotes:
    lesson: LessonPage
    notes: list


@dataclass
class CourseNotes:
    course: CoursePage
    lessons: list[LessonNotes]


def my_notes(*, viewer: Viewer, query: str = "", tag: str = "") -> dict[str, Any]:
    """All the viewer's notes across courses, grouped by course then lesson (in course order), newest last.

    `query` searches the text (case-insensitive, every word must appear); `tag` filters by a tag
    slug. Three queries whatever the number of notes: notes (lessons and courses joined), their
    tags, and the viewer's tags with counts for the filter.
    """
    from .models import Note, NoteTagName

    if not permissions.signed_in(viewer):
        return {"courses": [], "tags": [], "count": 0, "query": query, "tag": tag}
    notes = Note.objects.filter(author=viewer)
    words = query.split()[:10]
    for word in words:
        notes = notes.filter(body_markdown__icontains=word)
    if tag:
        notes = notes.filter(tags__slug=tag)
    notes = (
        notes.select_related("lesson", "course", "thread")
        .defer("course__description", "thread__body_markdown", "thread__body_html")
        .prefetch_related("tags")
        .order_by("course__path", "lesson__path", "created_at", "pk")
    )
    grouped: list[CourseNotes] = []
    count = 0
    blocks_by_lesson: dict[int, dict[str, tuple[int, str]]] = {}
    for note in notes:
        count += 1
        blocks = blocks_by_lesson.setdefault(note.lesson_id, _lesson_blocks(note.lesson))
        _mark_anchor(note, blocks)
        if not grouped or grouped[-1].course.pk != note.course_id:
            grouped.append(CourseNotes(course=note.course, lessons=[]))
        lessons = grouped[-1].lessons
        if not lessons or lessons[-1].lesson.pk != note.lesson_id:
            lessons.append(LessonNotes(lesson=note.lesson, notes=[]))
        lessons[-1].notes.append(note)
    tags = list(
        NoteTagName.objects.filter(tagged_notes__content_object__author=viewer)
        .annotate(count=Count("tagged_notes"))
        .order_by("name")
    )
    return {"courses": grouped, "tags": tags, "count": count, "query": query, "tag": tag}


def my_notes_export(*, viewer: Viewer) -> list[dict[str, Any]]:
    """Every note of the viewer's, as plain data for the Markdown and JSON downloads (theirs only)."""
    from .models import Note

    if not permissions.signed_in(viewer):
        return []
    rows = []
    notes = (
        Note.objects.filter(author=viewer)
        .select_related("lesson", "course", "thread")
        .prefetch_related("tags")
        .order_by("course__path", "lesson__path", "created_at", "pk")
    )
    for note in notes:
        blocks = _lesson_blocks(note.lesson)
        _mark_anchor(note, blocks)
        rows.append(
            {
                "id": str(note.activity_id),
                "course": note.course.title,
                "lesson": note.lesson.title,
                "lesson_url": note.lesson.get_url() or "",
                "block_id": note.block_id or None,
                "anchor_moved": note.anchor_moved,
                "video_seconds": note.video_seconds,
                "visibility": note.visibility,
                "anonymous": note.anonymous,
                "helpful_count": note.helpful_count,
                "tags": sorted(t.name for t in note.tags.all()),
                "text": note.body_markdown,
                "created_at": note.created_at.isoformat(),
                "edited_at": note.edited_at.isoformat() if note.edited_at else None,
                "thread": str(note.thread.activity_id) if note.thread_id else None,
            }
        )
    return rows
