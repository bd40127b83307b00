"""The statements Guild's course services record (DESIGN.md §4), and that they share the action's fate.

An analyst reading the store must find: who (pseudonymous account), what (verb IRI), on what (an IRI
that never changes), inside which enrolment (registration), where (parent/grouping/category) and how
it went (result). And never a statement for an action that did not happen, nor an action without one.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.models import Page

from courses import services
from courses.models import Enrolment, KnowledgeCheckAnswer, LessonProgress
from insights import services as insights_services
from insights.models import Statement
from insights.services import statement_record
from insights.xapi import vocabulary as xapi
from insights.xapi.activities import ActivityRef
from insights.xapi.validation import validate_statement
from tests.factories import CoursePageFactory, LessonPageFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
PROFILE = f"{SITE}/xapi/profile/v1.0"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
MOMENT = datetime(2025, 6, 2, 10, 30, 15, 123456, tzinfo=UTC)


def course_iri(course) -> str:
    return f"{SITE}/xapi/activities/course/{course.activity_id}"


def lesson_iri(lesson) -> str:
    return f"{SITE}/xapi/activities/lesson/{lesson.activity_id}"


def only(verb: xapi.Verb, **filters) -> Statement:
    [statement] = Statement.objects.filter(verb=verb.iri, **filters)
    return statement


def ids(activities: list[dict]) -> list[str]:
    return [activity["id"] for activity in activities]


def assert_guild_statement(statement: Statement, user) -> dict:
    """What every statement Guild produces has in common; returns the data for further checks."""
    data = statement.data
    assert data["actor"] == {"objectType": "Agent", "account": {"homePage": SITE, "name": str(user.public_id)}}
    assert "mbox" not in data["actor"]
    assert "name" not in data["actor"]
    # As a word: a short username like 'ada' can occur inside a hex UUID by chance.
    assert not re.search(rf"\b{re.escape(user.username)}\b", json.dumps(data))
    assert user.email not in str(data)
    assert TIMESTAMP.match(data["timestamp"]), data["timestamp"]
    assert TIMESTAMP.match(data["stored"]), data["stored"]
    assert data["id"] == str(statement.id)
    assert uuid.UUID(data["id"]).version == 5
    assert ids(data["context"]["contextActivities"]["category"]) == [PROFILE]
    assert "contextAgents" not in data["context"]
    assert "contextGroups" not in data["context"]
    assert statement.actor_user_id == user.pk
    assert statement.actor_key == f"account:{SITE}|{user.public_id}"
    assert statement.object_id == data["object"]["id"]
    produced = {key: value for key, value in data.items() if key not in ("stored", "authority", "version")}
    validate_statement(produced)
    return data


@pytest.fixture
def enrolled(learner, course):
    return services.enrolment_create(user=learner, course=course)


def test_enrol_records_registered_with_the_new_registration(learner, course, lessons, enrolled):
    statement = only(xapi.REGISTERED)
    data = assert_guild_statement(statement, learner)

    assert data["verb"]["id"] == "http://adlnet.gov/expapi/verbs/registered"
    assert data["object"]["id"] == course_iri(course)
    assert data["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/course"
    assert data["object"]["definition"]["name"] == {"en": course.title}
    assert data["context"]["registration"] == str(enrolled.registration)
    assert statement.registration == enrolled.registration
    assert (data["context"]["platform"], data["context"]["language"]) == ("Guild", "en")
    assert statement.course_iri == course_iri(course)
    assert statement.lesson_iri == ""


def test_unenrol_records_unregistered_in_the_enrolments_registration(learner, course, enrolled):
    services.enrolment_cancel(user=learner, course=course)

    data = assert_guild_statement(only(xapi.UNREGISTERED), learner)

    assert data["verb"]["id"] == "http://id.tincanapi.com/verb/unregistered"
    assert data["object"]["id"] == course_iri(course)
    assert data["context"]["registration"] == str(enrolled.registration)


def test_re_enrolment_is_a_new_registration_in_the_store(learner, course, enrolled):
    first = enrolled.registration
    services.enrolment_cancel(user=learner, course=course)
    again = services.enrolment_create(user=learner, course=course)

    registrations = list(
        Statement.objects.filter(verb=xapi.REGISTERED.iri).order_by("timestamp").values_list("registration", flat=True)
    )
    assert registrations == [first, again.registration]
    assert first != again.registration


def test_lesson_view_records_experienced_with_the_course_as_parent(learner, course, lessons, enrolled):
    services.lesson_view(user=learner, lesson=lessons[1])

    statement = only(xapi.EXPERIENCED)
    data = assert_guild_statement(statement, learner)

    assert data["verb"]["id"] == "http://adlnet.gov/expapi/verbs/experienced"
    assert data["object"]["id"] == lesson_iri(lessons[1])
    assert data["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/lesson"
    assert ids(data["context"]["contextActivities"]["parent"]) == [course_iri(course)]
    assert data["context"]["registration"] == str(enrolled.registration)
    assert (statement.course_iri, statement.lesson_iri) == (course_iri(course), lesson_iri(lessons[1]))


@pytest.mark.parametrize(("choice", "success", "scaled"), [("b", True, 1), ("a", False, 0)])
def test_answer_records_answered_with_success_and_response(learner, course, lessons, enrolled, choice, success, scaled):
    lesson = lessons[0]
    block_id = next(iter(lesson.knowledge_checks()))

    services.knowledge_check_answer(user=learner, lesson=lesson, block_id=block_id, choice=choice)

    statement = only(xapi.ANSWERED)
    data = assert_guild_statement(statement, learner)
    assert data["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered"
    assert data["object"]["id"] == f"{SITE}/xapi/activities/question/{block_id}"
    definition = data["object"]["definition"]
    assert definition["type"] == "http://adlnet.gov/expapi/activities/cmi.interaction"
    assert definition["interactionType"] == "choice"
    assert definition["correctResponsesPattern"] == ["b"]
    assert [c["id"] for c in definition["choices"]] == ["a", "b", "c"]
    assert definition["choices"][0]["description"] == {"en": "Option 1"}
    assert data["result"]["success"] is success
    assert data["result"]["response"] == choice
    assert data["result"]["score"] == {"raw": scaled, "min": 0, "max": 1, "scaled": scaled}
    assert ids(data["context"]["contextActivities"]["parent"]) == [lesson_iri(lesson)]
    assert ids(data["context"]["contextActivities"]["grouping"]) == [course_iri(course)]
    assert data["context"]["registration"] == str(enrolled.registration)
    assert (statement.course_iri, statement.lesson_iri) == (course_iri(course), lesson_iri(lesson))


def test_completing_lessons_and_then_the_course(learner, course, lessons, time_machine):
    time_machine.move_to(MOMENT, tick=False)
    enrolled = services.enrolment_create(user=learner, course=course)
    services.lesson_view(user=learner, lesson=lessons[0])
    time_machine.shift(timedelta(minutes=7, seconds=30))
    services.lesson_complete(user=learner, lesson=lessons[0])

    lesson_statement = only(xapi.COMPLETED, object_id=lesson_iri(lessons[0]))
    data = assert_guild_statement(lesson_statement, learner)
    assert data["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert data["result"] == {"completion": True, "duration": "PT7M30S"}
    assert ids(data["context"]["contextActivities"]["parent"]) == [course_iri(course)]
    assert data["context"]["registration"] == str(enrolled.registration)
    assert data["timestamp"] == "2025-06-02T10:37:45.123Z"
    assert lesson_statement.lesson_iri == lesson_iri(lessons[0])
    assert not Statement.objects.filter(verb=xapi.COMPLETED.iri, object_id=course_iri(course)).exists()

    for lesson in lessons[1:]:
        services.lesson_complete(user=learner, lesson=lesson)

    course_statement = only(xapi.COMPLETED, object_id=course_iri(course))
    data = assert_guild_statement(course_statement, learner)
    assert data["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/course"
    assert data["result"]["completion"] is True
    assert data["result"]["duration"] == "PT7M30S"  # from enrolling to finishing
    assert data["context"]["registration"] == str(enrolled.registration)
    assert "parent" not in data["context"]["contextActivities"]
    # The course completes after its last lesson, in that order, even within the same millisecond.
    last_lesson = only(xapi.COMPLETED, object_id=lesson_iri(lessons[-1]))
    assert course_statement.timestamp > last_lesson.timestamp
    assert course_statement.course_iri == course_iri(course)


def test_every_statement_in_a_journey_carries_the_registration(learner, course, lessons, enrolled):
    for lesson in lessons:
        services.lesson_view(user=learner, lesson=lesson)
        block_id = next(iter(lesson.knowledge_checks()))
        services.knowledge_check_answer(user=learner, lesson=lesson, block_id=block_id, choice="b")
        services.lesson_complete(user=learner, lesson=lesson)

    statements = list(Statement.objects.all())
    assert len(statements) == 1 + 3 * 3 + 1
    assert {s.registration for s in statements} == {enrolled.registration}
    assert {s.course_iri for s in statements} == {course_iri(course)}
    for statement in statements:
        assert_guild_statement(statement, learner)


def test_activity_iris_survive_renames_and_moves(learner, course, lessons, enrolled):
    before = course_iri(course)
    course.title, course.slug = "Meetings that work", "meetings-that-work"
    course.save_revision().publish()
    services.lesson_view(user=learner, lesson=lessons[0])
    assert ids(only(xapi.EXPERIENCED).data["context"]["contextActivities"]["parent"]) == [before]
    assert "meetings-that-work" not in before


def test_copying_a_course_mints_new_activity_ids(course, lessons):
    copy = course.copy(to=course.get_parent(), update_attrs={"slug": "copy", "title": "Copy"}, recursive=True)
    copy = copy.specific
    assert copy.activity_id != course.activity_id
    copied_lessons = [page.specific for page in copy.get_children()]
    assert {lesson.activity_id for lesson in copied_lessons}.isdisjoint({lesson.activity_id for lesson in lessons})


# --- ids: a replay is a no-op -------------------------------------------------------------------------


def test_the_same_action_at_the_same_moment_is_stored_once(learner, course):
    with transaction.atomic():
        first = statement_record(actor=learner, verb=xapi.REGISTERED, object=course.xapi_activity(), timestamp=MOMENT)
        again = statement_record(actor=learner, verb=xapi.REGISTERED, object=course.xapi_activity(), timestamp=MOMENT)
    assert first.id == again.id
    assert Statement.objects.count() == 1


def test_statement_id_depends_on_actor_verb_object_and_time(learner, other_learner, course, lessons):
    def record(**overrides):
        arguments = {"actor": learner, "verb": xapi.REGISTERED, "object": course.xapi_activity(), "timestamp": MOMENT}
        arguments.update(overrides)
        with transaction.atomic():
            return statement_record(**arguments).id

    base = record()
    assert record() == base
    variants = {
        record(actor=other_learner),
        record(verb=xapi.UNREGISTERED),
        record(object=lessons[0].xapi_activity()),
        record(timestamp=MOMENT + timedelta(milliseconds=1)),
    }
    assert base not in variants
    assert len(variants) == 4
    assert Statement.objects.count() == 5


def test_a_double_click_on_enrol_or_complete_records_one_statement_each(learner, course, lessons):
    services.enrolment_create(user=learner, course=course)
    services.enrolment_create(user=learner, course=course)
    services.lesson_complete(user=learner, lesson=lessons[0])
    services.lesson_complete(user=learner, lesson=lessons[0])
    assert Statement.objects.filter(verb=xapi.REGISTERED.iri).count() == 1
    assert Statement.objects.filter(verb=xapi.COMPLETED.iri).count() == 1


# --- atomicity: the action and its statement share one fate -----------------------------------------------


class Boom(Exception):
    pass


def record_then_fail(monkeypatch, *, when=lambda kwargs: True):
    """Make the services' statement_record store the statement, then raise (a failure after both writes)."""
    real = services.statement_record

    def failing(**kwargs):
        statement = real(**kwargs)
        if when(kwargs):
            raise Boom("something after the write went wrong")
        return statement

    monkeypatch.setattr(services, "statement_record", failing)


def test_enrol_that_fails_after_writing_leaves_nothing(learner, course, monkeypatch):
    record_then_fail(monkeypatch)

    with pytest.raises(Boom):
        services.enrolment_create(user=learner, course=course)

    assert not Enrolment.objects.exists()
    assert not Statement.objects.exists()


def test_enrol_whose_statement_fails_to_record_leaves_nothing(learner, course, monkeypatch):
    def broken(**kwargs):
        raise Boom("store unavailable")

    monkeypatch.setattr(services, "statement_record", broken)
    with pytest.raises(Boom):
        services.enrolment_create(user=learner, course=course)
    assert not Enrolment.objects.exists()


def test_failed_re_enrolment_keeps_the_learner_out_with_the_old_registration(learner, course, monkeypatch):
    enrolment = services.enrolment_create(user=learner, course=course)
    services.enrolment_cancel(user=learner, course=course)
    record_then_fail(monkeypatch)

    with pytest.raises(Boom):
        services.enrolment_create(user=learner, course=course)

    enrolment.refresh_from_db()
    assert not enrolment.is_active
    assert Statement.objects.filter(registration=enrolment.registration).count() == 2
    assert Statement.objects.count() == 2


def test_failed_unenrol_keeps_the_learner_enrolled(learner, course, monkeypatch):
    services.enrolment_create(user=learner, course=course)
    record_then_fail(monkeypatch)
    with pytest.raises(Boom):
        services.enrolment_cancel(user=learner, course=course)
    assert services.active_enrolment(user=learner, course=course) is not None
    assert not Statement.objects.filter(verb=xapi.UNREGISTERED.iri).exists()


def test_complete_that_fails_after_writing_leaves_nothing(learner, course, lessons, enrolled, monkeypatch):
    record_then_fail(monkeypatch)

    with pytest.raises(Boom):
        services.lesson_complete(user=learner, lesson=lessons[0])

    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()
    assert not Statement.objects.filter(verb=xapi.COMPLETED.iri).exists()


def test_course_completion_failure_rolls_back_the_lesson_completion_too(
    learner, course, lessons, enrolled, monkeypatch
):
    for lesson in lessons[:-1]:
        services.lesson_complete(user=learner, lesson=lesson)
    record_then_fail(monkeypatch, when=lambda kwargs: kwargs["object"].kind == "course")

    with pytest.raises(Boom):
        services.lesson_complete(user=learner, lesson=lessons[-1])

    assert not LessonProgress.objects.filter(lesson=lessons[-1], completed_at__isnull=False).exists()
    assert Enrolment.objects.get().completed_at is None
    assert not Statement.objects.filter(object_id=lesson_iri(lessons[-1])).exists()
    assert Statement.objects.filter(verb=xapi.COMPLETED.iri).count() == len(lessons) - 1


def test_answer_and_view_that_fail_leave_nothing(learner, course, lessons, enrolled, monkeypatch):
    record_then_fail(monkeypatch)
    lesson = lessons[0]
    with pytest.raises(Boom):
        services.knowledge_check_answer(
            user=learner, lesson=lesson, block_id=next(iter(lesson.knowledge_checks())), choice="b"
        )
    with pytest.raises(Boom):
        services.lesson_view(user=learner, lesson=lesson)
    assert not KnowledgeCheckAnswer.objects.exists()
    assert not LessonProgress.objects.exists()
    assert Enrolment.objects.get().last_lesson is None
    assert Statement.objects.count() == 1  # the enrolment's


def test_an_invalid_statement_is_never_stored_and_the_action_fails(learner, course, monkeypatch):
    from insights.xapi.validation import StatementValidationError

    def reject(data):
        raise StatementValidationError("bad statement")

    monkeypatch.setattr(insights_services, "validate_statement", reject)
    with pytest.raises(StatementValidationError):
        services.enrolment_create(user=learner, course=course)
    assert not Enrolment.objects.exists()
    assert not Statement.objects.exists()


def test_forwarding_is_scheduled_only_after_commit(learner, course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.enrolment_create(user=learner, course=course)
    assert len(callbacks) >= 1

    def enrol_then_fail():
        with transaction.atomic():
            services.enrolment_create(user=UserFactory(), course=course)
            raise Boom

    with django_capture_on_commit_callbacks(execute=False) as failed_callbacks, pytest.raises(Boom):
        enrol_then_fail()
    assert failed_callbacks == []


# --- published: Wagtail's page_published ------------------------------------------------------------------


@pytest.fixture
def author(db):
    return UserFactory(username="author", groups=["Authors"])


@pytest.fixture
def moderator(db):
    return UserFactory(username="moderator", groups=["Moderators"])


def test_publishing_a_course_records_published_by_the_publisher(course, moderator):
    course.summary = "Updated summary."
    revision = course.save_revision(user=moderator)
    revision.publish(user=moderator)

    statement = only(xapi.PUBLISHED)
    data = assert_guild_statement(statement, moderator)
    assert data["verb"]["id"] == "https://w3id.org/xapi/dod-isd/verbs/published"
    assert data["object"]["id"] == course_iri(course)
    assert data["object"]["definition"] == {
        "type": "http://adlnet.gov/expapi/activities/course",
        "name": {"en": course.title},
        "description": {"en": "Updated summary."},
    }
    assert data["context"]["revision"] == str(revision.pk)
    assert "registration" not in data["context"]
    assert statement.course_iri == course_iri(course)


def test_publishing_a_lesson_records_its_course_as_parent(course, lessons, moderator):
    lesson = lessons[1]
    revision = lesson.save_revision(user=moderator)
    revision.publish(user=moderator)

    statement = only(xapi.PUBLISHED)
    data = assert_guild_statement(statement, moderator)
    assert data["object"]["id"] == lesson_iri(lesson)
    assert data["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/lesson"
    assert ids(data["context"]["contextActivities"]["parent"]) == [course_iri(course)]
    assert data["context"]["revision"] == str(revision.pk)
    assert (statement.course_iri, statement.lesson_iri) == (course_iri(course), lesson_iri(lesson))


def test_authors_cannot_publish_so_nothing_is_recorded(course, author):
    from wagtail.actions.publish_page_revision import PublishPagePermissionError

    revision = course.save_revision(user=author)
    with pytest.raises(PublishPagePermissionError):
        revision.publish(user=author)
    assert not Statement.objects.exists()


def test_the_review_workflow_records_one_published_by_the_approving_moderator(course, author, moderator):
    """Review then publish: the author submits, a moderator approves, which publishes the author's revision."""
    course.summary = "Submitted for review."
    course.save_revision(user=author)
    workflow = course.get_workflow()
    assert workflow is not None, "the default 'Moderators approval' workflow applies under /courses/"
    workflow_state = workflow.start(course, author)
    assert not Statement.objects.filter(verb=xapi.PUBLISHED.iri).exists(), "submitting is not publishing"

    workflow_state.current_task_state.approve(user=moderator)

    statement = only(xapi.PUBLISHED)
    assert statement.actor_user_id == moderator.pk
    assert_guild_statement(statement, moderator)
    course.refresh_from_db()
    assert course.summary == "Submitted for review."


def test_an_earlier_approval_does_not_take_credit_for_a_later_publish(course, author, moderator):
    course.save_revision(user=author)
    course.get_workflow().start(course, author).current_task_state.approve(user=moderator)
    other_moderator = UserFactory(username="moderator2", groups=["Moderators"])
    course.summary = "Edited later."
    course.save_revision(user=other_moderator).publish(user=other_moderator)

    latest = Statement.objects.filter(verb=xapi.PUBLISHED.iri).order_by("-timestamp").first()
    assert Statement.objects.filter(verb=xapi.PUBLISHED.iri).count() == 2
    assert latest.actor_user_id == other_moderator.pk


def test_scheduled_publishing_records_published_when_the_page_goes_live(course, lessons, moderator, time_machine):
    from django.core.management import call_command

    time_machine.move_to(MOMENT, tick=False)
    lesson = LessonPageFactory(parent=course, live=False)
    lesson.go_live_at = MOMENT + timedelta(days=1)
    lesson.save_revision(user=moderator).publish(user=moderator)

    lesson.refresh_from_db()
    assert not lesson.live
    assert not Statement.objects.filter(verb=xapi.PUBLISHED.iri).exists(), "scheduled is not published yet"

    time_machine.shift(timedelta(days=1, minutes=1))
    call_command("publish_scheduled", verbosity=0)

    lesson.refresh_from_db()
    assert lesson.live
    assert only(xapi.PUBLISHED).actor_user_id == moderator.pk, "credited to whoever scheduled it"


def test_publishing_without_a_person_records_nothing(course, lessons):
    course.save_revision().publish()
    lessons[0].save_revision().publish()
    assert not Statement.objects.filter(verb=xapi.PUBLISHED.iri).exists()


def test_factories_publish_without_statements(db):
    CoursePageFactory()
    assert not Statement.objects.exists()


def test_publishing_other_pages_records_nothing(moderator):
    home = Page.objects.get(depth=2).specific
    superuser = UserFactory(username="root", is_superuser=True)
    home.save_revision(user=superuser).publish(user=superuser)
    Page.objects.get(url_path="/home/courses/").specific.save_revision(user=moderator).publish(user=moderator)
    assert not Statement.objects.exists()


def test_publishing_a_new_lesson_written_by_an_author(course, author, moderator):
    assert Group.objects.get(name="Authors") in author.groups.all()
    lesson = LessonPageFactory(parent=course, live=False)
    lesson.save_revision(user=author)
    lesson.get_latest_revision().publish(user=moderator, skip_permission_checks=False)
    assert only(xapi.PUBLISHED).object_id == lesson_iri(lesson)


def test_object_refs_build_guild_iris(course, lessons):
    ref = course.xapi_activity()
    assert isinstance(ref, ActivityRef)
    assert ref.iri == course_iri(course)
    assert lessons[0].xapi_activity().iri == lesson_iri(lessons[0])
