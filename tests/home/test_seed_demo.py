"""`manage.py seed_demo`: the demo promised in DESIGN.md §3, seeded once for the module (a few seconds)
inside a transaction that is rolled back afterwards, so other test modules never see it."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from wagtail.images.models import Image
from wagtail.models import Page

from accounts.models import User
from courses.models import CoursePage, Enrolment, KnowledgeCheckAnswer, LessonPage, LessonProgress
from home.demo.content import stream_data
from home.demo.courses import COURSES
from insights.models import Statement
from insights.xapi import vocabulary as xapi

pytestmark = pytest.mark.django_db

PROMISED_ACCOUNTS = ["admin", "author", "moderator", "analyst", "learner", *(f"learner{n:02d}" for n in range(1, 21))]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Run seed_demo once; yield its output; roll everything back at the end of the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "pages": Page.objects.count(),
        "revisions": Page.objects.filter(latest_revision__isnull=False).count(),
        "images": Image.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "progress": LessonProgress.objects.count(),
        "answers": KnowledgeCheckAnswer.objects.count(),
        "statements": Statement.objects.count(),
    }


def words(value) -> int:
    """Words of text in a StreamField's raw data, markup aside."""
    if isinstance(value, str):
        return len(re.sub(r"<[^>]+>", " ", value).split())
    if isinstance(value, dict):
        return sum(words(item) for key, item in value.items() if key not in ("type", "id"))
    if isinstance(value, list):
        return sum(words(item) for item in value)
    return 0


def test_courses_have_real_lessons_with_knowledge_checks(seeded):
    courses = CoursePage.objects.live()
    assert courses.count() >= 3
    for course in courses:
        lessons = LessonPage.objects.child_of(course).live()
        assert lessons.count() >= 5, course.title
        assert course.cover_image is not None
        assert (course.cover_image.width, course.cover_image.height) == (1280, 720)
        assert course.summary
        assert course.description
        assert course.tags.exists()
        assert course.authors.exists()
        checks = [check for lesson in lessons for check in lesson.knowledge_checks().values()]
        assert len(checks) >= 3, course.title
        for check in checks:
            assert 3 <= len(check["options"]) <= 4
            assert sum(option["is_correct"] for option in check["options"]) == 1
            assert all(option["feedback"] for option in check["options"])


def test_block_ids_are_deterministic(seeded):
    spec = COURSES[0]
    lesson = LessonPage.objects.get(slug=spec.lessons[0].slug)
    assert [block.id for block in lesson.body] == [block["id"] for block in stream_data(spec, spec.lessons[0])]


def test_lessons_have_substantial_prose_and_no_placeholder_text(seeded):
    for lesson in LessonPage.objects.live():
        assert words(list(lesson.body.raw_data)) >= 350, lesson.title
    for page in Page.objects.all().specific():
        content = json.dumps(page.serializable_data(), default=str).lower()
        assert "lorem" not in content, page.title
        assert "ipsum" not in content, page.title


def test_every_promised_account_exists_with_the_demo_password(seeded):
    users = {user.username: user for user in User.objects.filter(username__in=PROMISED_ACCOUNTS)}
    assert sorted(users) == sorted(PROMISED_ACCOUNTS)
    for username, user in users.items():
        assert user.check_password("guild-demo"), username
        assert user.email == f"{username}@guild.example"
        assert all((user.get_full_name(), user.job_title, user.team)), username
    groups = {username: set(user.groups.values_list("name", flat=True)) for username, user in users.items()}
    assert users["admin"].is_superuser
    assert users["admin"].is_staff
    assert "Moderators" in groups["admin"]
    assert "Authors" in groups["author"]
    assert "Moderators" in groups["moderator"]
    assert "Analysts" in groups["analyst"]
    for username in PROMISED_ACCOUNTS:
        if username != "admin":
            assert "Learners" in groups[username], username
            assert not users[username].is_superuser
    assert Group.objects.get(name="Learners").user_set.filter(username__startswith="learner").count() == 21


def test_statements_were_recorded_for_every_kind_of_action(seeded):
    by_verb = dict(Statement.objects.values_list("verb").annotate(n=Count("id")))
    for verb in (xapi.REGISTERED, xapi.EXPERIENCED, xapi.COMPLETED, xapi.ANSWERED, xapi.PUBLISHED, xapi.UNREGISTERED):
        assert by_verb.get(verb.iri, 0) > 0, verb.iri
    published_by = set(Statement.objects.filter(verb=xapi.PUBLISHED.iri).values_list("actor_user__username", flat=True))
    assert published_by <= {"author", "author2"}


def test_activity_is_varied_and_in_the_past(seeded):
    now = timezone.now()
    assert not Statement.objects.filter(timestamp__gt=now).exists()
    first_enrolment = Statement.objects.filter(verb=xapi.REGISTERED.iri).order_by("timestamp").first()
    last_publication = Statement.objects.filter(verb=xapi.PUBLISHED.iri).order_by("timestamp").last()
    assert last_publication.timestamp < first_enrolment.timestamp
    assert (now - first_enrolment.timestamp).days >= 28  # spread over weeks, not minutes

    learners = User.objects.filter(username__startswith="learner")
    assert all(Enrolment.objects.filter(user=learner).exists() for learner in learners)
    enrolments = Enrolment.objects.all()
    assert enrolments.filter(completed_at__isnull=False).exists()
    assert enrolments.filter(completed_at__isnull=True, unenrolled_at__isnull=True, last_lesson__isnull=False).exists()
    assert enrolments.filter(last_lesson__isnull=True).exists()  # just enrolled
    assert enrolments.filter(unenrolled_at__isnull=False).exists()  # left
    re_enrolled = (
        Statement.objects.filter(verb=xapi.REGISTERED.iri)
        .values("actor_user", "object_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert re_enrolled.exists()
    wrong_then_right = KnowledgeCheckAnswer.objects.filter(is_correct=False).values_list("user", "block_id")
    assert KnowledgeCheckAnswer.objects.filter(
        is_correct=True, user__in=[user for user, _ in wrong_then_right]
    ).exists()


def test_running_again_changes_nothing(seeded):
    before = counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == before
    assert "already present" in out.getvalue()


def test_output_lists_logins_and_urls(seeded):
    for username in PROMISED_ACCOUNTS:
        assert f"  {username} " in seeded
    assert "guild-demo" in seeded
    # The URLs it prints are the configured site's (make run sets SITE_URL to where it serves).
    assert f"Site:  {settings.WAGTAILADMIN_BASE_URL}/\n" in seeded
    assert f"Admin: {settings.WAGTAILADMIN_BASE_URL}/admin/\n" in seeded


def test_notes_are_seeded_private_and_shared_anchored_and_voted(seeded):
    from discussions.models import Note

    notes = Note.objects.all()
    assert notes.filter(visibility="private").count() >= 4
    assert notes.filter(visibility="shared").count() >= 6
    assert notes.filter(anonymous=True, visibility="shared").exists()
    anchored = [note for note in notes.select_related("lesson") if note.block_id]
    assert len(anchored) >= 8
    assert all(note.block_id in {block.id for block in note.lesson.body} for note in anchored)
    assert notes.filter(helpful_count__gt=0).count() >= 5
    assert Note.tags.through.objects.exists()
    by_verb = dict(Statement.objects.values_list("verb").annotate(n=Count("id")))
    assert by_verb.get(xapi.ANNOTATED.iri, 0) >= notes.count()
    assert by_verb.get(xapi.SHARED.iri, 0) >= 6
