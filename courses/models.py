"""What authors publish (pages) and what learners do with it (enrolments, progress, answers)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from home.routing import OneQueryRouting
from insights.xapi.activities import ActivityRef

from .blocks import LessonBodyBlock, option_ids


class CourseIndexPage(OneQueryRouting, Page):
    """The catalogue at /courses/: one per site."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1
    template = "courses/course_index_page.html"

    def get_context(self, request, *args, **kwargs):
        from .selectors import catalogue_for_viewer

        context = super().get_context(request, *args, **kwargs)
        context.update(catalogue_for_viewer(viewer=request.user, tag=request.GET.get("tag", "").strip()))
        return context


class CoursePageTag(TaggedItemBase):
    content_object = ParentalKey("courses.CoursePage", related_name="tagged_items", on_delete=models.CASCADE)


class Level(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


class CoursePage(OneQueryRouting, Page):
    """A course. `activity_id` names it in xAPI for ever, whatever its title or slug becomes."""

    activity_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    summary = models.TextField(max_length=300, help_text="One or two sentences for the catalogue card.")
    description = RichTextField(blank=True, features=["h3", "bold", "italic", "link", "ol", "ul"])
    cover_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.BEGINNER)
    estimated_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(100_000)], help_text="Total time, in minutes."
    )
    tags = ClusterTaggableManager(through=CoursePageTag, blank=True)
    authors = ParentalManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="authored_courses")

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("cover_image"),
        MultiFieldPanel([FieldPanel("level"), FieldPanel("estimated_minutes"), FieldPanel("tags")], heading="About"),
        FieldPanel("authors"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("description"),
        index.RelatedFields("tags", [index.SearchField("name")]),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]
    exclude_fields_in_copy = ["activity_id"]
    template = "courses/course_page.html"

    def get_context(self, request, *args, **kwargs):
        from .selectors import course_detail_for_viewer

        context = super().get_context(request, *args, **kwargs)
        context.update(course_detail_for_viewer(course=self, viewer=request.user))
        return context

    @property
    def estimated_duration(self) -> timedelta:
        return timedelta(minutes=self.estimated_minutes)

    def xapi_activity(self) -> ActivityRef:
        return ActivityRef(kind="course", key=self.activity_id, name=self.title, description=self.summary)


class LessonPage(OneQueryRouting, Page):
    """A lesson: ordered by its position among the course's children."""

    activity_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    summary = models.TextField(max_length=300, blank=True)
    estimated_minutes = models.PositiveIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    body = StreamField(LessonBodyBlock(), blank=True)
    peer_notes_after_own = models.BooleanField(
        "Show peers' notes only after the learner has written their own",
        default=False,
        help_text="Learners see the 'Notes from peers' panel once they have written a note on this lesson.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("estimated_minutes"),
        FieldPanel("body"),
        FieldPanel("peer_notes_after_own"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []
    exclude_fields_in_copy = ["activity_id"]
    template = "courses/lesson_page.html"

    def get_context(self, request, *args, **kwargs):
        from .selectors import lesson_detail_for_viewer

        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_detail_for_viewer(lesson=self, viewer=request.user))
        return context

    def get_preview_context(self, request, mode_name):
        # Wagtail previews through serve_preview, not serve: authors read the body whether or not they are enrolled.
        context = super().get_preview_context(request, mode_name)
        context["can_read"] = True
        return context

    def serve(self, request, *args, **kwargs):
        from .views import serve_lesson

        return serve_lesson(self, request, super().serve, *args, **kwargs)

    def xapi_activity(self) -> ActivityRef:
        return ActivityRef(kind="lesson", key=self.activity_id, name=self.title, description=self.summary)

    def knowledge_checks(self) -> dict[str, dict]:
        """Knowledge-check blocks by block id."""
        return {block.id: block.value for block in self.body if block.block_type == "knowledge_check"}

    def knowledge_check_activity(self, block_id: str) -> ActivityRef:
        value = self.knowledge_checks()[block_id]
        ids = option_ids(len(value["options"]))
        correct = [choice_id for choice_id, option in zip(ids, value["options"], strict=True) if option["is_correct"]]
        return ActivityRef(
            kind="question",
            key=block_id,
            name=value["question"],
            interaction={
                "interactionType": "choice",
                "correctResponsesPattern": ["[,]".join(correct)],
                "choices": [
                    {"id": choice_id, "description": option["text"]}
                    for choice_id, option in zip(ids, value["options"], strict=True)
                ],
            },
        )


class Enrolment(models.Model):
    """A learner's place in a course. Each (re-)enrolment gets a fresh xAPI registration."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="enrolments")
    registration = models.UUIDField(default=uuid.uuid4, unique=True)
    enrolled_at = models.DateTimeField()
    unenrolled_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_lesson = models.ForeignKey(
        LessonPage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Where to resume."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="enrolment_user_course")]
        indexes = [models.Index(fields=["course"], name="enrolment_active", condition=Q(unenrolled_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"

    @property
    def is_active(self) -> bool:
        return self.unenrolled_at is None


class LessonProgress(models.Model):
    """What one learner has done in one lesson. Survives unenrolment, so re-enrolling resumes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="progress")
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="+")
    first_viewed_at = models.DateTimeField()
    last_viewed_at = models.DateTimeField()
    experienced_recorded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last `experienced` statement was recorded (for throttling)."
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="progress_user_lesson")]
        indexes = [models.Index(fields=["user", "course"], name="progress_user_course")]

    def __str__(self) -> str:
        return f"{self.user} on {self.lesson}"


class KnowledgeCheckAnswer(models.Model):
    """Every attempt at a knowledge check; the latest is shown back to the learner."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="answers")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="answers")
    block_id = models.CharField(max_length=64)
    choice = models.CharField(max_length=8, help_text="The option id picked: a, b, c…")
    is_correct = models.BooleanField()
    answered_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "lesson", "block_id", "-answered_at"], name="answer_latest")]

    def __str__(self) -> str:
        return f"{self.user} answered {self.block_id}: {self.choice}"
