"""Events we don't own: Wagtail publishing a course or lesson becomes a `published` statement."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver
from wagtail.signals import page_published


@receiver(page_published, dispatch_uid="insights.page_published")
def record_publication(sender, instance, revision=None, **kwargs) -> None:
    from courses.models import CoursePage, LessonPage

    from .services import publication_record

    page = instance.specific if not isinstance(instance, CoursePage | LessonPage) else instance
    if not isinstance(page, CoursePage | LessonPage):
        return
    user = getattr(revision, "user", None) if revision is not None else None
    if user is None:
        return  # published by a script with no person behind it: nothing a person did
    with transaction.atomic():
        publication_record(page=page, user=user, revision=revision)
