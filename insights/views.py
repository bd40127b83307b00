"""Every IRI Guild mints resolves: JSON for machines (Accept: application/json), a page for people."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from .xapi import vocabulary
from .xapi.activities import ACTIVITY_KINDS, tag_activity
from .xapi.activities import activity_iri as build_activity_iri


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept.split(",")[0]


def _describe(request: HttpRequest, payload: dict[str, Any], title: str, description: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(payload)
    return render(request, "insights/iri.html", {"title": title, "description": description, "payload": payload})


def _activity_object(kind: str, key: str):
    """The live page or object behind an activity IRI, or None."""
    from courses.models import CoursePage, LessonPage

    if kind == "course":
        return CoursePage.objects.live().public().filter(activity_id=key).first()
    if kind == "lesson":
        return LessonPage.objects.live().public().filter(activity_id=key).first()
    if kind == "question":
        return LessonPage.objects.live().public().filter(body__icontains=key).first()
    if kind == "tag":
        # Tags are named by slug (taggit has no immutable id); only tags on live courses resolve.
        from taggit.models import Tag

        from courses.models import CoursePage

        live_tag_ids = CoursePage.tags.through.objects.filter(content_object__live=True).values("tag_id")
        return Tag.objects.filter(slug=key, pk__in=live_tag_ids).first()
    if kind in ("thread", "reply"):
        from discussions.models import Reply, Thread

        if kind == "thread":
            posts = Thread.objects.select_related("lesson")
        else:
            posts = Reply.objects.select_related("thread__lesson")
        # Hidden and deleted posts are not described (their text may be what got them hidden).
        return posts.filter(activity_id=key, hidden_at=None, deleted_at=None).first()
    if kind == "review":
        from discussions.models import Rating

        return Rating.objects.select_related("lesson", "course").filter(activity_id=key, hidden_at=None).first()
    if kind == "note":
        from discussions.models import Note, NoteVisibility

        # Only shared notes on live lessons are described: a private note's IRI resolves for nobody,
        # so it tells no one (not even that it exists). Deleted notes are gone.
        return (
            Note.objects.select_related("lesson")
            .filter(activity_id=key, visibility=NoteVisibility.SHARED, lesson__live=True)
            .first()
        )
    return None


def activity_payload(kind: str, key: str) -> tuple[Any, dict[str, Any]] | None:
    """(the live page, its Activity object) for a Guild activity IRI's kind and key, or None.

    Shared with the LRS Activities resource, which returns Guild's definition as the trusted one.
    """
    if kind not in ACTIVITY_KINDS:
        return None
    target = _activity_object(kind, key)
    if target is None:
        return None
    if kind == "tag":
        ref = tag_activity(target)
    elif kind == "question":
        ref = target.specific.knowledge_check_activity(key) if key in target.knowledge_checks() else None
        if ref is None:
            return None
    else:
        ref = target.xapi_activity()
    definition: dict[str, Any] = {"type": ref.type_iri, "name": {"en": ref.name}}
    if ref.description:
        definition["description"] = {"en": ref.description}
    if ref.interaction:
        definition.update(
            {
                "interactionType": ref.interaction["interactionType"],
                "correctResponsesPattern": ref.interaction["correctResponsesPattern"],
                "choices": [
                    {"id": c["id"], "description": {"en": c["description"]}} for c in ref.interaction["choices"]
                ],
            }
        )
    return target, {"objectType": "Activity", "id": build_activity_iri(kind, key), "definition": definition}


def activity_definition(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    if kind not in ACTIVITY_KINDS:
        raise Http404("Unknown activity kind")
    found = activity_payload(kind, key)
    if found is None:
        raise Http404("No such activity")
    target, payload = found
    if not _wants_json(request):
        if kind == "tag":
            return redirect(f"/courses/?tag={target.slug}")
        if kind == "note":
            return redirect(f"{target.lesson.url}#note-{target.activity_id}")
        url = target.get_absolute_url() if kind in ("thread", "reply", "review") else target.url
        return redirect(url + (f"#block-{key}" if kind == "question" else ""))
    return JsonResponse(payload)


def verb_iri(request: HttpRequest, key: str) -> HttpResponse:
    verb = vocabulary.MINTED_VERBS.get(key)
    if verb is None:
        raise Http404("Unknown verb")
    payload = {"id": verb.iri, "display": {"en": verb.display}, "definition": {"en": verb.description}}
    return _describe(request, payload, f"Verb: {verb.display}", verb.description)


def activity_type_iri(request: HttpRequest, key: str) -> HttpResponse:
    activity_type = vocabulary.MINTED_ACTIVITY_TYPES.get(key)
    if activity_type is None:
        raise Http404("Unknown activity type")
    payload = {
        "id": activity_type.iri,
        "name": {"en": activity_type.name},
        "description": {"en": activity_type.description},
    }
    return _describe(request, payload, f"Activity type: {activity_type.name}", activity_type.description)


def extension_iri(request: HttpRequest, key: str) -> HttpResponse:
    extension = vocabulary.EXTENSIONS.get(key)
    if extension is None:
        raise Http404("Unknown extension")
    payload = {"id": extension.iri, "name": {"en": key}, "description": {"en": extension.description}}
    return _describe(request, payload, f"Extension: {key}", extension.description)


def profile(request: HttpRequest) -> HttpResponse:
    payload = {
        "id": vocabulary.profile_iri(),
        "name": {"en": "Guild xAPI profile v1.0"},
        "verbs": [
            {"id": v.iri, "display": {"en": v.display}, "definition": {"en": v.description}} for v in vocabulary.VERBS
        ],
        "activityTypes": [t.iri for t in vocabulary.ACTIVITY_TYPES],
        "extensions": [e.iri for e in vocabulary.EXTENSIONS.values()],
    }
    return _describe(
        request, payload, "Guild xAPI profile v1.0", "The verbs, activity types and extensions Guild emits."
    )
