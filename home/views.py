from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from discussions.follows import follow_suggestions
from insights.stream import FILTERS, stream_for_viewer


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


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
