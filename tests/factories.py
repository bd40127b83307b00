"""Factories for tests. Pages are created under the migration-made catalogue at /courses/."""

from __future__ import annotations

import uuid

import factory
import wagtail_factories
from django.contrib.auth.models import Group

from accounts.models import User
from courses.models import CourseIndexPage, CoursePage, LessonPage


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"learner{n:03d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "guild-test-pass")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if not create:
            return
        names = extracted if extracted is not None else ["Learners"]
        self.groups.add(*Group.objects.filter(name__in=names))
        self.save()


def knowledge_check(question: str = "Which option is right?", correct: int = 1, count: int = 3) -> dict:
    return {
        "type": "knowledge_check",
        "id": str(uuid.uuid4()),
        "value": {
            "question": question,
            "options": [
                {"text": f"Option {i + 1}", "is_correct": i == correct, "feedback": f"Feedback for option {i + 1}."}
                for i in range(count)
            ],
        },
    }


def paragraph(html: str = "<p>Lesson text.</p>") -> dict:
    return {"type": "paragraph", "id": str(uuid.uuid4()), "value": html}


def course_index() -> CourseIndexPage:
    return CourseIndexPage.objects.get()


class CoursePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CoursePage

    title = factory.Sequence(lambda n: f"Course {n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    summary = "A practical course."
    parent = factory.LazyFunction(course_index)


class LessonPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = LessonPage

    title = factory.Sequence(lambda n: f"Lesson {n}")
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    summary = "What this lesson covers."
    body = factory.LazyFunction(lambda: [paragraph(), knowledge_check()])


def course_with_lessons(count: int = 3, **course_kwargs) -> tuple[CoursePage, list[LessonPage]]:
    course = CoursePageFactory(**course_kwargs)
    lessons = [LessonPageFactory(parent=course) for _ in range(count)]
    return course, lessons
