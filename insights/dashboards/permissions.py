"""Who sees which dashboards: Analysts and superusers everything; people who can edit courses, those courses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from insights.permissions import is_analyst
from insights.xapi.activities import activity_iri


@dataclass
class DashboardScope:
    """The courses a viewer may see insights for. `everything`: also statements outside any course."""

    everything: bool
    courses: list[Any] = field(default_factory=list)

    @property
    def course_iris(self) -> set[str]:
        return {activity_iri("course", course.activity_id) for course in self.courses}

    def allows(self, course: Any) -> bool:
        return any(course.pk == visible.pk for visible in self.courses)


def dashboard_scope(viewer: Any) -> DashboardScope | None:
    """None when the viewer may see no dashboard at all (learners, moderators of nothing, anonymous).

    Authors see the courses they can edit, as Wagtail's page permissions say (a group permission on
    the catalogue or on one course, or ownership with "add"): two queries, cached on the user object
    for the request.
    """
    cached = getattr(viewer, "_insights_dashboard_scope", False)
    if cached is not False:
        return cached
    scope = _compute(viewer)
    if viewer.is_authenticated:
        viewer._insights_dashboard_scope = scope
    return scope


def _compute(viewer: Any) -> DashboardScope | None:
    from wagtail.permission_policies.pages import PagePermissionPolicy

    from courses.models import CoursePage

    if not viewer.is_authenticated or not viewer.is_active:
        return None
    courses = CoursePage.objects.order_by("title").only("pk", "title", "slug", "activity_id", "path", "depth")
    if is_analyst(viewer):
        return DashboardScope(everything=True, courses=list(courses))
    editable = PagePermissionPolicy().instances_user_has_any_permission_for(viewer, ["change"])
    visible = list(courses.filter(pk__in=editable.values("pk")))
    return DashboardScope(everything=False, courses=visible) if visible else None
