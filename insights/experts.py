"""People insights: who knows this lesson, course or tag (DESIGN.md §2, "expert finder").

Evidence comes only from the Statement store (rule 3), by verb and activity type:

- an **accepted answer** (`accepted` on a reply: the latest acceptance per thread counts, and never
  the asker accepting their own reply);
- **helpful votes** received (`voted-up`, withdrawn by a later `unvoted`) on posts and shared notes,
  credited to the author named by the post's `posted` or the note's `shared` statement;
- **shared notes** (`shared`, object type note): private notes are never shared, so never seen here;
- a few **replies** (capped: volume alone proves little);
- **completion** of lessons (`completed`) and knowledge checks **right first time** (`answered`).

Posts that are deleted (`deleted`), hidden by a moderator (`hid` not followed by `restored`) or hidden
at the moment by the discussion rows (automatic hiding by flags has no statement of its own) earn
nothing, and neither do votes or acceptances on them.

Each piece of evidence counts its weight (`Weights`, overridable with the EXPERTS_WEIGHTS setting)
halved every EXPERTS_HALF_LIFE_DAYS since it happened. The sum is precomputed into `ExpertiseScore`
rows per (person, lesson | course | tag) by `expertise_refresh`, which re-reads only the courses with
statements stored since its high-water mark, so a page asking "who can help" reads a handful of rows
in one query. Scores are stored decayed to a fixed reference instant (`EPOCH`): decay multiplies
every score by the same factor, so stored rows compare directly and need no rewriting as time passes.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from .models import ExpertiseCursor, ExpertiseScope, ExpertiseScore, Statement
from .xapi import vocabulary as xapi
from .xapi.activities import parse_activity_iri

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from courses.models import CoursePage, LessonPage

logger = logging.getLogger(__name__)

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
CURSOR_NAME = "expertise"
# Statements commit a little after they are stamped `stored`: re-read this much behind the mark.
OVERLAP = timedelta(minutes=5)
REFRESH_QUEUED_KEY = "insights:experts:refresh-queued"
MAX_HELPERS = 5


@dataclass(frozen=True)
class Weights:
    """What one piece of evidence is worth before decay. One accepted answer outweighs any pile of replies."""

    accepted_answer: float = 5.0
    helpful_vote: float = 1.0
    shared_note: float = 0.25
    note_vote: float = 1.5
    reply: float = 0.1
    reply_cap: int = 5  # only the latest few replies per person and scope count
    completion: float = 0.5
    correct_check: float = 0.5
    course_blend: float = 0.25  # a lesson's panel adds this share of the person's course-wide score


def weights() -> Weights:
    overrides = getattr(settings, "EXPERTS_WEIGHTS", None) or {}
    known = {f.name for f in fields(Weights)}
    return Weights(**{key: value for key, value in overrides.items() if key in known})


def half_life() -> timedelta:
    return timedelta(days=float(getattr(settings, "EXPERTS_HALF_LIFE_DAYS", 180)))


def decay_factor(moment: datetime) -> float:
    """2^((moment − EPOCH) / half-life): a contribution at `moment`, expressed at EPOCH."""
    return math.pow(2.0, (moment - EPOCH) / half_life())


def current_score(stored_score: float, now: datetime | None = None) -> float:
    """A stored score as it stands now (each contribution halved per half-life since it happened)."""
    return stored_score / decay_factor(now or timezone.now())


# --- privacy ----------------------------------------------------------------------------------------


def suggestible(user: User) -> bool:
    """May this person be suggested as a helper? Inactive accounts and people who opted out may not.

    The opt-out is the privacy flag `User.suggest_as_helper` (/accounts/privacy/). Keep in step with `_opted_out`.
    """
    return bool(user.is_active and user.suggest_as_helper)


def _opted_out(user_ids: Iterable[int]) -> set[int]:
    """Of these people, those who must not be suggested (one query): inactive, or opted out."""
    from accounts.models import User

    ids = set(user_ids)
    if not ids:
        return set()
    hidden = Q(is_active=False) | Q(suggest_as_helper=False)
    return set(User.objects.filter(hidden, pk__in=ids).values_list("pk", flat=True))


# --- computing --------------------------------------------------------------------------------------

COUNTS = ("accepted", "votes", "notes", "note_votes", "replies", "completed", "checks")
# Verbs that never change anyone's evidence: skipping them keeps the dirty-course scan small.
_IGNORED_VERBS = (xapi.EXPERIENCED.iri, xapi.ROUTED.iri, xapi.REGISTERED.iri, xapi.UNREGISTERED.iri)


def _scored_verbs() -> list[str]:
    return [
        verb.iri
        for verb in (
            xapi.POSTED, xapi.DELETED, xapi.VOTED_UP, xapi.UNVOTED, xapi.ACCEPTED, xapi.SHARED, xapi.HID,
            xapi.RESTORED, xapi.COMPLETED, xapi.ANSWERED,
        )
    ]  # fmt: skip


@dataclass
class _Tally:
    score: float = 0.0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))

    def add(self, what: str, weight: float, moment: datetime) -> None:
        self.counts[what] += 1
        self.score += weight * decay_factor(moment)


def _key(iri: str) -> str | None:
    parsed = parse_activity_iri(iri) if iri else None
    return parsed[1] if parsed else None


def _kind(iri: str) -> str | None:
    parsed = parse_activity_iri(iri) if iri else None
    return parsed[0] if parsed else None


def _hidden_post_iris(course_key: str) -> set[str]:
    """What of the course must not count right now, by its rows: posts hidden or deleted (auto-hides have no
    statement), and notes no longer shared or shared anonymously (a suggestion must not reveal who wrote them)."""
    from discussions.models import Note, NoteVisibility, Reply, Thread
    from insights.xapi.activities import activity_iri

    gone = Q(hidden_at__isnull=False) | Q(deleted_at__isnull=False)
    threads = Thread.objects.filter(course__activity_id=course_key)
    iris = {activity_iri("thread", key) for key in threads.filter(gone).values_list("activity_id", flat=True)}
    replies = Reply.objects.filter(thread__course__activity_id=course_key).filter(
        gone | Q(thread__hidden_at__isnull=False) | Q(thread__deleted_at__isnull=False)
    )
    iris |= {activity_iri("reply", key) for key in replies.values_list("activity_id", flat=True)}
    notes = Note.objects.filter(course__activity_id=course_key).filter(
        Q(anonymous=True) | ~Q(visibility=NoteVisibility.SHARED)
    )
    iris |= {activity_iri("note", key) for key in notes.values_list("activity_id", flat=True)}
    return iris


_SUCCESS = "data__result__success"
_PARENTS = "data__context__contextActivities__parent"


def _accepted_now(course_key: str) -> dict[str, str | None]:
    """Each of the course's threads → its accepted reply right now (hiding or deleting a reply un-accepts it)."""
    from discussions.models import Thread
    from insights.xapi.activities import activity_iri

    rows = Thread.objects.filter(course__activity_id=course_key).values_list(
        "activity_id", "accepted_reply__activity_id"
    )
    return {activity_iri("thread", t): (activity_iri("reply", r) if r else None) for t, r in rows}


def _parent_thread(row: dict[str, Any]) -> str | None:
    parents = row.get(_PARENTS) or []
    if isinstance(parents, dict):
        parents = [parents]
    return next((p.get("id") for p in parents if isinstance(p, dict) and _kind(p.get("id", "")) == "thread"), None)


def course_evidence(course_iri: str) -> dict[tuple[int, str, str], _Tally]:
    """Every person's tally on this course and each of its lessons, from the course's statements.

    Keys are (user id, scope kind, scope key). One pass over the course's scored statements, oldest
    first, so later facts (an un-vote, a restore, a new acceptance) override earlier ones.
    """
    w = weights()
    course_key = _key(course_iri)
    rows = (
        Statement.objects.filter(course_iri=course_iri, voided=False, verb__in=_scored_verbs())
        .exclude(actor_user=None)
        .order_by("timestamp", "stored")
        .values("verb", "actor_user_id", "object_id", "lesson_iri", "timestamp", _SUCCESS, _PARENTS)
    )
    authors: dict[str, tuple[int, str]] = {}  # post or note IRI → (author id, lesson IRI)
    notes: dict[str, datetime] = {}
    replies: dict[str, datetime] = {}
    moderated: dict[str, bool] = {}  # post → hidden by a moderator, as of the latest hid/restored
    deleted: set[str] = set()
    votes: dict[tuple[int, str], datetime | None] = {}
    accepted: dict[str, tuple[str, int, datetime]] = {}  # thread → (reply, accepter, when)
    completions: dict[tuple[int, str], datetime] = {}
    first_answers: dict[tuple[int, str], tuple[bool, datetime, str]] = {}
    for row in rows.iterator(chunk_size=2000):
        verb, actor, obj, moment = row["verb"], row["actor_user_id"], row["object_id"], row["timestamp"]
        kind = _kind(obj)
        if verb == xapi.POSTED.iri and kind in ("thread", "reply"):
            authors.setdefault(obj, (actor, row["lesson_iri"]))
            if kind == "reply":
                replies.setdefault(obj, moment)
        elif verb == xapi.SHARED.iri and kind == "note":
            authors.setdefault(obj, (actor, row["lesson_iri"]))
            notes.setdefault(obj, moment)
        elif verb == xapi.DELETED.iri:
            deleted.add(obj)
        elif verb in (xapi.HID.iri, xapi.RESTORED.iri):
            moderated[obj] = verb == xapi.HID.iri
        elif verb == xapi.VOTED_UP.iri:
            votes[(actor, obj)] = moment
        elif verb == xapi.UNVOTED.iri:
            votes[(actor, obj)] = None
        elif verb == xapi.ACCEPTED.iri and kind == "reply":
            thread = _parent_thread(row) or obj
            accepted[thread] = (obj, actor, moment)
        elif verb == xapi.COMPLETED.iri and kind == "lesson":
            completions.setdefault((actor, obj), moment)
        elif verb == xapi.ANSWERED.iri and row["lesson_iri"]:
            first_answers.setdefault((actor, obj), (row[_SUCCESS] in (True, 1), moment, row["lesson_iri"]))

    gone = deleted | {obj for obj, hidden in moderated.items() if hidden}
    still_accepted: dict[str, str | None] = {}
    if course_key:
        gone |= _hidden_post_iris(course_key)
        still_accepted = _accepted_now(course_key)
    # A thread that is gone takes its replies with it; replies don't name their thread in columns, so
    # the discussion rows above already list them.
    tallies: dict[tuple[int, str, str], _Tally] = defaultdict(_Tally)

    def credit(user_id: int, lesson_iri: str, what: str, weight: float, moment: datetime) -> None:
        if course_key:
            tallies[(user_id, ExpertiseScope.COURSE, course_key)].add(what, weight, moment)
        lesson_key = _key(lesson_iri)
        if lesson_key:
            tallies[(user_id, ExpertiseScope.LESSON, lesson_key)].add(what, weight, moment)

    for thread, (reply, accepter, moment) in accepted.items():
        if reply in gone or thread in gone or reply not in authors:
            continue
        if thread in still_accepted and still_accepted[thread] != reply:
            continue  # the thread's answer changed since, or was hidden or deleted
        author, lesson_iri = authors[reply]
        if author != accepter:
            credit(author, lesson_iri, "accepted", w.accepted_answer, moment)
    for (voter, obj), moment in votes.items():
        if moment is None or obj in gone or obj not in authors:
            continue
        author, lesson_iri = authors[obj]
        if author == voter:
            continue
        if obj in notes:
            credit(author, lesson_iri, "note_votes", w.note_vote, moment)
        else:
            credit(author, lesson_iri, "votes", w.helpful_vote, moment)
    for note, moment in notes.items():
        if note not in gone:
            author, lesson_iri = authors[note]
            credit(author, lesson_iri, "notes", w.shared_note, moment)
    latest_replies: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    for reply, moment in replies.items():
        if reply not in gone:
            author, lesson_iri = authors[reply]
            latest_replies[(author, lesson_iri)].append(moment)
    for (author, lesson_iri), moments in latest_replies.items():
        for moment in sorted(moments, reverse=True)[: w.reply_cap]:
            credit(author, lesson_iri, "replies", w.reply, moment)
    for (user_id, lesson_iri), moment in completions.items():
        credit(user_id, lesson_iri, "completed", w.completion, moment)
    for (user_id, _question), (success, moment, lesson_iri) in first_answers.items():
        if success:
            credit(user_id, lesson_iri, "checks", w.correct_check, moment)
    return tallies


@dataclass
class RefreshReport:
    courses: int = 0
    tags: int = 0
    rows: int = 0
    high_water: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "courses": self.courses,
            "tags": self.tags,
            "rows": self.rows,
            "high_water": self.high_water.isoformat() if self.high_water else None,
        }


def _write_course(course_iri: str, tallies: dict[tuple[int, str, str], _Tally], excluded: set[int]) -> int:
    course_key = _key(course_iri) or ""
    now = timezone.now()
    rows = [
        ExpertiseScore(
            user_id=user_id,
            scope_kind=kind,
            scope_key=key,
            course_key=course_key,
            score=tally.score,
            evidence={name: count for name, count in tally.counts.items() if count},
            computed_at=now,
        )
        for (user_id, kind, key), tally in tallies.items()
        if user_id not in excluded and tally.score > 0
    ]
    with transaction.atomic():
        ExpertiseScore.objects.filter(
            Q(scope_kind=ExpertiseScope.COURSE, scope_key=course_key)
            | Q(scope_kind=ExpertiseScope.LESSON, course_key=course_key)
        ).delete()
        ExpertiseScore.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _refresh_tags(course_keys: set[str], *, everything: bool = False) -> tuple[int, int]:
    """Re-derive the tag rows touching these courses from their course rows (a tag = its live courses)."""
    from courses.models import CoursePage

    through = CoursePage.tags.through.objects
    if everything:
        slugs = set(through.values_list("tag__slug", flat=True))
    else:
        slugs = set(through.filter(content_object__activity_id__in=course_keys).values_list("tag__slug", flat=True))
    written = 0
    now = timezone.now()
    for slug in sorted(slugs):
        keys = [
            str(key)
            for key in through.filter(tag__slug=slug, content_object__live=True).values_list(
                "content_object__activity_id", flat=True
            )
        ]
        sums: dict[int, _Tally] = defaultdict(_Tally)
        for row in ExpertiseScore.objects.filter(scope_kind=ExpertiseScope.COURSE, scope_key__in=keys):
            tally = sums[row.user_id]
            tally.score += row.score
            for name, count in row.evidence.items():
                tally.counts[name] = tally.counts.get(name, 0) + count
        with transaction.atomic():
            ExpertiseScore.objects.filter(scope_kind=ExpertiseScope.TAG, scope_key=slug).delete()
            ExpertiseScore.objects.bulk_create(
                [
                    ExpertiseScore(
                        user_id=user_id, scope_kind=ExpertiseScope.TAG, scope_key=slug, score=tally.score,
                        evidence={n: c for n, c in tally.counts.items() if c}, computed_at=now,
                    )
                    for user_id, tally in sums.items()
                ],
                batch_size=500,
            )  # fmt: skip
        written += len(sums)
    if everything:
        ExpertiseScore.objects.filter(scope_kind=ExpertiseScope.TAG).exclude(scope_key__in=slugs).delete()
    return len(slugs), written


def expertise_refresh(*, full: bool = False) -> RefreshReport:
    """Bring `ExpertiseScore` up to date with the store; returns what it recomputed.

    Incremental by default: only courses with a scored statement stored since the high-water mark
    (minus OVERLAP, for transactions that committed late) are recomputed, each from all of its own
    statements, in its own transaction (delete + insert its rows), then the tags of those courses.
    `full` recomputes every course and tag and drops rows nobody earns any more (opt-outs, deleted
    courses). Idempotent; concurrent runs serialise on the cursor row.
    """
    report = RefreshReport()
    with transaction.atomic():
        cursor, _ = ExpertiseCursor.objects.select_for_update().get_or_create(name=CURSOR_NAME)
        changed = Statement.objects.exclude(course_iri="").exclude(verb__in=_IGNORED_VERBS)
        if not full and cursor.high_water is not None:
            changed = changed.filter(stored__gt=cursor.high_water - OVERLAP)
        report.high_water = changed.aggregate(latest=Max("stored"))["latest"] or cursor.high_water
        course_iris = set(changed.order_by().values_list("course_iri", flat=True).distinct())
        evidence = {iri: course_evidence(iri) for iri in sorted(course_iris)}
        excluded = _opted_out({user_id for tallies in evidence.values() for (user_id, _k, _s) in tallies})
        for iri, tallies in evidence.items():
            report.rows += _write_course(iri, tallies, excluded)
        course_keys = {key for key in (_key(iri) for iri in course_iris) if key}
        if full:
            ExpertiseScore.objects.exclude(scope_kind=ExpertiseScope.TAG).exclude(course_key__in=course_keys).exclude(
                scope_kind=ExpertiseScope.COURSE, scope_key__in=course_keys
            ).delete()
        report.courses = len(course_iris)
        report.tags, tag_rows = _refresh_tags(course_keys, everything=full)
        report.rows += tag_rows
        cursor.high_water = report.high_water
        cursor.refreshed_at = timezone.now()
        cursor.save(update_fields=["high_water", "refreshed_at"])
    logger.info("Expertise refresh: %s", report.as_dict())
    return report


def schedule_refresh() -> None:
    """After a commit that stored statements (`insights.after_commit`): at most one refresh per
    EXPERTS_REFRESH_DEBOUNCE_SECONDS, never raising.

    A cache key gates it, and the task is delayed by the same window, so one run picks up the whole
    batch of commits; the periodic sweep catches anything missed.
    """
    if not getattr(settings, "EXPERTS_REFRESH_ON_COMMIT", True):
        return
    window = int(getattr(settings, "EXPERTS_REFRESH_DEBOUNCE_SECONDS", 60))
    try:
        if cache.add(REFRESH_QUEUED_KEY, 1, timeout=window):
            from .tasks import expertise_refresh_task

            expertise_refresh_task.apply_async(countdown=window)
    except Exception:  # noqa: BLE001 — the user's action committed; the beat sweep catches up
        logger.exception("Could not schedule the expertise refresh after commit")


# --- reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Helper:
    """One suggested person: who, how strong the evidence is now, and why in words."""

    user: User
    score: float
    reasons: tuple[str, ...]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def reasons(evidence: dict[str, int], *, where: str) -> list[str]:
    """Readable evidence, strongest kind first: "3 accepted answers on this lesson"."""
    out = []
    if evidence.get("accepted"):
        out.append(f"{_plural(evidence['accepted'], 'accepted answer', 'accepted answers')} {where}")
    if evidence.get("votes"):
        out.append(f"{_plural(evidence['votes'], 'helpful vote', 'helpful votes')} on their posts {where}")
    if evidence.get("note_votes"):
        out.append(f"shared notes {where} with {_plural(evidence['note_votes'], 'helpful vote', 'helpful votes')}")
    elif evidence.get("notes"):
        out.append(f"{_plural(evidence['notes'], 'shared note', 'shared notes')} {where}")
    if evidence.get("checks"):
        out.append(f"{_plural(evidence['checks'], 'knowledge check', 'knowledge checks')} right first time {where}")
    if evidence.get("completed"):
        if where == "on this lesson":
            out.append("completed this lesson")
        elif where.startswith("elsewhere"):
            out.append(f"completed {_plural(evidence['completed'], 'other lesson', 'other lessons')} in this course")
        else:
            out.append(f"completed {_plural(evidence['completed'], 'lesson', 'lessons')} {where}")
    if not out and evidence.get("replies"):
        out.append(f"{_plural(evidence['replies'], 'reply', 'replies')} {where}")
    return out


def _signed_in(viewer: User | AnonymousUser | None) -> bool:
    return bool(viewer is not None and viewer.is_authenticated)


def _rank(
    rows: Iterable[ExpertiseScore], *, primary: str, wheres: dict[str, str], exclude: set[int], limit: int
) -> list[Helper]:
    """Merge rows per person: the primary scope counts in full, the wider one at `course_blend`.

    Reasons name the primary scope first; wider evidence is described only for what it adds
    ("2 accepted answers elsewhere in this course"), so nothing is said twice.
    """
    blend = weights().course_blend
    now = timezone.now()
    people: dict[int, dict[str, ExpertiseScore]] = {}
    for row in rows:
        if row.user_id in exclude or not suggestible(row.user):
            continue
        people.setdefault(row.user_id, {})[row.scope_kind] = row
    ranked = []
    for by_kind in people.values():
        own = by_kind.get(primary)
        wider = next((row for kind, row in by_kind.items() if kind != primary), None)
        score = (own.score if own else 0.0) + (wider.score * blend if wider else 0.0)
        said = reasons(own.evidence, where=wheres[primary]) if own else []
        if wider is not None:
            if own is None:
                said += reasons(wider.evidence, where=wheres[wider.scope_kind])
            else:
                extra = {k: n - own.evidence.get(k, 0) for k, n in wider.evidence.items() if n > own.evidence.get(k, 0)}
                said += reasons(extra, where=f"elsewhere {wheres[wider.scope_kind]}")
        user = (own or wider).user
        ranked.append((score, user, said))
    ranked.sort(key=lambda item: (-item[0], item[1].username))
    return [
        Helper(user=user, score=round(current_score(score, now), 2), reasons=tuple(said[:2]))
        for score, user, said in ranked[:limit]
    ]


def helpers_for_lesson(
    *,
    lesson: LessonPage,
    course: CoursePage,
    viewer: User | AnonymousUser | None,
    limit: int = MAX_HELPERS,
    exclude: Iterable[int] = (),
) -> list[Helper]:
    """Up to `limit` people who can help with this lesson, best first, never the viewer. One query.

    Signed-in viewers only: names of colleagues are not shown to the public. Lesson evidence counts
    in full and the rest of the course at `Weights.course_blend`.
    """
    if viewer is not None and not _signed_in(viewer):
        return []
    excluded = set(exclude)
    if viewer is not None:
        excluded.add(viewer.pk)
    rows = (
        ExpertiseScore.objects.filter(
            Q(scope_kind=ExpertiseScope.LESSON, scope_key=str(lesson.activity_id))
            | Q(scope_kind=ExpertiseScope.COURSE, scope_key=str(course.activity_id))
        )
        .exclude(user_id__in=excluded)
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("-score")[: limit * 8]
    )
    return _rank(
        rows,
        primary=ExpertiseScope.LESSON,
        wheres={ExpertiseScope.LESSON: "on this lesson", ExpertiseScope.COURSE: "in this course"},
        exclude=excluded,
        limit=limit,
    )


def helpers_for_tag(
    *, tag_slug: str, tag_name: str, viewer: User | AnonymousUser | None, limit: int = MAX_HELPERS
) -> list[Helper]:
    """Up to `limit` people who know a topic (tag), best first, never the viewer. One query."""
    if not _signed_in(viewer) or not tag_slug:
        return []
    rows = (
        ExpertiseScore.objects.filter(scope_kind=ExpertiseScope.TAG, scope_key=tag_slug)
        .exclude(user_id=viewer.pk)
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("-score")[: limit * 3]
    )
    return _rank(
        rows,
        primary=ExpertiseScope.TAG,
        wheres={ExpertiseScope.TAG: f"in {tag_name} courses"},
        exclude={viewer.pk},
        limit=limit,
    )


def topics_for_user(*, user: User, viewer: User | AnonymousUser | None, limit: int = 5) -> list[str]:
    """The topics (course tags, then courses) a person is known for on their profile, strongest first.

    Only scopes with evidence that reads as a reason count (an accepted answer, helpful votes, voted
    notes, good knowledge checks), so a handful of unvoted replies makes nobody "known for" anything.
    Empty for people who opted out of being suggested. Two queries at most.
    """
    from taggit.models import Tag

    from courses.models import CoursePage

    if not suggestible(user):
        return []
    strong = ("accepted", "votes", "note_votes", "checks")
    rows = [
        row
        for row in ExpertiseScore.objects.filter(
            user=user, scope_kind__in=(ExpertiseScope.TAG, ExpertiseScope.COURSE)
        ).order_by("-score")[: limit * 4]
        if any(row.evidence.get(kind) for kind in strong)
    ]
    tags = {row.scope_key for row in rows if row.scope_kind == ExpertiseScope.TAG}
    courses = {row.scope_key for row in rows if row.scope_kind == ExpertiseScope.COURSE}
    names: dict[tuple[str, str], str] = {}
    if tags:
        names |= {
            (ExpertiseScope.TAG, slug): name
            for slug, name in Tag.objects.filter(slug__in=tags).values_list("slug", "name")
        }
    if courses and len(names) < limit:
        live = CoursePage.objects.live().filter(activity_id__in=courses).values_list("activity_id", "title")
        names |= {(ExpertiseScope.COURSE, str(key)): title for key, title in live}
    topics: list[str] = []
    for row in rows:
        name = names.get((row.scope_kind, row.scope_key))
        if name and name not in topics:
            topics.append(name)
    return topics[:limit]
