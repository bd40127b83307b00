"""What a learner does in a course, through the services: enrol, leave, view, answer, complete.

Each test checks the domain rows a learner would notice (enrolled, progress, completion) and how many
statements were recorded; the exact statement content is in tests/insights/test_recording.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from courses import services
from courses.models import Enrolment, KnowledgeCheckAnswer, LessonProgress
from courses.selectors import learner_courses
from insights.models import Statement
from insights.xapi import vocabulary as xapi
from tests.factories import LessonPageFactory, knowledge_check, paragraph

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def verbs() -> list[str]:
    return list(Statement.objects.order_by("timestamp", "verb").values_list("verb", flat=True))


def count(verb: xapi.Verb) -> int:
    return Statement.objects.filter(verb=verb.iri).count()


def check_id(lesson) -> str:
    return next(iter(lesson.knowledge_checks()))


# --- enrol, leave, come back -------------------------------------------------------------------


def test_enrol_creates_an_active_enrolment_with_a_registration(learner, course):
    enrolment = services.enrolment_create(user=learner, course=course)

    assert enrolment.is_active
    assert enrolment.registration is not None
    assert services.active_enrolment(user=learner, course=course) == enrolment
    assert verbs() == [xapi.REGISTERED.iri]


def test_enrolling_twice_is_harmless(learner, course):
    first = services.enrolment_create(user=learner, course=course)
    second = services.enrolment_create(user=learner, course=course)

    assert second.pk == first.pk
    assert second.registration == first.registration
    assert Enrolment.objects.count() == 1
    assert count(xapi.REGISTERED) == 1


def test_unenrol_ends_the_enrolment_and_is_idempotent(learner, course):
    services.enrolment_create(user=learner, course=course)

    left = services.enrolment_cancel(user=learner, course=course)
    again = services.enrolment_cancel(user=learner, course=course)

    assert left is not None
    assert not left.is_active
    assert again.unenrolled_at == left.unenrolled_at
    assert services.active_enrolment(user=learner, course=course) is None
    assert count(xapi.UNREGISTERED) == 1


def test_unenrol_without_enrolment_does_nothing(learner, course):
    assert services.enrolment_cancel(user=learner, course=course) is None
    assert Enrolment.objects.count() == 0
    assert Statement.objects.count() == 0


def test_re_enrolling_gets_a_new_registration_and_keeps_progress(learner, course, lessons):
    first = services.enrolment_create(user=learner, course=course)
    first_registration = first.registration
    services.lesson_complete(user=learner, lesson=lessons[0], course=course)
    services.enrolment_cancel(user=learner, course=course)

    again = services.enrolment_create(user=learner, course=course)

    assert again.pk == first.pk, "re-enrolling reuses the row (one enrolment per learner and course)"
    assert again.is_active
    assert again.registration != first_registration
    assert LessonProgress.objects.get(user=learner, lesson=lessons[0]).completed_at is not None
    [mine] = learner_courses(user=learner)
    assert (mine.progress.completed, mine.progress.total) == (1, 3)
    assert count(xapi.REGISTERED) == 2
    assert count(xapi.UNREGISTERED) == 1


def test_unenrolled_course_leaves_my_learning(learner, course):
    services.enrolment_create(user=learner, course=course)
    services.enrolment_cancel(user=learner, course=course)
    assert learner_courses(user=learner) == []


def test_enrolments_are_per_learner(learner, other_learner, course):
    services.enrolment_create(user=learner, course=course)
    assert services.active_enrolment(user=other_learner, course=course) is None


# --- viewing a lesson ----------------------------------------------------------------------------


def test_viewing_a_lesson_needs_an_enrolment(learner, course, lessons):
    with pytest.raises(services.CourseActionError):
        services.lesson_view(user=learner, lesson=lessons[0])
    assert LessonProgress.objects.count() == 0
    assert Statement.objects.count() == 0


def test_viewing_a_lesson_records_progress_and_where_to_resume(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)

    progress = services.lesson_view(user=learner, lesson=lessons[1])

    assert progress.course_id == course.pk
    assert progress.completed_at is None
    assert Enrolment.objects.get().last_lesson_id == lessons[1].pk
    assert count(xapi.EXPERIENCED) == 1


def test_experienced_is_recorded_once_per_half_hour_per_lesson(learner, course, lessons, time_machine):
    time_machine.move_to(START, tick=False)
    services.enrolment_create(user=learner, course=course)

    services.lesson_view(user=learner, lesson=lessons[0])
    time_machine.shift(timedelta(minutes=10))
    reload = services.lesson_view(user=learner, lesson=lessons[0])
    time_machine.shift(timedelta(minutes=19, seconds=59))
    services.lesson_view(user=learner, lesson=lessons[0])

    assert count(xapi.EXPERIENCED) == 1, "reloads inside the 30-minute window are not recorded again"
    assert reload.first_viewed_at == START
    assert reload.last_viewed_at == START + timedelta(minutes=10)

    time_machine.shift(timedelta(seconds=1))  # 30 minutes after the recorded view
    services.lesson_view(user=learner, lesson=lessons[0])
    assert count(xapi.EXPERIENCED) == 2

    services.lesson_view(user=learner, lesson=lessons[1])  # another lesson has its own window
    services.lesson_view(user=other_learner_for(course), lesson=lessons[0])  # so does another learner
    assert count(xapi.EXPERIENCED) == 4
    assert LessonProgress.objects.get(user=learner, lesson=lessons[0]).last_viewed_at == START + timedelta(minutes=30)


def other_learner_for(course):
    from tests.factories import UserFactory

    user = UserFactory(username="second-viewer")
    services.enrolment_create(user=user, course=course)
    return user


def test_window_is_measured_from_the_last_recorded_view_not_the_last_reload(learner, course, lessons, time_machine):
    time_machine.move_to(START, tick=False)
    services.enrolment_create(user=learner, course=course)
    for _ in range(4):  # a reload every 10 minutes for 40 minutes
        services.lesson_view(user=learner, lesson=lessons[0])
        time_machine.shift(timedelta(minutes=10))
    assert count(xapi.EXPERIENCED) == 2  # at 0 and at 30 minutes


# --- knowledge checks ------------------------------------------------------------------------------


def test_right_answer_is_stored_as_correct(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)
    lesson = lessons[0]

    answer = services.knowledge_check_answer(user=learner, lesson=lesson, block_id=check_id(lesson), choice="b")

    assert answer.is_correct
    assert KnowledgeCheckAnswer.objects.get().choice == "b"
    assert count(xapi.ANSWERED) == 1


def test_wrong_answer_is_stored_and_the_learner_can_try_again(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)
    lesson = lessons[0]

    wrong = services.knowledge_check_answer(user=learner, lesson=lesson, block_id=check_id(lesson), choice="a")
    right = services.knowledge_check_answer(user=learner, lesson=lesson, block_id=check_id(lesson), choice="b")

    assert not wrong.is_correct
    assert right.is_correct
    assert KnowledgeCheckAnswer.objects.filter(user=learner).count() == 2
    assert count(xapi.ANSWERED) == 2


@pytest.mark.parametrize(
    ("block_id", "choice", "message"),
    [
        ("not-a-block", "a", "no longer part of this lesson"),
        (None, "d", "Pick one of the options"),
        (None, "", "Pick one of the options"),
        (None, "A", "Pick one of the options"),
    ],
)
def test_unknown_question_or_invalid_choice_is_refused(learner, course, lessons, block_id, choice, message):
    services.enrolment_create(user=learner, course=course)
    lesson = lessons[0]

    with pytest.raises(services.CourseActionError, match=message):
        services.knowledge_check_answer(
            user=learner, lesson=lesson, block_id=block_id or check_id(lesson), choice=choice
        )

    assert KnowledgeCheckAnswer.objects.count() == 0
    assert count(xapi.ANSWERED) == 0


def test_a_paragraph_block_is_not_a_question(learner, course):
    lesson = LessonPageFactory(parent=course, body=[paragraph(), knowledge_check()])
    services.enrolment_create(user=learner, course=course)
    paragraph_id = next(block.id for block in lesson.body if block.block_type == "paragraph")

    with pytest.raises(services.CourseActionError):
        services.knowledge_check_answer(user=learner, lesson=lesson, block_id=paragraph_id, choice="a")


def test_answering_needs_an_enrolment(learner, course, lessons):
    lesson = lessons[0]
    with pytest.raises(services.CourseActionError, match="Enrol"):
        services.knowledge_check_answer(user=learner, lesson=lesson, block_id=check_id(lesson), choice="b")
    assert KnowledgeCheckAnswer.objects.count() == 0
    assert Statement.objects.count() == 0


# --- completion --------------------------------------------------------------------------------------


def test_completing_a_lesson_is_idempotent(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)

    first = services.lesson_complete(user=learner, lesson=lessons[0])
    second = services.lesson_complete(user=learner, lesson=lessons[0])

    assert first.completed_at is not None
    assert second.completed_at == first.completed_at
    assert count(xapi.COMPLETED) == 1


def test_completing_needs_an_active_enrolment(learner, course, lessons):
    with pytest.raises(services.CourseActionError):
        services.lesson_complete(user=learner, lesson=lessons[0])
    services.enrolment_create(user=learner, course=course)
    services.enrolment_cancel(user=learner, course=course)
    with pytest.raises(services.CourseActionError):
        services.lesson_complete(user=learner, lesson=lessons[0])
    assert LessonProgress.objects.count() == 0
    assert count(xapi.COMPLETED) == 0


def test_completing_a_lesson_without_opening_it_still_counts(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)
    progress = services.lesson_complete(user=learner, lesson=lessons[2])
    assert progress.first_viewed_at is not None
    assert progress.completed_at is not None


def test_course_completes_with_its_last_lesson_and_not_before(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)

    for lesson in lessons[:-1]:
        services.lesson_complete(user=learner, lesson=lesson)
        assert Enrolment.objects.get().completed_at is None
    course_statements = Statement.objects.filter(verb=xapi.COMPLETED.iri, object_id__contains="/course/")
    assert not course_statements.exists()

    services.lesson_complete(user=learner, lesson=lessons[-1])

    assert Enrolment.objects.get().completed_at is not None
    assert course_statements.count() == 1
    assert count(xapi.COMPLETED) == len(lessons) + 1

    services.lesson_complete(user=learner, lesson=lessons[-1])  # a second click changes nothing
    assert count(xapi.COMPLETED) == len(lessons) + 1


def test_completion_order_does_not_matter(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)
    for lesson in reversed(lessons):
        services.lesson_complete(user=learner, lesson=lesson)
    assert Enrolment.objects.get().completed_at is not None


def test_unpublished_lessons_do_not_count_towards_completion(learner, course, lessons):
    draft = LessonPageFactory(parent=course, live=False)
    withdrawn = lessons[2]
    withdrawn.unpublish()
    services.enrolment_create(user=learner, course=course)

    services.lesson_complete(user=learner, lesson=lessons[0])
    assert Enrolment.objects.get().completed_at is None
    services.lesson_complete(user=learner, lesson=lessons[1])

    assert Enrolment.objects.get().completed_at is not None
    assert not LessonProgress.objects.filter(lesson__in=[draft, withdrawn]).exists()
    [mine] = learner_courses(user=learner)
    assert (mine.progress.completed, mine.progress.total) == (2, 2)


def test_a_course_without_lessons_never_completes(learner, course, lessons):
    for lesson in lessons:
        lesson.unpublish()
    services.enrolment_create(user=learner, course=course)
    assert not services._all_lessons_complete(learner, course)


def test_completion_is_per_learner(learner, other_learner, course, lessons):
    for user in (learner, other_learner):
        services.enrolment_create(user=user, course=course)
    for lesson in lessons:
        services.lesson_complete(user=learner, lesson=lesson)
    assert Enrolment.objects.get(user=learner).completed_at is not None
    assert Enrolment.objects.get(user=other_learner).completed_at is None
    assert not LessonProgress.objects.filter(user=other_learner).exists()


def test_completed_course_stays_completed_after_leaving_and_coming_back(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)
    for lesson in lessons:
        services.lesson_complete(user=learner, lesson=lesson)
    services.enrolment_cancel(user=learner, course=course)
    services.enrolment_create(user=learner, course=course)

    [mine] = learner_courses(user=learner)
    assert mine.completed_at is not None
    assert mine.progress.percent == 100
    assert mine.resume is None


def test_lesson_view_never_trusts_an_enrolment_that_is_not_the_viewers(learner, other_learner, course, lessons):
    """The lesson page hands over the enrolment it read; someone else's must not admit a non-member."""
    others = services.enrolment_create(user=other_learner, course=course)
    with pytest.raises(services.CourseActionError):
        services.lesson_view(user=learner, lesson=lessons[0], course=course, enrolment=others)
    assert not LessonProgress.objects.filter(user=learner).exists()


def test_lesson_view_never_trusts_a_cancelled_enrolment(learner, course, lessons):
    enrolment = services.enrolment_create(user=learner, course=course)
    services.enrolment_cancel(user=learner, course=course)
    enrolment.refresh_from_db()
    with pytest.raises(services.CourseActionError):
        services.lesson_view(user=learner, lesson=lessons[0], course=course, enrolment=enrolment)
