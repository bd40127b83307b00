"""The landing page: a welcome for visitors; for a signed-in learner, where to continue and what colleagues did."""

from __future__ import annotations

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from .routing import OneQueryRouting

HOME_STREAM_ITEMS = 6


class HomePage(OneQueryRouting, Page):
    headline = models.CharField(max_length=120, default="Learn from each other, at work.")
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("headline"), FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CourseIndexPage"]
    max_count = 1
    template = "home/home_page.html"

    def get_context(self, request, *args, **kwargs):
        from courses.selectors import home_for_viewer

        context = super().get_context(request, *args, **kwargs)
        context.update(home_for_viewer(viewer=request.user))
        if request.user.is_authenticated:
            from discussions.follows import follow_suggestions
            from insights.stream import stream_for_viewer

            context["stream"] = stream_for_viewer(viewer=request.user, page_size=HOME_STREAM_ITEMS)
            context["suggestions"] = follow_suggestions(viewer=request.user, limit=3)
        return context
