"""One smoke test per factory: each builds a valid, saved object where the product expects it."""

import pytest

from courses.models import CoursePage, LessonPage
from tests.factories import CoursePageFactory, LessonPageFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_user_factory_joins_learners():
    user = UserFactory()
    assert user.check_password("guild-test-pass")
    assert list(user.groups.values_list("name", flat=True)) == ["Learners"]


def test_course_factory_lives_under_catalogue():
    course = CoursePageFactory()
    assert course.get_parent().url_path == "/home/courses/"
    assert CoursePage.objects.live().filter(pk=course.pk).exists()
    assert course.url == f"/courses/{course.slug}/"


def test_lesson_factory_has_knowledge_check():
    lesson = LessonPageFactory(parent=CoursePageFactory())
    assert isinstance(lesson, LessonPage)
    assert len(lesson.knowledge_checks()) == 1
