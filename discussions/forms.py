"""Forms for discussions. They check input early for friendly field errors; services check again."""

from __future__ import annotations

from django import forms

from .markdown import MAX_MARKDOWN_LENGTH
from .models import REVIEW_MAX_LENGTH, EmailMode, FlagReason, ThreadKind
from .services import DiscussionError, clean_body, clean_note_body, clean_note_tags, clean_title

BODY_HELP = "Markdown works: **bold**, *italic*, `code`, lists, > quotes and links. Mention someone with @username."


class _BodyMixin:
    def clean_body(self) -> str:
        try:
            return clean_body(self.cleaned_data.get("body", ""))[0]
        except DiscussionError as error:
            raise forms.ValidationError(str(error)) from error


def _body_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        help_text=BODY_HELP,  # the length limit is the service's, so the message is the same everywhere
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_MARKDOWN_LENGTH}),
        error_messages={"required": "Write something first: the post is empty."},
    )


class ThreadForm(_BodyMixin, forms.Form):
    kind = forms.ChoiceField(
        label="This is a", choices=ThreadKind.choices, initial=ThreadKind.QUESTION, widget=forms.RadioSelect
    )
    title = forms.CharField(
        label="Title", max_length=400, error_messages={"required": "Give your thread a title."}, strip=False
    )
    body = _body_field("Details")
    block_id = forms.ChoiceField(label="About", required=False, choices=[("", "The whole lesson")])

    def __init__(self, *args, block_choices: list[tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["block_id"].choices = [("", "The whole lesson"), *(block_choices or [])]

    def clean_title(self) -> str:
        try:
            return clean_title(self.cleaned_data.get("title", ""))
        except DiscussionError as error:
            raise forms.ValidationError(str(error)) from error


class ReplyForm(_BodyMixin, forms.Form):
    body = _body_field("Your reply")
    quote = forms.UUIDField(required=False, widget=forms.HiddenInput)


class EditForm(_BodyMixin, forms.Form):
    title = forms.CharField(label="Title", max_length=400, required=False, strip=False)
    body = _body_field("Text")

    def __init__(self, *args, with_title: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not with_title:
            del self.fields["title"]
        else:
            self.fields["title"].required = True

    def clean_title(self) -> str:
        try:
            return clean_title(self.cleaned_data.get("title", ""))
        except DiscussionError as error:
            raise forms.ValidationError(str(error)) from error


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label="What's wrong?", choices=FlagReason.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="Anything moderators should know", max_length=500, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=200, required=False)


class MuteForm(forms.Form):
    days = forms.IntegerField(label="Mute for (days)", min_value=1, max_value=365, initial=7)
    reason = forms.CharField(label="Reason", max_length=200)


class PreferenceForm(forms.Form):
    email_mode = forms.ChoiceField(
        label="E-mail me about discussion notifications", choices=EmailMode.choices, widget=forms.RadioSelect
    )


STAR_CHOICES = [(str(n), f"{n} star{'s' if n > 1 else ''}") for n in range(1, 6)]


class RatingForm(forms.Form):
    """Stars as a radio group (labelled, keyboard-operable, no JS needed) and an optional plain-text review."""

    stars = forms.TypedChoiceField(
        label="Your rating", choices=STAR_CHOICES, coerce=int, widget=forms.RadioSelect,
        error_messages={"required": "Choose from 1 to 5 stars.", "invalid_choice": "Choose from 1 to 5 stars."},
    )  # fmt: skip
    review = forms.CharField(
        label="Review",
        required=False,
        max_length=REVIEW_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REVIEW_MAX_LENGTH}),
        help_text=f"Plain text, up to {REVIEW_MAX_LENGTH:,} characters. What worked, what could be clearer?",
    )


# --- notes ----------------------------------------------------------------------------------------

NOTE_HELP = "Markdown works: **bold**, *italic*, `code`, lists, > quotes and links."


def parse_video_moment(text: str) -> int | None:
    """ "90", "1:30" or "1:02:03" → seconds; "" → None. Raises ValueError for anything else."""
    text = (text or "").strip()
    if not text:
        return None
    parts = text.split(":")
    if len(parts) > 3 or not all(part.isdigit() for part in parts):
        raise ValueError(text)
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return seconds


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Note",
        strip=False,
        help_text=NOTE_HELP,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_MARKDOWN_LENGTH}),
        error_messages={"required": "Write something first: the note is empty."},
    )
    block_id = forms.ChoiceField(label="About", required=False, choices=[("", "The whole lesson")])
    video_moment = forms.CharField(
        label="Moment in the video (optional)",
        required=False,
        max_length=10,
        help_text="For a video: minutes and seconds, like 2:15.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "m:ss", "size": 6}),
    )
    tags = forms.CharField(
        label="Tags (optional)",
        required=False,
        max_length=500,
        help_text="Separate tags with commas.",
    )
    shared = forms.BooleanField(label="Share with the course's learners", required=False)
    anonymous = forms.BooleanField(label="Don't show my name to other learners", required=False)

    def __init__(self, *args, block_choices: list[tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["block_id"].choices = [("", "The whole lesson"), *(block_choices or [])]

    def clean_body(self) -> str:
        try:
            return clean_note_body(self.cleaned_data.get("body", ""))[0]
        except DiscussionError as error:
            raise forms.ValidationError(str(error)) from error

    def clean_video_moment(self) -> int | None:
        try:
            return parse_video_moment(self.cleaned_data.get("video_moment", ""))
        except ValueError as error:
            raise forms.ValidationError("Give the moment as minutes and seconds, like 2:15.") from error

    def clean_tags(self) -> list[str]:
        try:
            return clean_note_tags(self.cleaned_data.get("tags", ""))
        except DiscussionError as error:
            raise forms.ValidationError(str(error)) from error


class NoteEditForm(NoteForm):
    """Editing: sharing is its own action (with its own statement), so the edit form leaves it out."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["shared"]
        del self.fields["anonymous"]


class NoteDiscussForm(forms.Form):
    title = forms.CharField(
        label="Question title", max_length=400, strip=False, error_messages={"required": "Give your question a title."}
    )

    def clean_title(self) -> str:
        try:
            return clean_title(self.cleaned_data.get("title", ""))
        except DiscussionError as error:
            raise forms.ValidationError(str(error)) from error
