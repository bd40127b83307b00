"""Serving pages in fewer queries, with Wagtail's semantics kept.

Wagtail resolves `/courses/<course>/<lesson>/` with a Site query, then two queries per level of the tree
(the child by slug, then its specific row), then two more for view restrictions: eleven before the page
does anything. Here:

- the Site matching a host, with its root page already specific, is kept in the cache (and on the request,
  where Wagtail looks for it). Any Site or Page save, delete or move clears it; it also expires after
  SITE_CACHE_SECONDS, so a worker with a private cache never serves stale routing for long. Only routing
  uses the cached root page: the home page itself is read fresh.
- `OneQueryRouting.route` resolves the rest of the path in one query when the page types allow only one
  kind of child at each level (HomePage → CourseIndexPage → CoursePage → LessonPage) and those
  intermediate types route the standard way. The query also tells whether any view restriction (or an
  alias, whose source's restrictions apply) sits on the page or an ancestor; when none does, the privacy
  check costs nothing, otherwise Wagtail's own check runs as before. Anything unexpected (a 404, a page of
  another type where the rules say otherwise, a sub-route) falls back to Wagtail's walk, so results are the
  same, only cheaper. `live` is checked by the found page's own `route()`, as Wagtail does.

Previews and the admin never route (they call `serve_preview` on the page they loaded).
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Length, Substr
from django.http import HttpRequest
from django.http.request import split_domain_port
from wagtail.models import Page, PageViewRestriction, Site

SITE_CACHE_KEY = "guild:sites"
SITE_CACHE_SECONDS = 300
_NO_SITE = "none"


def site_for_request(request: HttpRequest) -> Site | None:
    """`Site.find_for_request`, but the site and its specific root page come from the cache when they can."""
    if hasattr(request, "_wagtail_site"):
        return request._wagtail_site
    hostname = split_domain_port(request._get_raw_host())[0]
    key = f"{hostname}:{request.get_port()}"
    sites: dict[str, Any] = cache.get(SITE_CACHE_KEY) or {}
    site = sites.get(key)
    if site is None:
        site = Site._find_for_request(request)
        if site is not None:
            site.root_page = site.root_page.specific
            site.root_page._from_site_cache = True
        sites[key] = site or _NO_SITE
        cache.set(SITE_CACHE_KEY, sites, SITE_CACHE_SECONDS)
    elif site == _NO_SITE:
        site = None
    request._wagtail_site = site
    return site


def clear_site_cache(**kwargs: Any) -> None:
    cache.delete(SITE_CACHE_KEY)


def _is_prefix_of_outer_path(field: str) -> dict[str, Any]:
    return {"outer_prefix": Substr(OuterRef("path"), 1, Length(field))}


def route_restricted() -> Exists:
    """True when a view restriction or an alias is on the page or one of its ancestors (one SQL expression)."""
    restrictions = PageViewRestriction.objects.annotate(**_is_prefix_of_outer_path("page__path")).filter(
        outer_prefix=F("page__path")
    )
    aliases = (
        Page.objects.filter(alias_of__isnull=False)
        .annotate(**_is_prefix_of_outer_path("path"))
        .filter(outer_prefix=F("path"))
    )
    return Exists(restrictions) | Exists(aliases)


def _descendant_model(root: Page, levels: int) -> type[Page] | None:
    """The only page type that can sit `levels` below `root`, if the subpage rules leave exactly one."""
    model: type[Page] = type(root)
    for level in range(levels):
        allowed = model.allowed_subpage_models()
        if len(allowed) != 1:
            return None
        model = allowed[0]
        if level < levels - 1 and model.route not in (Page.route, OneQueryRouting.route):
            return None  # an intermediate page with its own routing must be asked
    return model


class OneQueryRouting:
    """Mixin for page models (before `Page` in the bases): one-query routing and the free privacy check."""

    def route(self, request: HttpRequest, path_components: list[str]):
        if path_components:
            page = self._find_descendant(path_components)
            if page is not None:
                return page.route(request, [])
        elif isinstance(self, Page) and getattr(self, "_from_site_cache", False):
            # The cached root page routes; the page people read is read fresh.
            fresh = type(self).objects.annotate(route_restricted=route_restricted()).filter(pk=self.pk).first()
            if fresh is not None:
                return fresh.route(request, [])
        return super().route(request, path_components)

    def _find_descendant(self, path_components: list[str]) -> Page | None:
        model = _descendant_model(self, len(path_components))
        if model is None:
            return None
        return (
            model.objects.filter(
                path__startswith=self.path,
                depth=self.depth + len(path_components),
                slug=path_components[-1],
                url_path=self.url_path + "/".join(path_components) + "/",
            )
            .annotate(route_restricted=route_restricted())
            .first()
        )

    def get_view_restrictions(self):
        if getattr(self, "route_restricted", None) is False:
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()
