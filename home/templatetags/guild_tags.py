"""Site-wide template helpers: form fields with accessible attributes, durations, JSON, lookups."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Browsers and password managers fill these in; keyed by form field name.
AUTOCOMPLETE = {
    "username": "username",
    "password": "current-password",
    "password1": "new-password",
    "password2": "new-password",
    "email": "email",
    "first_name": "given-name",
    "last_name": "family-name",
    "job_title": "organization-title",
    "team": "off",
}


def field_ids(field: BoundField) -> dict[str, str]:
    base = field.auto_id or f"id_{field.html_name}"
    return {"help": f"{base}_help", "errors": f"{base}_errors"}


@register.simple_tag
def field_widget(field: BoundField, **extra: Any) -> SafeString:
    """Render a field's widget with aria-describedby pointing at its help text and errors, and autocomplete."""
    ids = field_ids(field)
    described = []
    if field.help_text:
        described.append(ids["help"])
    if field.errors:
        described.append(ids["errors"])
    attrs: dict[str, Any] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    if "autocomplete" not in field.field.widget.attrs and field.name in AUTOCOMPLETE:
        attrs["autocomplete"] = AUTOCOMPLETE[field.name]
    attrs.update({key.replace("_", "-"): value for key, value in extra.items()})
    return field.as_widget(attrs=attrs)


@register.filter
def help_id(field: BoundField) -> str:
    return field_ids(field)["help"]


@register.filter
def errors_id(field: BoundField) -> str:
    return field_ids(field)["errors"]


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return getattr(field.field.widget, "input_type", "") == "checkbox"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`answers|get_item:block.id`: a dict lookup with a variable key; None when absent."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def minutes(value: Any) -> str:
    """45 → "45 min", 90 → "1 h 30 min", 120 → "2 h"."""
    try:
        total = int(value)
    except (TypeError, ValueError):
        return ""
    hours, mins = divmod(total, 60)
    if not hours:
        return f"{mins} min"
    return f"{hours} h {mins} min" if mins else f"{hours} h"


@register.filter
def pretty_json(value: Any) -> str:
    """Indented JSON text; autoescaping makes it safe in <pre>."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


@register.simple_tag(takes_context=True)
def current(context: template.Context, path: str, exact: bool = True) -> SafeString:
    """` aria-current="page"` on the nav link for the page being viewed (or a section, with exact=False)."""
    request = context.get("request")
    if request is None:
        return SafeString("")
    if request.path == path:
        return mark_safe(' aria-current="page"')  # noqa: S308 - constant
    if not exact and request.path.startswith(path):
        return mark_safe(' aria-current="true"')  # noqa: S308 - constant
    return SafeString("")


@register.filter
def can_access_admin(user: Any) -> bool:
    """The header's Admin link, from what the user query already read (home/auth.py)."""
    from home.auth import can_access_admin as check

    return check(user)
