"""Events we don't own: Wagtail publishing a course or lesson becomes a `published` statement."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver
from wagtail.signals import page_published


def _publisher(page, revision):
    """Who published: Wagtail's signal does not say.

    In the admin every publish saves a revision by the person publishing, except approving a review:
    then the moderator's approval publishes the author's revision, and the moderator is the publisher.
    Only an approval finished after this revision was saved counts, so an old review takes no credit.
    """
    from wagtail.models import TaskState, WorkflowState

    approval = (
        TaskState.objects.filter(
            workflow_state__in=page.workflow_states.filter(status=WorkflowState.STATUS_APPROVED),
            status=TaskState.STATUS_APPROVED,
            finished_by__isnull=False,
            finished_at__gte=revision.created_at,
        )
        .select_related("finished_by")
        .order_by("-finished_at")
        .first()
    )
    return approval.finished_by if approval else revision.user


@receiver(page_published, dispatch_uid="insights.page_published")
def record_publication(sender, instance, revision=None, **kwargs) -> None:
    from courses.models import CoursePage, LessonPage

    from .services import publication_record

    page = instance.specific if not isinstance(instance, CoursePage | LessonPage) else instance
    if not isinstance(page, CoursePage | LessonPage):
        return
    if not page.live:
        return  # scheduled for later (Wagtail signals then too): recorded when it goes live
    user = _publisher(page, revision) if revision is not None else None
    if user is None:
        return  # published by a script with no person behind it: nothing a person did
    with transaction.atomic():
        publication_record(page=page, user=user, revision=revision)
