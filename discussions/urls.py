"""Mounted at /discussions/ (learning/urls.py), before Wagtail's catch-all."""

from django.urls import path

from . import views

app_name = "discussions"

POST_KINDS = {"thread": "threads", "reply": "replies"}

urlpatterns = [
    path("threads/<uuid:thread_id>/", views.thread_view, name="thread"),
    path("lessons/<int:lesson_id>/new/", views.thread_create, name="thread_create"),
    path("lessons/<int:lesson_id>/subscribe/", views.subscribe_lesson, name="subscribe_lesson"),
    path("threads/<uuid:thread_id>/reply/", views.reply_create, name="reply_create"),
    path("threads/<uuid:thread_id>/subscribe/", views.subscribe_thread, name="subscribe_thread"),
    path("threads/<uuid:thread_id>/decline/", views.route_decline, name="route_decline"),
    path("replies/<uuid:post_id>/accept/", views.accept, name="accept"),
    path("replies/<uuid:post_id>/unaccept/", views.unaccept, name="unaccept"),
    path("users/<int:user_id>/mute/", views.mute, name="mute"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/<int:notification_id>/open/", views.notification_open, name="notification_open"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preview/", views.preview, name="preview"),
    path("lessons/<int:lesson_id>/rating/", views.rate_lesson, name="rate_lesson"),
    path("lessons/<int:lesson_id>/reviews/", views.reviews_lesson, name="reviews_lesson"),
    path("courses/<int:course_id>/rating/", views.rate_course, name="rate_course"),
    path("courses/<int:course_id>/reviews/", views.reviews_course, name="reviews_course"),
]

for action in ("pin", "unpin", "close", "reopen"):
    urlpatterns.append(
        path(f"threads/<uuid:thread_id>/{action}/", views.moderate_thread, {"action": action}, name=f"thread_{action}")
    )

# Reviews (ratings with text) are voted on, flagged and moderated like posts, at the same views.
for action in ("vote", "flag"):
    urlpatterns.append(
        path(f"reviews/<uuid:post_id>/{action}/", getattr(views, action), {"kind": "review"}, name=f"review_{action}")
    )
for action in ("hide", "restore", "dismiss"):
    urlpatterns.append(
        path(
            f"reviews/<uuid:post_id>/{action}/",
            views.moderate_post,
            {"kind": "review", "action": action},
            name=f"review_{action}",
        )
    )

for kind, plural in POST_KINDS.items():
    urlpatterns += [
        path(f"{plural}/<uuid:post_id>/edit/", views.post_edit, {"kind": kind}, name=f"{kind}_edit"),
        path(f"{plural}/<uuid:post_id>/delete/", views.post_delete, {"kind": kind}, name=f"{kind}_delete"),
        path(f"{plural}/<uuid:post_id>/history/", views.post_history, {"kind": kind}, name=f"{kind}_history"),
        path(f"{plural}/<uuid:post_id>/vote/", views.vote, {"kind": kind}, name=f"{kind}_vote"),
        path(f"{plural}/<uuid:post_id>/flag/", views.flag, {"kind": kind}, name=f"{kind}_flag"),
    ]
    for action in ("hide", "restore", "dismiss"):
        urlpatterns.append(
            path(
                f"{plural}/<uuid:post_id>/{action}/",
                views.moderate_post,
                {"kind": kind, "action": action},
                name=f"{kind}_{action}",
            )
        )
