"""Reads behind the course pages and home: progress, resume, what each viewer may see."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from courses import services
from courses.selectors import (
    catalogue_for_viewer,
    course_detail_for_viewer,
    home_for_viewer,
    learner_courses,
    lesson_detail_for_viewer,
    lessons_with_progress,
    resume_lesson,
)
from tests.factories import CoursePageFactory, LessonPageFactory, course_with_lessons

pytestmark = pytest.mark.django_db


def complete(user, *lessons):
    for lesson in lessons:
        services.lesson_complete(user=user, lesson=lesson)


def view(user, lesson):
    services.lesson_view(user=user, lesson=lesson)


# --- resume ------------------------------------------------------------------------------------------


def resume_for(user, course):
    detail = course_detail_for_viewer(course=course, viewer=user)
    return detail["resume"]


def test_resume_starts_at_the_first_lesson(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)
    assert resume_for(learner, course) == lessons[0]


def test_resume_goes_back_to_the_unfinished_lesson_last_opened(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)
    view(learner, lessons[1])
    assert resume_for(learner, course) == lessons[1]


def test_resume_moves_on_after_the_last_opened_lesson_is_completed(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)
    view(learner, lessons[1])
    complete(learner, lessons[1])
    assert resume_for(learner, course) == lessons[2]


def test_resume_wraps_to_the_first_unfinished_lesson(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)
    view(learner, lessons[2])
    complete(learner, lessons[2])
    assert resume_for(learner, course) == lessons[0]


def test_nothing_to_resume_when_everything_is_done(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)
    complete(learner, *lessons)
    assert resume_for(learner, course) is None


def test_resume_skips_a_last_lesson_that_was_unpublished(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)
    complete(learner, lessons[0])
    view(learner, lessons[2])
    lessons[2].unpublish()
    assert resume_for(learner, course) == lessons[1]


def test_resume_lesson_of_an_empty_course_is_none():
    assert resume_lesson([], None) is None


def test_no_resume_for_someone_not_enrolled(learner, course, lessons):
    assert resume_for(learner, course) is None
    assert resume_for(AnonymousUser(), course) is None


# --- progress ------------------------------------------------------------------------------------------


def test_lessons_are_numbered_in_order_with_the_viewers_progress(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)
    view(learner, lessons[0])
    complete(learner, lessons[1])

    rows = lessons_with_progress(course=course, viewer=learner)

    assert [lesson.pk for lesson in rows] == [lesson.pk for lesson in lessons]
    assert [lesson.number for lesson in rows] == [1, 2, 3]
    assert [(lesson.viewed, lesson.completed) for lesson in rows] == [(True, False), (True, True), (False, False)]


def test_reordering_lessons_reorders_the_outline(learner, course, lessons):
    lessons[2].move(lessons[0], pos="left")
    rows = lessons_with_progress(course=course, viewer=learner)
    assert [lesson.title for lesson in rows] == [lessons[2].title, lessons[0].title, lessons[1].title]


def test_course_progress_counts_live_lessons_only(learner, course, lessons):
    LessonPageFactory(parent=course, live=False)
    services.enrolment_create(user=learner, course=course)
    complete(learner, lessons[0])

    progress = course_detail_for_viewer(course=course, viewer=learner)["progress"]

    assert (progress.completed, progress.total, progress.percent) == (1, 3, 33)


def test_learner_courses_shows_each_active_enrolment_with_progress(learner, course, lessons):
    other, other_lessons = course_with_lessons(4)
    left, _ = course_with_lessons(2)
    for each in (course, other, left):
        services.enrolment_create(user=learner, course=each)
    services.enrolment_cancel(user=learner, course=left)
    complete(learner, *lessons)
    complete(learner, other_lessons[0])
    view(learner, other_lessons[2])

    mine = {e.course_id: e for e in learner_courses(user=learner)}

    assert set(mine) == {course.pk, other.pk}
    assert (mine[course.pk].progress.percent, mine[course.pk].resume) == (100, None)
    assert (mine[other.pk].progress.completed, mine[other.pk].progress.total) == (1, 4)
    assert mine[other.pk].progress.percent == 25
    assert mine[other.pk].resume == other_lessons[2]
    assert mine[course.pk].completed_at is not None


def test_finished_courses_come_after_courses_in_progress(learner, course, lessons):
    other, _ = course_with_lessons(2)
    services.enrolment_create(user=learner, course=other)
    services.enrolment_create(user=learner, course=course)  # the most recent enrolment…
    complete(learner, *lessons)  # …but finished, so it goes last
    assert [e.course_id for e in learner_courses(user=learner)] == [other.pk, course.pk]


def test_learner_courses_hides_unpublished_courses(learner, course):
    services.enrolment_create(user=learner, course=course)
    course.unpublish()
    assert learner_courses(user=learner) == []


def test_learner_courses_costs_the_same_queries_for_one_or_many_courses(learner, django_assert_num_queries):
    def enrol_in_new_course():
        course, lessons = course_with_lessons(3)
        services.enrolment_create(user=learner, course=course)
        complete(learner, lessons[0])

    enrol_in_new_course()
    with django_assert_num_queries(3):
        learner_courses(user=learner)
    for _ in range(5):
        enrol_in_new_course()
    with django_assert_num_queries(3):
        assert len(learner_courses(user=learner)) == 6


# --- catalogue ------------------------------------------------------------------------------------------


def test_catalogue_lists_live_courses_with_lesson_counts(course, lessons):
    draft = CoursePageFactory(live=False, title="Draft course")
    LessonPageFactory(parent=course, live=False)

    courses = catalogue_for_viewer(viewer=AnonymousUser())["courses"]

    assert [c.pk for c in courses] == [course.pk]
    assert courses[0].lesson_count == 3
    assert draft.pk not in {c.pk for c in courses}


def test_catalogue_shows_the_learners_enrolment_and_progress(learner, course, lessons):
    other, _ = course_with_lessons(2)
    services.enrolment_create(user=learner, course=course)
    complete(learner, lessons[0])

    courses = {c.pk: c for c in catalogue_for_viewer(viewer=learner)["courses"]}

    assert courses[course.pk].enrolment is not None
    assert (courses[course.pk].progress.completed, courses[course.pk].progress.total) == (1, 3)
    assert courses[other.pk].enrolment is None


def test_catalogue_filters_by_tag(course):
    tagged = CoursePageFactory(title="Privacy at work")
    tagged.tags.add("privacy")
    tagged.save_revision().publish()

    context = catalogue_for_viewer(viewer=AnonymousUser(), tag="privacy")

    assert [c.pk for c in context["courses"]] == [tagged.pk]
    assert context["active_tag"] == "privacy"
    assert [t["tag__slug"] for t in context["all_tags"]] == ["privacy"]


# --- lesson detail ---------------------------------------------------------------------------------------


def test_lesson_body_is_readable_only_when_enrolled(learner, course, lessons):
    assert not lesson_detail_for_viewer(lesson=lessons[0], viewer=AnonymousUser())["can_read"]
    assert not lesson_detail_for_viewer(lesson=lessons[0], viewer=learner)["can_read"]
    services.enrolment_create(user=learner, course=course)
    assert lesson_detail_for_viewer(lesson=lessons[0], viewer=learner)["can_read"]
    services.enrolment_cancel(user=learner, course=course)
    assert not lesson_detail_for_viewer(lesson=lessons[0], viewer=learner)["can_read"]


def test_lesson_detail_has_neighbours_and_position(learner, course, lessons):
    detail = lesson_detail_for_viewer(lesson=lessons[1], viewer=learner)
    assert detail["course"] == course
    assert detail["lesson_number"] == 2
    assert detail["previous_lesson"] == lessons[0]
    assert detail["next_lesson"] == lessons[2]
    first = lesson_detail_for_viewer(lesson=lessons[0], viewer=learner)
    assert first["previous_lesson"] is None
    last = lesson_detail_for_viewer(lesson=lessons[2], viewer=learner)
    assert last["next_lesson"] is None


def test_lesson_detail_shows_the_latest_answer_per_question(learner, course, lessons):
    lesson = lessons[0]
    block_id = next(iter(lesson.knowledge_checks()))
    services.enrolment_create(user=learner, course=course)
    services.knowledge_check_answer(user=learner, lesson=lesson, block_id=block_id, choice="a")
    services.knowledge_check_answer(user=learner, lesson=lesson, block_id=block_id, choice="b")

    answers = lesson_detail_for_viewer(lesson=lesson, viewer=learner)["answers"]

    assert answers[block_id].choice == "b"
    assert answers[block_id].is_correct


def test_another_learners_answers_are_not_shown(learner, other_learner, course, lessons):
    lesson = lessons[0]
    block_id = next(iter(lesson.knowledge_checks()))
    for user in (learner, other_learner):
        services.enrolment_create(user=user, course=course)
    services.knowledge_check_answer(user=other_learner, lesson=lesson, block_id=block_id, choice="b")
    assert lesson_detail_for_viewer(lesson=lesson, viewer=learner)["answers"] == {}


# --- home -------------------------------------------------------------------------------------------------


def test_home_continue_with_points_at_the_lesson_to_resume(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)
    view(learner, lessons[1])

    context = home_for_viewer(viewer=learner)

    assert context["continue_with"].course_id == course.pk
    assert context["continue_with"].resume == lessons[1]
    assert [e.course_id for e in context["my_learning"]] == [course.pk]
    assert course.pk not in {c.pk for c in context["suggested_courses"]}


def test_home_for_a_visitor_features_courses(course):
    context = home_for_viewer(viewer=AnonymousUser())
    assert "my_learning" not in context
    assert [c.pk for c in context["featured_courses"]] == [course.pk]
