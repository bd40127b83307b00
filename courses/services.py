"""Everything a learner does in a course. One transaction per service; each records its statement."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from insights.services import statement_record
from insights.xapi import vocabulary as xapi
from insights.xapi.activities import StatementContext, StatementResult

from .blocks import option_ids
from .models import CoursePage, Enrolment, KnowledgeCheckAnswer, LessonPage, LessonProgress

if TYPE_CHECKING:
    from accounts.models import User


class CourseActionError(Exception):
    """An action the learner cannot take now (not enrolled, unknown question…): a message to show them."""


def _course_of(lesson: LessonPage) -> CoursePage:
    return CoursePage.objects.parent_of(lesson).get()


def _lesson_context(enrolment: Enrolment | None, course: CoursePage) -> StatementContext:
    return StatementContext(
        registration=enrolment.registration if enrolment else None,
        parent=[course.xapi_activity()],
    )


def active_enrolment(*, user: User, course: CoursePage) -> Enrolment | None:
    return Enrolment.objects.filter(user=user, course=course, unenrolled_at__isnull=True).first()


def enrolment_create(*, user: User, course: CoursePage) -> Enrolment:
    """Enrol, or re-enrol after leaving (with a new registration). Enrolling twice changes nothing."""
    with transaction.atomic():
        now = timezone.now()
        enrolment = Enrolment.objects.select_for_update().filter(user=user, course=course).first()
        if enrolment and enrolment.is_active:
            return enrolment
        if enrolment:
            enrolment.registration = Enrolment._meta.get_field("registration").get_default()
            enrolment.enrolled_at = now
            enrolment.unenrolled_at = None
            enrolment.save(update_fields=["registration", "enrolled_at", "unenrolled_at"])
        else:
            enrolment = Enrolment.objects.create(user=user, course=course, enrolled_at=now)
        statement_record(
            actor=user,
            verb=xapi.REGISTERED,
            object=course.xapi_activity(),
            context=StatementContext(registration=enrolment.registration),
            timestamp=now,
        )
        return enrolment


def enrolment_cancel(*, user: User, course: CoursePage) -> Enrolment | None:
    """Leave a course. Progress is kept, so enrolling again picks up where the learner stopped."""
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().filter(user=user, course=course).first()
        if enrolment is None or not enrolment.is_active:
            return enrolment
        now = timezone.now()
        enrolment.unenrolled_at = now
        enrolment.save(update_fields=["unenrolled_at"])
        statement_record(
            actor=user,
            verb=xapi.UNREGISTERED,
            object=course.xapi_activity(),
            context=StatementContext(registration=enrolment.registration),
            timestamp=now,
        )
        return enrolment


def _require_enrolment(user: User, course: CoursePage) -> Enrolment:
    enrolment = active_enrolment(user=user, course=course)
    if enrolment is None:
        raise CourseActionError("Enrol in this course first.")
    return enrolment


def lesson_view(
    *,
    user: User,
    lesson: LessonPage,
    course: CoursePage | None = None,
    enrolment: Enrolment | None = None,
    progress: LessonProgress | None = None,
    progress_known: bool = False,
) -> LessonProgress:
    """Note that the learner opened a lesson, and where to resume.

    Records `experienced` at most once per learner and lesson per XAPI_EXPERIENCED_WINDOW_SECONDS,
    so reloads do not flood the store. The lesson page passes what it already read (the active
    enrolment, and the learner's progress row on this lesson or None with `progress_known`), so a
    reload costs one UPDATE and a first view an INSERT, the resume point and the statement; anything
    else is looked up. The throttle holds under concurrent reloads: the UPDATE that takes the window
    is conditional on it, so only one of them records. Two simultaneous *first* views may both record
    (the INSERT ignores the second row): two views, which is what happened. One transaction; a plain
    reload is a single UPDATE, atomic by itself.
    """
    course = course or _course_of(lesson)
    if enrolment is None or not (
        enrolment.is_active and enrolment.user_id == user.pk and enrolment.course_id == course.pk
    ):
        enrolment = _require_enrolment(user, course)
    if not progress_known or (progress is not None and (progress.user_id, progress.lesson_id) != (user.pk, lesson.pk)):
        progress = LessonProgress.objects.filter(user=user, lesson=lesson).first()
    now = timezone.now()
    window = timedelta(seconds=settings.XAPI_EXPERIENCED_WINDOW_SECONDS)
    due = (
        progress is None or progress.experienced_recorded_at is None or now - progress.experienced_recorded_at >= window
    )
    if progress is not None and not due and enrolment.last_lesson_id == lesson.pk:
        # A reload: one UPDATE, atomic on its own, and nothing to record.
        LessonProgress.objects.filter(pk=progress.pk).update(last_viewed_at=now)
        progress.last_viewed_at = now
        return progress
    with transaction.atomic():
        if progress is None:
            progress = LessonProgress(
                user=user, lesson=lesson, course=course, first_viewed_at=now, last_viewed_at=now,
                experienced_recorded_at=now,
            )  # fmt: skip
            LessonProgress.objects.bulk_create([progress], ignore_conflicts=True)
            record = True
        else:
            row = LessonProgress.objects.filter(pk=progress.pk)
            record = False
            if due:
                window_open = Q(experienced_recorded_at=None) | Q(experienced_recorded_at__lte=now - window)
                record = row.filter(window_open).update(last_viewed_at=now, experienced_recorded_at=now) == 1
            if not record:
                row.update(last_viewed_at=now)
            progress.last_viewed_at = now
            if record:
                progress.experienced_recorded_at = now
        if enrolment.last_lesson_id != lesson.pk:
            Enrolment.objects.filter(pk=enrolment.pk).update(last_lesson=lesson)
            enrolment.last_lesson = lesson
        if record:
            statement_record(
                actor=user,
                verb=xapi.EXPERIENCED,
                object=lesson.xapi_activity(),
                context=_lesson_context(enrolment, course),
                timestamp=now,
            )
        return progress


def knowledge_check_answer(
    *, user: User, lesson: LessonPage, block_id: str, choice: str, course: CoursePage | None = None
) -> KnowledgeCheckAnswer:
    """Store an answer and record `answered` with success and response. Learners may try again."""
    course = course or _course_of(lesson)
    checks = lesson.knowledge_checks()
    if block_id not in checks:
        raise CourseActionError("That question is no longer part of this lesson.")
    options = checks[block_id]["options"]
    ids = option_ids(len(options))
    if choice not in ids:
        raise CourseActionError("Pick one of the options.")
    is_correct = bool(options[ids.index(choice)]["is_correct"])
    with transaction.atomic():
        enrolment = _require_enrolment(user, course)
        now = timezone.now()
        answer = KnowledgeCheckAnswer.objects.create(
            user=user, lesson=lesson, block_id=block_id, choice=choice, is_correct=is_correct, answered_at=now
        )
        statement_record(
            actor=user,
            verb=xapi.ANSWERED,
            object=lesson.knowledge_check_activity(block_id),
            result=StatementResult(
                success=is_correct,
                response=choice,
                score_raw=1 if is_correct else 0,
                score_min=0,
                score_max=1,
                score_scaled=1 if is_correct else 0,
            ),
            context=StatementContext(
                registration=enrolment.registration,
                parent=[lesson.xapi_activity()],
                grouping=[course.xapi_activity()],
            ),
            timestamp=now,
        )
        return answer


def lesson_complete(*, user: User, lesson: LessonPage, course: CoursePage | None = None) -> LessonProgress:
    """Mark a lesson complete (idempotent); completing the last one completes the course too."""
    course = course or _course_of(lesson)
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().filter(user=user, course=course).first()
        if enrolment is None or not enrolment.is_active:
            raise CourseActionError("Enrol in this course first.")
        now = timezone.now()
        progress, _ = LessonProgress.objects.select_for_update().get_or_create(
            user=user, lesson=lesson, defaults={"course": course, "first_viewed_at": now, "last_viewed_at": now}
        )
        if progress.completed_at is not None:
            return progress
        progress.completed_at = now
        progress.save(update_fields=["completed_at"])
        statement_record(
            actor=user,
            verb=xapi.COMPLETED,
            object=lesson.xapi_activity(),
            result=StatementResult(completion=True, duration=now - progress.first_viewed_at),
            context=_lesson_context(enrolment, course),
            timestamp=now,
        )
        if enrolment.completed_at is None and _all_lessons_complete(user, course):
            enrolment.completed_at = now
            enrolment.save(update_fields=["completed_at"])
            statement_record(
                actor=user,
                verb=xapi.COMPLETED,
                object=course.xapi_activity(),
                result=StatementResult(completion=True, duration=now - enrolment.enrolled_at),
                context=StatementContext(registration=enrolment.registration),
                timestamp=now + timedelta(milliseconds=1),
            )
        return progress


def _all_lessons_complete(user: User, course: CoursePage) -> bool:
    lesson_ids = set(LessonPage.objects.child_of(course).live().values_list("pk", flat=True))
    done = set(
        LessonProgress.objects.filter(user=user, lesson_id__in=lesson_ids, completed_at__isnull=False).values_list(
            "lesson_id", flat=True
        )
    )
    return bool(lesson_ids) and lesson_ids <= done
