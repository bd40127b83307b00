from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from wagtail import views as wagtail_views

from discussions.follows import follow_suggestions
from insights.stream import FILTERS, stream_for_viewer

from .routing import site_for_request


def serve_page(request: HttpRequest, path: str) -> HttpResponse:
    """Wagtail's page serving, with the Site (and its root page) from the cache: see home/routing.py."""
    site_for_request(request)
    return wagtail_views.serve(request, path)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def search(request: HttpRequest) -> HttpResponse:
    """/search/?q=…&type=…&page=…: the selector applies permissions; bad parameters fall back, never fail."""
    from .search import site_search

    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    results = site_search(
        query=request.GET.get("q", ""),
        viewer=request.user,
        request=request,
        kind=request.GET.get("type", ""),
        page=min(max(page, 1), 1000),
    )
    return render(request, "home/search.html", {"search": results})


@login_required
def stream(request: HttpRequest) -> HttpResponse:
    """/stream/: the whole activity stream, filtered, a page at a time (?after=<cursor>)."""
    page = stream_for_viewer(
        viewer=request.user, stream_filter=request.GET.get("filter", "all"), cursor=request.GET.get("after", "")
    )
    context = {
        "stream": page,
        "filters": FILTERS,
        "first_page": not request.GET.get("after"),
        "suggestions": follow_suggestions(viewer=request.user),
    }
    return render(request, "home/stream.html", context)
