"""Reads for course pages. Each takes the viewer, and costs a fixed number of queries whatever the size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
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
    return {"courses": courses, "active_tag": tag, "all_tags": list(tags)}


def lessons_with_progress(*, course: CoursePage, viewer: User | AnonymousUser) -> list[LessonPage]:
    """The course's live lessons in order, each with `.completed` and `.viewed` for the viewer."""
    lessons = list(LessonPage.objects.child_of(course).live().defer_streamfields().order_by("path"))
    progress: dict[int, LessonProgress] = {}
    if _signed_in(viewer):
        progress = {p.lesson_id: p for p in LessonProgress.objects.filter(user=viewer, course=course)}
    for number, lesson in enumerate(lessons, start=1):
        row = progress.get(lesson.pk)
        lesson.number = number
        lesson.viewed = row is not None
        lesson.completed = bool(row and row.completed_at)
    return lessons


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


def lesson_detail_for_viewer(*, lesson: LessonPage, viewer: User | AnonymousUser) -> dict[str, Any]:
    """The lesson with its course outline, neighbours and the viewer's answers. Body only if enrolled."""
    course = CoursePage.objects.parent_of(lesson).defer_streamfields().get()
    lessons = lessons_with_progress(course=course, viewer=viewer)
    index = next((i for i, item in enumerate(lessons) if item.pk == lesson.pk), None)
    enrolment = None
    answers: dict[str, KnowledgeCheckAnswer] = {}
    if _signed_in(viewer):
        enrolment = Enrolment.objects.filter(user=viewer, course=course, unenrolled_at__isnull=True).first()
        if enrolment:
            for answer in KnowledgeCheckAnswer.objects.filter(user=viewer, lesson=lesson).order_by("answered_at"):
                answers[answer.block_id] = answer
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
        "ratings": _ratings(viewer=viewer, course=course, lesson=lesson, enrolment=enrolment),
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
