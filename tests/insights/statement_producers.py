"""Every way Guild produces statements today, as one registry the validity tests walk.

A producer drives real services (never `statement_record` directly) the way a person would, so the
statements checked are exactly the ones Guild stores. When an issue adds a service that records
statements (threads, replies, notes, ratings, follows…), it adds a producer here with `@producer`;
`test_every_recording_function_has_a_producer` fails until it does.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import TYPE_CHECKING

from django.apps import apps

from courses import services as course_services
from courses.blocks import option_ids
from insights.xapi import vocabulary as xapi
from tests.factories import UserFactory, course_with_lessons

if TYPE_CHECKING:
    from accounts.models import User
    from courses.models import CoursePage, LessonPage


@dataclass
class World:
    """What producers act on: a published course with lessons (each with a knowledge check), and a
    moderator to publish (Authors may only submit for review; DESIGN.md §1)."""

    publisher: User
    course: CoursePage
    lessons: list[LessonPage]
    _serial: count = field(default_factory=count)

    def new_learner(self) -> User:
        """A fresh learner per producer, so one producer's history never changes what another records."""
        return UserFactory(username=f"producer-learner-{next(self._serial)}")


def make_world() -> World:
    course, lessons = course_with_lessons(3, title="Writing for the web", slug="writing-for-the-web")
    publisher = UserFactory(username="producer-moderator", groups=["Learners", "Moderators"])
    return World(publisher=publisher, course=course, lessons=lessons)


@dataclass(frozen=True)
class Producer:
    """`covers`: dotted names of the functions that record statements this producer exercises;
    `verbs`: the verb IRIs it must record (each one at least once)."""

    name: str
    covers: tuple[str, ...]
    verbs: tuple[str, ...]
    run: Callable[[World], None]


PRODUCERS: list[Producer] = []


def producer(name: str, *, covers: tuple[str, ...], verbs: tuple[xapi.Verb, ...]):
    def register(run: Callable[[World], None]) -> Callable[[World], None]:
        PRODUCERS.append(Producer(name=name, covers=covers, verbs=tuple(v.iri for v in verbs), run=run))
        return run

    return register


# --- courses -----------------------------------------------------------------------------------


@producer("enrol", covers=("courses.services.enrolment_create",), verbs=(xapi.REGISTERED,))
def enrol(world: World) -> None:
    course_services.enrolment_create(user=world.new_learner(), course=world.course)


@producer("leave a course", covers=("courses.services.enrolment_cancel",), verbs=(xapi.UNREGISTERED,))
def leave(world: World) -> None:
    learner = world.new_learner()
    course_services.enrolment_create(user=learner, course=world.course)
    course_services.enrolment_cancel(user=learner, course=world.course)


@producer("re-enrol after leaving", covers=("courses.services.enrolment_create",), verbs=(xapi.REGISTERED,))
def re_enrol(world: World) -> None:
    learner = world.new_learner()
    course_services.enrolment_create(user=learner, course=world.course)
    course_services.enrolment_cancel(user=learner, course=world.course)
    course_services.enrolment_create(user=learner, course=world.course)


@producer("view a lesson", covers=("courses.services.lesson_view",), verbs=(xapi.EXPERIENCED,))
def view_lesson(world: World) -> None:
    learner = world.new_learner()
    course_services.enrolment_create(user=learner, course=world.course)
    course_services.lesson_view(user=learner, lesson=world.lessons[0])


@producer("answer a knowledge check", covers=("courses.services.knowledge_check_answer",), verbs=(xapi.ANSWERED,))
def answer(world: World) -> None:
    learner = world.new_learner()
    lesson = world.lessons[0]
    course_services.enrolment_create(user=learner, course=world.course)
    block_id, check = next(iter(lesson.knowledge_checks().items()))
    for choice in option_ids(len(check["options"])):  # right and wrong answers carry different results
        course_services.knowledge_check_answer(user=learner, lesson=lesson, block_id=block_id, choice=choice)


@producer("complete a lesson", covers=("courses.services.lesson_complete",), verbs=(xapi.COMPLETED,))
def complete_lesson(world: World) -> None:
    learner = world.new_learner()
    course_services.enrolment_create(user=learner, course=world.course)
    course_services.lesson_view(user=learner, lesson=world.lessons[0])
    course_services.lesson_complete(user=learner, lesson=world.lessons[0])


@producer("complete a course", covers=("courses.services.lesson_complete",), verbs=(xapi.COMPLETED,))
def complete_course(world: World) -> None:
    learner = world.new_learner()
    course_services.enrolment_create(user=learner, course=world.course)
    for lesson in world.lessons:
        course_services.lesson_complete(user=learner, lesson=lesson)


# --- publishing (Wagtail's page_published signal) --------------------------------------------------


@producer(
    "publish a course and a lesson",
    covers=("insights.signals.record_publication", "insights.services.publication_record"),
    verbs=(xapi.PUBLISHED,),
)
def publish(world: World) -> None:
    world.course.save_revision(user=world.publisher).publish(user=world.publisher)
    lesson = world.lessons[1]
    lesson.title = "Headlines that earn the click"
    lesson.save_revision(user=world.publisher).publish(user=world.publisher)


# --- discussions ----------------------------------------------------------------------------------


def _discussion(world: World):
    from discussions import services as discussion_services

    asker, helper = world.new_learner(), world.new_learner()
    for person in (asker, helper):
        course_services.enrolment_create(user=person, course=world.course)
    lesson = world.lessons[0]
    thread = discussion_services.thread_create(
        author=asker, lesson=lesson, kind="question", title="Where should the summary go?", body="Top or bottom?",
        block_id=next(iter(lesson.body)).id,
    )  # fmt: skip
    reply = discussion_services.reply_create(author=helper, thread=thread, body="At the top, @" + asker.username)
    return discussion_services, asker, helper, thread, reply


@producer(
    "discuss a lesson",
    covers=(
        "discussions.services.thread_create", "discussions.services.reply_create", "discussions.services.post_edit",
        "discussions.services.post_delete", "discussions.services.vote_toggle", "discussions.services.answer_accept",
        "discussions.services.answer_unaccept",
    ),
    verbs=(xapi.POSTED, xapi.EDITED, xapi.DELETED, xapi.VOTED_UP, xapi.UNVOTED, xapi.ACCEPTED, xapi.UNACCEPTED),
)  # fmt: skip
def discuss(world: World) -> None:
    services, asker, helper, thread, reply = _discussion(world)
    services.post_edit(editor=helper, post=reply, body="At the top: front-load it.")
    services.vote_toggle(user=asker, post=reply)
    services.vote_toggle(user=asker, post=reply)
    services.answer_accept(user=asker, reply=reply)
    services.answer_unaccept(user=asker, reply=reply)
    services.answer_accept(user=asker, reply=reply)
    extra = services.reply_create(author=asker, thread=thread, body="Thanks!")
    services.post_delete(actor=asker, post=extra)


@producer(
    "flag and moderate",
    covers=(
        "discussions.services.flag_create", "discussions.services.post_hide", "discussions.services.post_restore",
        "discussions.services.flags_dismiss", "discussions.services.thread_pin", "discussions.services.thread_close",
        "discussions.services.user_mute",
    ),
    verbs=(xapi.FLAGGED, xapi.HID, xapi.RESTORED, xapi.DISMISSED, xapi.PINNED, xapi.UNPINNED, xapi.CLOSED,
           xapi.REOPENED, xapi.MUTED),
)  # fmt: skip
def moderate(world: World) -> None:
    services, asker, helper, thread, reply = _discussion(world)
    moderator = world.publisher
    services.flag_create(user=asker, post=reply, reason="off-topic", note="Not about the lesson")
    services.post_hide(moderator=moderator, post=reply, reason="Off-topic")
    services.post_restore(moderator=moderator, post=reply, reason="On reflection, fine")
    services.flag_create(user=helper, post=thread, reason="spam")
    services.flags_dismiss(moderator=moderator, post=thread, reason="Not spam")
    services.thread_pin(moderator=moderator, thread=thread, pinned=True, reason="Common question")
    services.thread_pin(moderator=moderator, thread=thread, pinned=False)
    services.thread_close(moderator=moderator, thread=thread, closed=True, reason="Answered")
    services.thread_close(moderator=moderator, thread=thread, closed=False)
    services.user_mute(moderator=moderator, user=helper, days=1, reason="Cooling off")


@producer(
    "route an unanswered question, and decline it",
    covers=("discussions.services.question_route", "discussions.services.question_route_decline"),
    verbs=(xapi.ROUTED, xapi.DECLINED),
)
def route_question(world: World) -> None:
    from datetime import timedelta

    from insights.experts import expertise_refresh

    services, asker, helper, thread, reply = _discussion(world)
    services.vote_toggle(user=asker, post=reply)
    expertise_refresh()
    question = services.thread_create(
        author=asker, lesson=world.lessons[0], kind="question", title="Who keeps the time?", body="Nobody does."
    )
    services.question_route(thread=question, now=question.created_at + timedelta(days=3))
    services.question_route_decline(user=helper, thread=question)


# --- follows (the social layer) ---------------------------------------------------------------------


@producer(
    "follow and unfollow a person, a course and a tag",
    covers=("discussions.services.follow_create", "discussions.services.follow_delete"),
    verbs=(xapi.FOLLOWED, xapi.STOPPED_FOLLOWING),
)
def follow(world: World) -> None:
    from taggit.models import Tag

    from discussions import services as discussion_services

    follower, followed = world.new_learner(), world.new_learner()
    tag, _ = Tag.objects.get_or_create(name="Plain language", slug="plain-language")
    for target in (followed, world.course, tag):
        discussion_services.follow_create(follower=follower, target=target)
        discussion_services.follow_delete(follower=follower, target=target)


@producer(
    "rate, review and moderate a review",
    covers=(
        "discussions.services.rating_set", "discussions.services.rating_withdraw",
        "discussions.services.vote_toggle", "discussions.services.flag_create", "discussions.services.post_hide",
        "discussions.services.post_restore", "discussions.services.flags_dismiss",
    ),
    verbs=(xapi.RATED, xapi.UNRATED, xapi.VOTED_UP, xapi.UNVOTED, xapi.FLAGGED, xapi.HID, xapi.RESTORED,
           xapi.DISMISSED),
)  # fmt: skip
def rate(world: World) -> None:
    from discussions import services

    rater, reader = world.new_learner(), world.new_learner()
    lesson = world.lessons[0]
    for person in (rater, reader):
        course_services.enrolment_create(user=person, course=world.course)
        course_services.lesson_view(user=person, lesson=lesson, course=world.course)
    review = services.rating_set(author=rater, lesson=lesson, stars=2, review="The budget example lost me.")
    services.rating_set(author=rater, lesson=lesson, stars=4, review="Clearer on a second read: <b>4</b> stars")
    services.vote_toggle(user=reader, post=review)
    services.vote_toggle(user=reader, post=review)
    services.flag_create(user=reader, post=review, reason="off-topic")
    services.post_hide(moderator=world.publisher, post=review, reason="Checking")
    services.post_restore(moderator=world.publisher, post=review)
    services.flag_create(user=reader, post=review, reason="spam")
    services.flags_dismiss(moderator=world.publisher, post=review)
    services.rating_set(author=reader, lesson=lesson, stars=5)
    services.rating_withdraw(author=reader, lesson=lesson)
    for other in world.lessons:
        course_services.lesson_complete(user=rater, lesson=other, course=world.course)
    services.rating_set(author=rater, course=world.course, stars=5, review="A course I'd recommend.")


@producer(
    "keep notes",
    covers=(
        "discussions.services.note_create", "discussions.services.note_edit", "discussions.services.note_share",
        "discussions.services.note_vote_toggle", "discussions.services.note_delete",
        "discussions.services._share_statement",
    ),
    verbs=(xapi.ANNOTATED, xapi.SHARED, xapi.VOTED_UP, xapi.UNVOTED, xapi.DELETED),
)  # fmt: skip
def keep_notes(world: World) -> None:
    from django.test.utils import override_settings

    from discussions import services

    writer, reader = world.new_learner(), world.new_learner()
    for person in (writer, reader):
        course_services.enrolment_create(user=person, course=world.course)
    lesson = world.lessons[0]
    block_id = next(iter(lesson.body)).id
    private = services.note_create(author=writer, lesson=lesson, body="Front-load the *summary*.", block_id=block_id,
                                   tags="headlines, summaries")  # fmt: skip
    services.note_edit(editor=writer, note=private, body="Front-load the **summary**.")
    services.note_share(user=writer, note=private, shared=True, anonymous=True)
    services.note_vote_toggle(user=reader, note=private)
    services.note_vote_toggle(user=reader, note=private)
    with override_settings(XAPI_EXPORT_SHARED_NOTE_TEXT=True):  # the export policy that adds the text
        services.note_create(author=writer, lesson=lesson, body="Shared with its text.", shared=True)
    services.note_share(user=writer, note=private, shared=False)
    services.note_delete(user=writer, note=private)


# --- coverage: which functions record statements ----------------------------------------------------

_RECORDERS = frozenset(("statement_record", "publication_record"))


def recording_functions() -> set[str]:
    """Dotted names of functions in each app's services/signals modules that record a statement.

    Found by parsing their source for a call to `statement_record` or `publication_record` (calls,
    not mentions in docstrings), so a new recording service is noticed without anyone listing it.
    """
    found: set[str] = set()
    for config in apps.get_app_configs():
        if not config.path.startswith(str(_project_root())):
            continue
        for module_name in ("services", "signals"):
            try:
                module = importlib.import_module(f"{config.name}.{module_name}")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.{module_name}":
                    raise
                continue
            for name, function in inspect.getmembers(module, inspect.isfunction):
                if function.__module__ != module.__name__ or name == "statement_record":
                    continue
                if _calls_a_recorder(function):
                    found.add(f"{module.__name__}.{name}")
    return found


def _calls_a_recorder(function: Callable) -> bool:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            callee = node.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", None)
            if name in _RECORDERS:
                return True
    return False


def _project_root():
    from django.conf import settings

    return settings.BASE_DIR
