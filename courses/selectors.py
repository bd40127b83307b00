"""Reads for course pages. Each takes the viewer, and costs a fixed number of queries whatever the size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from wagtail.images import get_image_model
from wagtail.models import Page

from .models import CourseIndexPage, CoursePage, Enrolment, KnowledgeCheckAnswer, LessonPage, LessonProgress

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

CARD_RENDITION = "fill-640x360"


@dataclass(frozen=True)
class CourseProgress:
    total: int
    completed: int

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0


def _signed_in(viewer: User | AnonymousUser) -> bool:
    return bool(viewer and viewer.is_authenticated)


def _live_lesson_count() -> Subquery:
    lessons = (
        LessonPage.objects.live()
        .filter(path__startswith=OuterRef("path"), depth=OuterRef("depth") + 1)
        .order_by()
        .values("depth")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(lessons), 0)


def course_cards():
    """Live courses with what a catalogue card shows: cover rendition, tags, lesson count."""
    images = get_image_model().objects.prefetch_renditions(CARD_RENDITION)
    return (
        CoursePage.objects.live()
        .public()
        .defer_streamfields()
        .select_related("cover_image")
        .prefetch_related(Prefetch("cover_image", queryset=images), "tags")
        .annotate(lesson_count=_live_lesson_count())
        .order_by("path")
    )


def _progress_by_course(user: User, course_ids: list[int]) -> dict[int, int]:
    rows = (
        LessonProgress.objects.filter(
            user=user, course_id__in=course_ids, completed_at__isnull=False, lesson__live=True
        )
        .values("course_id")
        .annotate(done=Count("pk"))
    )
    return {row["course_id"]: row["done"] for row in rows}


def catalogue_for_viewer(*, viewer: User | AnonymousUser, tag: str = "") -> dict[str, Any]:
    courses = course_cards()
    if tag:
        courses = courses.filter(tags__slug=tag).distinct()
    courses = list(courses)
    enrolled: dict[int, Enrolment] = {}
    if _signed_in(viewer):
        enrolled = {
            e.course_id: e
            for e in Enrolment.objects.filter(user=viewer, unenrolled_at__isnull=True, course__in=courses)
        }
        done = _progress_by_course(viewer, list(enrolled))
        for course in courses:
            course.enrolment = enrolled.get(course.pk)
            course.progress = CourseProgress(total=course.lesson_count, completed=done.get(course.pk, 0))
    tags = (
        CoursePage.tags.through.objects.filter(content_object__live=True)
        .values("tag__name", "tag__slug")
        .annotate(count=Count("pk"))
        .order_by("tag__name")
    )
    tags = list(tags)
    return {"courses": courses, "active_tag": tag, "all_tags": tags, **_tag_helpers(tag=tag, tags=tags, viewer=viewer)}


def _tag_helpers(*, tag: str, tags: list[dict[str, Any]], viewer: User | AnonymousUser) -> dict[str, Any]:
    """ "People who can help" with the catalogue's active topic (insights.experts): one query, signed in only."""
    from insights.experts import helpers_for_tag

    name = next((t["tag__name"] for t in tags if t["tag__slug"] == tag), "")
    if not name:
        return {"helpers": []}
    return {
        "helpers": helpers_for_tag(tag_slug=tag, tag_name=name, viewer=viewer),
        "helpers_intro": f"Colleagues whose answers, notes and results show they know {name}.",
    }


def _outline(*, parent_path: str, depth: int, viewer: User | AnonymousUser) -> list[LessonPage]:
    """Live lessons under `parent_path` in order, each with `.number`, `.viewed`, `.completed` and the viewer's
    `.viewer_progress` (a LessonProgress or None), in one query: the viewer's progress rows are LEFT JOINed."""
    lessons = LessonPage.objects.filter(path__startswith=parent_path, depth=depth).live().defer_streamfields()
    signed_in = _signed_in(viewer)
    if signed_in:
        lessons = lessons.annotate(
            mine=FilteredRelation("progress", condition=Q(progress__user=viewer.pk)),
            **{f"my_{name}": F(f"mine__{name}") for name in PROGRESS_FIELDS},
        )
    lessons = list(lessons.order_by("path"))
    for number, lesson in enumerate(lessons, start=1):
        row = None
        if signed_in and lesson.my_id is not None:
            row = LessonProgress(user_id=viewer.pk, lesson_id=lesson.pk)
            for name in PROGRESS_FIELDS:
                setattr(row, name, getattr(lesson, f"my_{name}"))
        lesson.number = number
        lesson.viewer_progress = row
        lesson.viewed = row is not None
        lesson.completed = bool(row and row.completed_at)
    return lessons


PROGRESS_FIELDS = ("id", "course_id", "first_viewed_at", "last_viewed_at", "experienced_recorded_at", "completed_at")


def lessons_with_progress(*, course: CoursePage, viewer: User | AnonymousUser) -> list[LessonPage]:
    """The course's live lessons in order, each with `.completed` and `.viewed` for the viewer (one query)."""
    return _outline(parent_path=course.path, depth=course.depth + 1, viewer=viewer)


def resume_lesson(lessons: list[LessonPage], enrolment: Enrolment | None) -> LessonPage | None:
    """Where "Continue" goes: the first unfinished lesson after the last one opened, else the first unfinished."""
    if not lessons:
        return None
    unfinished = [lesson for lesson in lessons if not lesson.completed]
    if not unfinished:
        return None
    if enrolment and enrolment.last_lesson_id:
        position = next((i for i, lesson in enumerate(lessons) if lesson.pk == enrolment.last_lesson_id), None)
        if position is not None:
            if not lessons[position].completed:
                return lessons[position]
            after = [lesson for lesson in lessons[position + 1 :] if not lesson.completed]
            if after:
                return after[0]
    return unfinished[0]


def course_detail_for_viewer(*, course: CoursePage, viewer: User | AnonymousUser) -> dict[str, Any]:
    lessons = lessons_with_progress(course=course, viewer=viewer)
    enrolment = None
    if _signed_in(viewer):
        enrolment = Enrolment.objects.filter(user=viewer, course=course).first()
    active = enrolment if enrolment and enrolment.is_active else None
    completed = sum(1 for lesson in lessons if lesson.completed)
    return {
        "lessons": lessons,
        "enrolment": active,
        "past_enrolment": enrolment if enrolment and not enrolment.is_active else None,
        "progress": CourseProgress(total=len(lessons), completed=completed),
        "resume": resume_lesson(lessons, active) if active else None,
        "course_authors": list(course.authors.all()),
        "course_tags": list(course.tags.all()),
        "ratings": _ratings(viewer=viewer, course=course, enrolment=active),
    }


def _is_author(viewer: User, course_ref: Any) -> Exists:
    return Exists(CoursePage.authors.through.objects.filter(user_id=viewer.pk, coursepage_id=course_ref))


def _latest_answers(*, viewer: User, lesson: LessonPage) -> dict[str, Subquery]:
    """One subquery per knowledge check of the lesson (a handful): the viewer's latest choice and its verdict."""
    annotations = {}
    for number, block_id in enumerate(lesson.knowledge_checks()):
        latest = KnowledgeCheckAnswer.objects.filter(user=viewer, lesson=lesson, block_id=block_id).order_by(
            "-answered_at", "-pk"
        )
        for name in ANSWER_FIELDS:
            annotations[f"kc{number}_{name}"] = Subquery(latest.values(name)[:1])
    return annotations


ANSWER_FIELDS = ("choice", "is_correct", "answered_at")


def lesson_detail_for_viewer(*, lesson: LessonPage, viewer: User | AnonymousUser) -> dict[str, Any]:
    """The lesson with its course outline, neighbours and the viewer's answers. Body only if enrolled.

    Two queries for a signed-in learner, whatever the size of the course: the outline with the viewer's
    progress, and their active enrolment with its course, whether they author it, and their latest answer
    to each knowledge check (the course alone when they are not enrolled). The viewer's progress on this
    lesson is handed to `lesson_view` (context `lesson_progress`), which then needs no read of its own.

    Panels that other apps add to the lesson page read the viewer's roles from `discussions.permissions`
    (enrolment and authorship are remembered there) and must cost a fixed number of queries each.
    """
    parent_path = lesson.path[: -Page.steplen]
    lessons = _outline(parent_path=parent_path, depth=lesson.depth, viewer=viewer)
    index = next((i for i, item in enumerate(lessons) if item.pk == lesson.pk), None)
    enrolment = None
    answers: dict[str, KnowledgeCheckAnswer] = {}
    signed_in = _signed_in(viewer)
    if signed_in:
        checks = list(lesson.knowledge_checks())
        enrolment = (
            Enrolment.objects.filter(user=viewer, course__path=parent_path, unenrolled_at__isnull=True)
            .select_related("course")
            .annotate(
                viewer_is_author=_is_author(viewer, OuterRef("course_id")),
                **_latest_answers(viewer=viewer, lesson=lesson),
            )
            .first()
        )
        if enrolment:
            for number, block_id in enumerate(checks):
                if getattr(enrolment, f"kc{number}_choice") is not None:
                    answers[block_id] = KnowledgeCheckAnswer(
                        user=viewer, lesson=lesson, block_id=block_id,
                        **{name: getattr(enrolment, f"kc{number}_{name}") for name in ANSWER_FIELDS},
                    )  # fmt: skip
    if enrolment:
        course = enrolment.course
        is_author = enrolment.viewer_is_author
    else:
        courses = CoursePage.objects.filter(path=parent_path)
        if signed_in:
            courses = courses.annotate(viewer_is_author=_is_author(viewer, OuterRef("pk")))
        course = courses.get()
        is_author = getattr(course, "viewer_is_author", False)
    if signed_in:
        from discussions.permissions import remember_course_author, remember_enrolment

        remember_enrolment(viewer, course, enrolment)
        remember_course_author(viewer, course, is_author)
    current = lessons[index] if index is not None else None
    completed = sum(1 for item in lessons if item.completed)
    return {
        "course": course,
        "lessons": lessons,
        "lesson_number": index + 1 if index is not None else None,
        "previous_lesson": lessons[index - 1] if index else None,
        "next_lesson": lessons[index + 1] if index is not None and index + 1 < len(lessons) else None,
        "enrolment": enrolment,
        "can_read": enrolment is not None,
        "is_completed": bool(current and current.completed),
        "answers": answers,
        "progress": CourseProgress(total=len(lessons), completed=completed),
        "lesson_progress": current.viewer_progress if current else None,
        "lesson_progress_known": signed_in and current is not None,
        "ratings": _ratings(viewer=viewer, course=course, lesson=lesson, enrolment=enrolment),
        **_lesson_helpers(lesson=lesson, course=course, viewer=viewer),
    }


def _lesson_helpers(*, lesson: LessonPage, course: CoursePage, viewer: User | AnonymousUser) -> dict[str, Any]:
    """ "People who can help" (insights.experts): one query on precomputed scores, signed-in viewers only."""
    from django.conf import settings

    from insights.experts import helpers_for_lesson

    return {
        "helpers": helpers_for_lesson(lesson=lesson, course=course, viewer=viewer),
        "helpers_routing_hours": getattr(settings, "ROUTING_HELPERS_AFTER_HOURS", 0),
    }


def _ratings(**kwargs: Any):
    """The ratings panel (discussions owns ratings): lesson page with a lesson, course page without."""
    from discussions.selectors import course_rating_panel, rating_panel

    return rating_panel(**kwargs) if kwargs.get("lesson") is not None else course_rating_panel(**kwargs)


def learner_courses(*, user: User) -> list[Enrolment]:
    """My learning: active enrolments, unfinished first, newest enrolment first, each with progress and resume."""
    enrolments = list(
        Enrolment.objects.filter(user=user, unenrolled_at__isnull=True, course__live=True)
        .select_related("course", "last_lesson")
        .order_by("-enrolled_at")
    )
    if not enrolments:
        return []
    courses = [e.course for e in enrolments]
    course_paths = Q()
    for course in courses:
        course_paths |= Q(path__startswith=course.path, depth=course.depth + 1)
    lessons = list(LessonPage.objects.live().filter(course_paths).defer_streamfields().order_by("path"))
    done = set(
        LessonProgress.objects.filter(user=user, course__in=courses, completed_at__isnull=False).values_list(
            "lesson_id", flat=True
        )
    )
    by_course: dict[str, list[LessonPage]] = {}
    for lesson in lessons:
        lesson.completed = lesson.pk in done
        by_course.setdefault(lesson.path[: -Page.steplen], []).append(lesson)
    for enrolment in enrolments:
        course_lessons = by_course.get(enrolment.course.path, [])
        enrolment.progress = CourseProgress(
            total=len(course_lessons), completed=sum(1 for lesson in course_lessons if lesson.completed)
        )
        enrolment.resume = resume_lesson(course_lessons, enrolment)
    enrolments.sort(key=lambda e: e.completed_at is not None)  # stable: keeps newest-first within each
    return enrolments


def home_for_viewer(*, viewer: User | AnonymousUser) -> dict[str, Any]:
    context: dict[str, Any] = {"catalogue": CourseIndexPage.objects.live().first()}
    if _signed_in(viewer):
        my_learning = learner_courses(user=viewer)
        context["my_learning"] = my_learning
        context["continue_with"] = next((e for e in my_learning if e.resume), None)
        enrolled_ids = [e.course_id for e in my_learning]
        context["suggested_courses"] = list(course_cards().exclude(pk__in=enrolled_ids)[:3])
    else:
        context["featured_courses"] = list(course_cards()[:3])
    return context
