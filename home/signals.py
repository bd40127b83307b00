"""Wagtail's events we react to (we don't own them): the cached Site and root page go when the tree changes."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from .routing import clear_site_cache


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(clear_site_cache, sender=Site, dispatch_uid=f"guild-site-cache-site-{id(signal)}")
    # Any page (not only a root) because page models subclass Page: one cache key, cheap to drop.
    for signal in (post_save, post_delete):
        signal.connect(_page_changed, dispatch_uid=f"guild-site-cache-page-{id(signal)}")
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(clear_site_cache, dispatch_uid=f"guild-site-cache-{id(signal)}")


def _page_changed(sender, instance=None, **kwargs) -> None:
    if isinstance(instance, Page):
        clear_site_cache()
