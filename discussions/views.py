"""Thin views: parse, check the viewer may see the thing, call one service, redirect with a message.

Threads have their own Django URL (/discussions/threads/<uuid>/) rather than a RoutablePageMixin
route under the lesson: the UUID is the thread's permanent xAPI key, so the page address never
changes when a lesson is renamed, moved or re-slugged, and the activity IRI can redirect to it
without asking Wagtail's page tree. Anything the viewer may not see is a 404 (not a 403), so
hidden posts and other courses' threads do not reveal that they exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.models import CoursePage, LessonPage

from . import permissions, selectors, services
from .forms import (
    EditForm,
    FlagForm,
    MuteForm,
    NoteDiscussForm,
    NoteEditForm,
    NoteForm,
    PreferenceForm,
    RatingForm,
    ReasonForm,
    ReplyForm,
    ThreadForm,
)
from .markdown import render_markdown
from .models import Rating, Reply, Thread
from .services import DiscussionError

KINDS = {"thread": Thread, "reply": Reply}


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _thread_or_404(request: HttpRequest, thread_id) -> Thread:
    thread = selectors.thread_for_viewer(thread_id=thread_id, viewer=request.user)
    if thread is None:
        raise Http404("No such thread")
    return thread


def _post_or_404(request: HttpRequest, kind: str, post_id) -> Thread | Reply | Rating:
    if kind == "thread":
        return _thread_or_404(request, post_id)
    if kind == "review":
        review = selectors.review_for_viewer(review_id=post_id, viewer=request.user)
        if review is None:
            raise Http404("No such review")
        return review
    reply = selectors.reply_for_viewer(reply_id=post_id, viewer=request.user)
    if reply is None:
        raise Http404("No such reply")
    return reply


def _lesson_and_course(lesson_id: int) -> tuple[LessonPage, CoursePage]:
    lesson = get_object_or_404(LessonPage.objects.live().public(), pk=lesson_id)
    course = get_object_or_404(CoursePage.objects.live().public().parent_of(lesson))
    return lesson, course


def _block_choices(lesson: LessonPage) -> list[tuple[str, str]]:
    choices = []
    for number, block in enumerate(lesson.body, start=1):
        label = selectors._block_label(lesson, block.id) or f"Part {number}"
        choices.append((block.id, f"Part {number}: {label}"))
    return choices


def _thread_page(request: HttpRequest, thread: Thread, reply_form: ReplyForm | None = None, status: int = 200):
    detail = selectors.thread_detail(thread=thread, viewer=request.user, page=request.GET.get("page", 1))
    quote = None
    quote_id = request.GET.get("quote") or (reply_form.data.get("quote") if reply_form is not None else None)
    if quote_id:
        quote = next((r for r in detail.replies if str(r.activity_id) == str(quote_id)), None)
    form = reply_form or ReplyForm(initial={"quote": quote.activity_id if quote else None})
    context = {"detail": detail, "thread": thread, "reply_form": form, "quote": quote, "flag_form": FlagForm()}
    return TemplateResponse(request, "discussions/thread.html", context, status=status)


@require_GET
def thread_view(request: HttpRequest, thread_id) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    return _thread_page(request, _thread_or_404(request, thread_id))


@login_required
@require_http_methods(["GET", "POST"])
def thread_create(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson, course = _lesson_and_course(lesson_id)
    access = selectors.access_for(viewer=request.user, course=course)
    if not access.can_participate:
        messages.error(request, "Enrol in this course to take part in its discussions.")
        return redirect(lesson.url)
    choices = _block_choices(lesson)
    if request.method == "POST":
        form = ThreadForm(request.POST, block_choices=choices)
        if form.is_valid():
            try:
                thread = services.thread_create(author=request.user, lesson=lesson, course=course, **form.cleaned_data)
            except DiscussionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Your thread is posted.")
                return redirect(thread.get_absolute_url())
        status = 400
    else:
        block = request.GET.get("block", "")
        form = ThreadForm(
            block_choices=choices,
            initial={"block_id": block if block in dict(choices) else "", "kind": request.GET.get("kind", "question")},
        )
        status = 200
    context = {"form": form, "lesson": lesson, "course": course}
    return TemplateResponse(request, "discussions/thread_form.html", context, status=status)


@login_required
@require_POST
def reply_create(request: HttpRequest, thread_id) -> HttpResponse:
    thread = _thread_or_404(request, thread_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        quoted = None
        if form.cleaned_data["quote"]:
            quoted = Reply.objects.filter(activity_id=form.cleaned_data["quote"], thread=thread).first()
        try:
            reply = services.reply_create(
                author=request.user, thread=thread, body=form.cleaned_data["body"], quoted=quoted
            )
        except DiscussionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your reply is posted.")
            return redirect(reply.get_absolute_url())
    return _thread_page(request, thread, reply_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, kind: str, post_id) -> HttpResponse:
    post = _post_or_404(request, kind, post_id)
    if post.author_id != request.user.pk:
        raise Http404("Only the author can edit a post")
    if post.is_deleted:
        messages.error(request, "That post has been deleted.")
        return redirect(post.get_absolute_url())
    with_title = kind == "thread"
    status = 200
    if request.method == "POST":
        form = EditForm(request.POST, with_title=with_title)
        if form.is_valid():
            try:
                services.post_edit(
                    editor=request.user, post=post, body=form.cleaned_data["body"], title=form.cleaned_data.get("title")
                )
            except DiscussionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Your changes are saved.")
                return redirect(post.get_absolute_url())
        status = 400
    else:
        initial = {"body": post.body_markdown, "title": getattr(post, "title", "")}
        form = EditForm(initial=initial, with_title=with_title)
    context = {"form": form, "post": post, "kind": kind, "thread": post if kind == "thread" else post.thread}
    return TemplateResponse(request, "discussions/edit_form.html", context, status=status)


@login_required
@require_POST
def post_delete(request: HttpRequest, kind: str, post_id) -> HttpResponse:
    post = _post_or_404(request, kind, post_id)
    try:
        services.post_delete(actor=request.user, post=post)
    except DiscussionError as error:
        messages.error(request, str(error))
    else:
        messages.info(request, "Your post is deleted.")
    return redirect(post.get_absolute_url())


@require_GET
@login_required
def post_history(request: HttpRequest, kind: str, post_id) -> HttpResponse:
    post = _post_or_404(request, kind, post_id)
    revisions = selectors.post_history(post=post, viewer=request.user)
    if revisions is None:
        raise Http404("Only the author and moderators see a post's history")
    thread = post if kind == "thread" else post.thread
    context = {"post": post, "kind": kind, "thread": thread, "revisions": revisions}
    return TemplateResponse(request, "discussions/history.html", context)


@login_required
@require_POST
def vote(request: HttpRequest, kind: str, post_id) -> HttpResponse:
    post = _post_or_404(request, kind, post_id)
    try:
        voted = services.vote_toggle(user=request.user, post=post)
    except DiscussionError as error:
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"error": str(error)}, status=400)
        messages.error(request, str(error))
        return _back(request, post.get_absolute_url())
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"voted": voted, "count": post.helpful_count + (1 if voted else -1)})
    return _back(request, post.get_absolute_url())


@login_required
@require_POST
def accept(request: HttpRequest, post_id) -> HttpResponse:
    reply = _post_or_404(request, "reply", post_id)
    try:
        services.answer_accept(user=request.user, reply=reply)
    except DiscussionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Answer accepted.")
    return redirect(reply.thread.get_absolute_url())


@login_required
@require_POST
def unaccept(request: HttpRequest, post_id) -> HttpResponse:
    reply = _post_or_404(request, "reply", post_id)
    try:
        withdrawn = services.answer_unaccept(user=request.user, reply=reply)
    except DiscussionError as error:
        messages.error(request, str(error))
    else:
        if withdrawn:
            messages.info(request, "Answer no longer accepted: the question is open again.")
    return redirect(reply.thread.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def flag(request: HttpRequest, kind: str, post_id) -> HttpResponse:
    post = _post_or_404(request, kind, post_id)
    status = 200
    if request.method == "POST":
        form = FlagForm(request.POST)
        if form.is_valid():
            try:
                services.flag_create(user=request.user, post=post, **form.cleaned_data)
            except DiscussionError as error:
                messages.error(request, str(error))
                return redirect(post.get_absolute_url())
            messages.success(request, "Thanks: moderators will review this post.")
            return redirect(post.get_absolute_url())
        status = 400
    else:
        form = FlagForm()
    if kind == "review":
        context = {"form": form, "review": post}
        return TemplateResponse(request, "discussions/rating_flag_form.html", context, status=status)
    thread = post if kind == "thread" else post.thread
    context = {"form": form, "post": post, "kind": kind, "thread": thread}
    return TemplateResponse(request, "discussions/flag_form.html", context, status=status)


# --- moderation -----------------------------------------------------------------------------------


def _moderate(request: HttpRequest, action, fallback: str, success: str) -> HttpResponse:
    try:
        action()
    except DiscussionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return _back(request, fallback)


def _reason(request: HttpRequest) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


@login_required
@require_POST
def moderate_post(request: HttpRequest, kind: str, post_id, action: str) -> HttpResponse:
    post = _post_or_404(request, kind, post_id)
    reason = _reason(request)
    actions = {
        "hide": (lambda: services.post_hide(moderator=request.user, post=post, reason=reason), "Post hidden."),
        "restore": (lambda: services.post_restore(moderator=request.user, post=post, reason=reason), "Post restored."),
        "dismiss": (
            lambda: services.flags_dismiss(moderator=request.user, post=post, reason=reason),
            "Flags dismissed.",
        ),
    }
    call, success = actions[action]
    return _moderate(request, call, post.get_absolute_url(), success)


@login_required
@require_POST
def moderate_thread(request: HttpRequest, thread_id, action: str) -> HttpResponse:
    thread = _thread_or_404(request, thread_id)
    reason = _reason(request)
    user = request.user
    actions = {
        "pin": (lambda: services.thread_pin(moderator=user, thread=thread, pinned=True, reason=reason), "Pinned."),
        "unpin": (lambda: services.thread_pin(moderator=user, thread=thread, pinned=False, reason=reason), "Unpinned."),
        "close": (lambda: services.thread_close(moderator=user, thread=thread, closed=True, reason=reason), "Closed."),
        "reopen": (
            lambda: services.thread_close(moderator=user, thread=thread, closed=False, reason=reason),
            "Reopened.",
        ),
    }
    call, success = actions[action]
    return _moderate(request, call, thread.get_absolute_url(), success)


@login_required
@require_POST
def mute(request: HttpRequest, user_id: int) -> HttpResponse:
    from accounts.models import User

    target = get_object_or_404(User, pk=user_id)
    form = MuteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the number of days (1–365) and a reason.")
        return _back(request, reverse("discussions:notifications"))
    return _moderate(
        request,
        lambda: services.user_mute(moderator=request.user, user=target, **form.cleaned_data),
        reverse("discussions:notifications"),
        f"{target.display_name} can't post for {form.cleaned_data['days']} days.",
    )


# --- subscriptions and notifications --------------------------------------------------------------


@login_required
@require_POST
def subscribe_thread(request: HttpRequest, thread_id) -> HttpResponse:
    thread = _thread_or_404(request, thread_id)
    on = request.POST.get("subscribed") == "1"
    try:
        services.subscription_set(user=request.user, thread=thread, subscribed=on)
    except DiscussionError as error:
        messages.error(request, str(error))
    else:
        messages.info(request, "You're following this thread." if on else "You've stopped following this thread.")
    return redirect(thread.get_absolute_url())


@login_required
@require_POST
def subscribe_lesson(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson, _course = _lesson_and_course(lesson_id)
    on = request.POST.get("subscribed") == "1"
    try:
        services.subscription_set(user=request.user, lesson=lesson, subscribed=on)
    except DiscussionError as error:
        messages.error(request, str(error))
    else:
        messages.info(
            request,
            "You'll hear about new threads on this lesson." if on else "You've stopped following this lesson.",
        )
    return redirect(f"{lesson.url}#discussion")


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    context = selectors.notifications_for(user=request.user)
    context["preference_form"] = PreferenceForm(initial={"email_mode": services._email_mode(request.user)})
    return TemplateResponse(request, "discussions/notifications.html", context)


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()]
    services.notification_mark_read(user=request.user, notification_ids=ids or None)
    return _back(request, reverse("discussions:notifications"))


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    from .models import Notification

    notification = get_object_or_404(
        Notification.objects.select_related("thread", "reply"), pk=notification_id, recipient=request.user
    )
    services.notification_mark_read(user=request.user, notification_ids=[notification.pk])
    return redirect(notification.get_absolute_url())


@login_required
@require_POST
def notification_settings(request: HttpRequest) -> HttpResponse:
    form = PreferenceForm(request.POST)
    if form.is_valid():
        services.notification_preference_set(user=request.user, email_mode=form.cleaned_data["email_mode"])
        messages.success(request, "E-mail settings saved.")
    else:
        messages.error(request, "Choose how often to get e-mail.")
    return redirect("discussions:notifications")


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Works without signing in: GET asks to confirm (mail scanners follow links), POST applies it."""
    if request.method == "POST":
        try:
            user, scope = services.unsubscribe_with_token(token=token)
        except DiscussionError as error:
            return TemplateResponse(request, "discussions/unsubscribe.html", {"error": str(error)}, status=400)
        return TemplateResponse(request, "discussions/unsubscribe.html", {"done": True, "scope": scope})
    return TemplateResponse(request, "discussions/unsubscribe.html", {"token": token})


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """Live preview: the same sanitised HTML the post will get. Not stored anywhere."""
    text = request.POST.get("body", "")
    if len(text) > 30_000:
        return HttpResponseBadRequest("Too long to preview.")
    return JsonResponse({"html": render_markdown(text)})


@login_required
@require_POST
def route_decline(request: HttpRequest, thread_id) -> HttpResponse:
    """ "I can't help with this": a question routed to the viewer is not routed to them again."""
    thread = _thread_or_404(request, thread_id)
    try:
        services.question_route_decline(user=request.user, thread=thread)
    except DiscussionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Thanks for saying so: we won't ask you about this question again.")
    return redirect(thread.get_absolute_url())


# --- ratings and reviews --------------------------------------------------------------------------


def _course_or_404(course_id: int) -> CoursePage:
    return get_object_or_404(CoursePage.objects.live().public(), pk=course_id)


def _rating_form(request: HttpRequest, *, course: CoursePage, lesson: LessonPage | None) -> HttpResponse:
    """GET: the rating form on its own page (to edit, or without the lesson page). POST: set or withdraw.

    Errors (bad stars, too long a review, not opened, not completed) re-show the form with a 400 and
    the message; nothing is stored then. Success goes back to the panel on the lesson or course page.
    """
    target = lesson or course
    back = f"{target.url}#ratings"
    panel = selectors.rating_panel(
        viewer=request.user, course=course, lesson=lesson, enrolment=permissions.active_enrolment(request.user, course)
    )
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "withdraw":
            withdrawn = services.rating_withdraw(author=request.user, lesson=lesson, course=course)
            if withdrawn:
                messages.success(request, "Your rating is withdrawn.")
            return redirect(back)
        form = RatingForm(request.POST)
        if form.is_valid():
            try:
                services.rating_set(author=request.user, lesson=lesson, course=course, **form.cleaned_data)
            except DiscussionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Thanks: your rating is saved.")
                return redirect(back)
        status = 400
    else:
        mine = panel.mine
        form = RatingForm(initial={"stars": mine.stars, "review": mine.review} if mine else None)
    context = {"form": form, "panel": panel, "target": target, "course": course, "lesson": lesson}
    return TemplateResponse(request, "discussions/rating_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def rate_lesson(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson, course = _lesson_and_course(lesson_id)
    return _rating_form(request, course=course, lesson=lesson)


@login_required
@require_http_methods(["GET", "POST"])
def rate_course(request: HttpRequest, course_id: int) -> HttpResponse:
    return _rating_form(request, course=_course_or_404(course_id), lesson=None)


def _reviews(request: HttpRequest, *, course: CoursePage, lesson: LessonPage | None) -> HttpResponse:
    page, voted = selectors.reviews_page(
        viewer=request.user, course=course, lesson=lesson, page=request.GET.get("page", 1)
    )
    context = {"page": page, "reviews": page.object_list, "voted": voted, "target": lesson or course, "course": course}
    return TemplateResponse(request, "discussions/rating_reviews.html", context)


# --- notes ----------------------------------------------------------------------------------------
#
# Under /notes/ (discussions/note_urls.py). A note the viewer may not see is a 404 whoever asks,
# so nobody can learn that a private note exists.


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _note_block_choices(lesson: LessonPage) -> list[tuple[str, str]]:
    return _block_choices(lesson)


def _own_note_or_404(request: HttpRequest, note_id):
    note = selectors.own_note(note_id=note_id, viewer=request.user)
    if note is None:
        raise Http404("No such note")
    return note


def _readable_lesson_or_404(request: HttpRequest, lesson_id: int) -> tuple[LessonPage, CoursePage]:
    lesson, course = _lesson_and_course(lesson_id)
    if not selectors.access_for(viewer=request.user, course=course).can_participate:
        raise Http404("No such lesson")
    return lesson, course


@login_required
@require_http_methods(["GET", "POST"])
def note_create(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson, course = _readable_lesson_or_404(request, lesson_id)
    choices = _note_block_choices(lesson)
    if request.method == "POST":
        form = NoteForm(request.POST, block_choices=choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                note = services.note_create(
                    author=request.user, lesson=lesson, course=course, body=data["body"], block_id=data["block_id"],
                    video_seconds=data["video_moment"], tags=data["tags"], shared=data["shared"],
                    anonymous=data["anonymous"],
                )  # fmt: skip
            except DiscussionError as error:
                form.add_error(None, str(error))
            else:
                if _wants_json(request):
                    return JsonResponse({"id": str(note.activity_id), "block_id": note.block_id}, status=201)
                messages.success(request, "Note saved." + (" Your classmates can see it." if note.is_shared else ""))
                return redirect(f"{lesson.url}#note-{note.activity_id}")
        if _wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        status = 400
    else:
        block = request.GET.get("block", "")
        form = NoteForm(block_choices=choices, initial={"block_id": block if block in dict(choices) else ""})
        status = 200
    context = {"form": form, "lesson": lesson, "course": course, "note": None}
    return TemplateResponse(request, "discussions/note_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request: HttpRequest, note_id) -> HttpResponse:
    note = _own_note_or_404(request, note_id)
    choices = _note_block_choices(note.lesson)
    moved = bool(note.block_id) and note.block_id not in dict(choices)
    if moved:
        choices.insert(0, (note.block_id, "Where it was (that part of the lesson was changed)"))
    if request.method == "POST":
        form = NoteEditForm(request.POST, block_choices=choices)
        if form.is_valid():
            data = form.cleaned_data
            keep = data["block_id"] == note.block_id and data["video_moment"] == note.video_seconds
            try:
                services.note_edit(
                    editor=request.user, note=note, body=data["body"], tags=data["tags"],
                    block_id=None if keep else data["block_id"], video_seconds=data["video_moment"],
                )  # fmt: skip
            except DiscussionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Note updated.")
                return _back(request, note.get_absolute_url())
        status = 400
    else:
        moment = note.video_seconds
        form = NoteEditForm(
            block_choices=choices,
            initial={
                "body": note.body_markdown,
                "block_id": note.block_id,
                "video_moment": f"{moment // 60}:{moment % 60:02d}" if moment is not None else "",
                "tags": ", ".join(sorted(note.tags.names(), key=str.lower)),
            },
        )
        status = 200
    context = {"form": form, "lesson": note.lesson, "course": note.course, "note": note, "moved": moved}
    return TemplateResponse(request, "discussions/note_form.html", context, status=status)


@login_required
@require_POST
def note_delete(request: HttpRequest, note_id) -> HttpResponse:
    note = _own_note_or_404(request, note_id)
    services.note_delete(user=request.user, note=note)
    messages.info(request, "Note deleted.")
    return _back(request, reverse("notes:mine"))


@login_required
@require_POST
def note_share(request: HttpRequest, note_id) -> HttpResponse:
    note = _own_note_or_404(request, note_id)
    shared = request.POST.get("shared") == "1"
    anonymous = request.POST.get("anonymous") == "1" if "anonymous" in request.POST else None
    try:
        note = services.note_share(user=request.user, note=note, shared=shared, anonymous=anonymous)
    except DiscussionError as error:
        if _wants_json(request):
            return JsonResponse({"error": str(error)}, status=400)
        messages.error(request, str(error))
    else:
        if _wants_json(request):
            return JsonResponse({"shared": note.is_shared, "anonymous": note.anonymous})
        messages.success(request, "Shared with the course's learners." if note.is_shared else "Now only you see it.")
    return _back(request, note.get_absolute_url())


@login_required
@require_POST
def note_vote(request: HttpRequest, note_id) -> HttpResponse:
    note = selectors.shared_note_for_viewer(note_id=note_id, viewer=request.user)
    if note is None:
        if _wants_json(request):
            return JsonResponse({"error": "No such note."}, status=404)
        raise Http404("No such note")
    try:
        voted = services.note_vote_toggle(user=request.user, note=note)
    except DiscussionError as error:
        if _wants_json(request):
            return JsonResponse({"error": str(error)}, status=400)
        messages.error(request, str(error))
        return _back(request, note.lesson.url)
    if _wants_json(request):
        return JsonResponse({"voted": voted, "count": note.helpful_count + (1 if voted else -1)})
    return _back(request, f"{note.lesson.url}#note-{note.activity_id}")


@login_required
@require_http_methods(["GET", "POST"])
def note_discuss(request: HttpRequest, note_id) -> HttpResponse:
    note = _own_note_or_404(request, note_id)
    if note.thread_id:
        return redirect(reverse("discussions:thread", kwargs={"thread_id": note.thread.activity_id}))
    if request.method == "POST":
        form = NoteDiscussForm(request.POST)
        if form.is_valid():
            try:
                thread = services.note_to_thread(user=request.user, note=note, title=form.cleaned_data["title"])
            except DiscussionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Your note is now a question in the discussion.")
                return redirect(thread.get_absolute_url())
        status = 400
    else:
        first_line = " ".join(note.body_markdown.split("\n", 1)[0].lstrip("#>*- ").split())
        form = NoteDiscussForm(initial={"title": first_line[:120]})
        status = 200
    return TemplateResponse(request, "discussions/note_discuss.html", {"form": form, "note": note}, status=status)


@login_required
@require_GET
def reviews_lesson(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson, course = _lesson_and_course(lesson_id)
    return _reviews(request, course=course, lesson=lesson)


@login_required
@require_GET
def my_notes(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    tag = request.GET.get("tag", "").strip()[:100]
    context = selectors.my_notes(viewer=request.user, query=query, tag=tag)
    return TemplateResponse(request, "discussions/notes_mine.html", context)


def _export_markdown(rows: list[dict]) -> str:
    lines = ["# My notes", ""]
    course = lesson = None
    for row in rows:
        if row["course"] != course:
            course, lesson = row["course"], None
            lines += [f"## {course}", ""]
        if row["lesson"] != lesson:
            lesson = row["lesson"]
            lines += [f"### {lesson}", ""]
        meta = [row["created_at"][:10], "shared" if row["visibility"] == "shared" else "private"]
        if row["anchor_moved"]:
            meta.append("its anchor moved")
        elif row["block_id"]:
            meta.append(f"on part {row['block_id']}")
        if row["video_seconds"] is not None:
            meta.append(f"at {row['video_seconds'] // 60}:{row['video_seconds'] % 60:02d}")
        if row["tags"]:
            meta.append("tags: " + ", ".join(row["tags"]))
        lines += [f"*{' · '.join(meta)}*", "", row["text"], "", "---", ""]
    return "\n".join(lines)


@login_required
@require_GET
def reviews_course(request: HttpRequest, course_id: int) -> HttpResponse:
    return _reviews(request, course=_course_or_404(course_id), lesson=None)


@login_required
@require_GET
def my_notes_export(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = selectors.my_notes_export(viewer=request.user)
    if fmt == "json":
        response = JsonResponse({"notes": rows}, json_dumps_params={"ensure_ascii": False, "indent": 2})
        filename = "guild-notes.json"
    else:
        response = HttpResponse(_export_markdown(rows), content_type="text/markdown; charset=utf-8")
        filename = "guild-notes.md"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
