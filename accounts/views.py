from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import services
from .forms import PrivacyForm, ProfileForm, SignupForm
from .selectors import profile_for_viewer


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("/")
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            user = services.user_create(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(request, f"Welcome to Guild, {user.display_name}!")
            if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
                return redirect(next_url)
            return redirect("/courses/")
    else:
        form = SignupForm()
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=request.user)
        if form.is_valid():
            data = form.cleaned_data
            services.profile_update(
                user=request.user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                job_title=data["job_title"],
                team=data["team"],
                bio=data["bio"],
                avatar=data["avatar"] if data.get("avatar") and hasattr(data["avatar"], "image") else None,
                remove_avatar=data.get("avatar") is False,
            )
            messages.success(request, "Your details are saved.")
            return redirect("accounts:account")
        request.user.refresh_from_db()  # the form's validation touched the instance
    else:
        form = ProfileForm(instance=request.user)
    return render(request, "accounts/account.html", {"form": form})


@login_required
def privacy(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PrivacyForm(request.POST, instance=request.user)
        if form.is_valid():
            services.privacy_set(user=request.user, **form.cleaned_data)
            messages.success(request, "Your privacy settings are saved.")
            return redirect("accounts:privacy")
        request.user.refresh_from_db()
    else:
        form = PrivacyForm(instance=request.user)
    return render(request, "accounts/privacy.html", {"form": form})


@login_required  # colleagues only: a profile says who works where, which is not for the open web
def profile(request: HttpRequest, username: str) -> HttpResponse:
    context = profile_for_viewer(username=username, viewer=request.user)
    if context is None:
        raise Http404("No such person")
    return render(request, "accounts/profile.html", context)


FOLLOW_KINDS = ("user", "course", "tag")


def _follow_target(kind: str, key: str):
    from taggit.models import Tag

    from courses.models import CoursePage

    from .models import User

    if kind == "user":
        return User.objects.filter(username=key, is_active=True).first()
    if kind == "course":
        return CoursePage.objects.live().public().filter(pk=int(key)).first() if key.isdigit() else None
    if kind == "tag":
        live_tags = CoursePage.tags.through.objects.filter(content_object__live=True).values("tag_id")
        return Tag.objects.filter(slug=key, pk__in=live_tags).first()
    return None


@login_required
@require_POST
def follow(request: HttpRequest) -> HttpResponse:
    """POST kind (user|course|tag), target (username, course id or tag slug), action (follow|unfollow), next.

    Answers JSON to scripts that ask for it (400 with a reason on bad input), else redirects back.
    """
    from discussions import services as discussion_services

    kind, key = request.POST.get("kind", ""), request.POST.get("target", "").strip()
    action = request.POST.get("action", "follow")
    wants_json = "application/json" in request.headers.get("Accept", "")
    target = _follow_target(kind, key) if kind in FOLLOW_KINDS and action in ("follow", "unfollow") else None
    error = "" if target is not None else "There is nothing to follow there."
    following = False
    if target is not None:
        try:
            if action == "follow":
                discussion_services.follow_create(follower=request.user, target=target)
                following = True
            else:
                discussion_services.follow_delete(follower=request.user, target=target)
        except discussion_services.DiscussionError as exc:
            error = str(exc)
    if wants_json:
        if error:
            return JsonResponse({"error": error}, status=400)
        return JsonResponse({"following": following})
    if error:
        messages.error(request, error)
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("/stream/")
