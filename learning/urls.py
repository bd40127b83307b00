from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve as serve_media
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from courses import urls as courses_urls
from home import views as home_views
from home.views import search
from insights import urls as insights_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("accounts.urls")),
    path("learn/", include(courses_urls)),
    path("xapi/", include(insights_urls)),
    path("discussions/", include("discussions.urls")),
    path("search/", search, name="search"),
    path("people/", include("accounts.people_urls")),
    path("stream/", include("home.urls")),
    path("notes/", include("discussions.note_urls")),
]

if settings.DEBUG or settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve_media, {"document_root": settings.MEDIA_ROOT}),
    ]

urlpatterns += [
    # Pages: Wagtail's serve with the Site cached (home/routing.py); Wagtail's own _util/ views as they are.
    re_path(r"^(?!_util/)((?:[\w\-]+/)*)$", home_views.serve_page),
    path("", include(wagtail_urls)),
]

handler404 = "home.views.page_not_found"
handler500 = "home.views.server_error"
