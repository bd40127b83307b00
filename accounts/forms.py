from django import forms
from django.contrib.auth.forms import UserCreationForm

from .models import User


class SignupForm(UserCreationForm):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(help_text="Your work e-mail. Only used for notifications you choose.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this e-mail already exists. Try signing in.")
        return email


class AccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "job_title", "team")


AVATAR_MAX_BYTES = 2 * 1024 * 1024
AVATAR_MAX_SIDE = 4000
AVATAR_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}


class ProfileForm(forms.ModelForm):
    """Your details and profile. The avatar is checked by Pillow (a real image), by format and by size."""

    avatar = forms.ImageField(
        required=False,
        help_text="A square photo works best. JPEG, PNG, WebP or GIF, up to 2 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )

    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "job_title", "team", "bio", "avatar")
        widgets = {"bio": forms.Textarea(attrs={"rows": 4, "maxlength": 1000})}

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if email and User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another account uses this e-mail.")
        return email

    def clean_avatar(self):
        avatar = self.cleaned_data.get("avatar")
        if not avatar or not hasattr(avatar, "image"):  # unchanged (the stored file) or cleared
            return avatar
        if avatar.size > AVATAR_MAX_BYTES:
            raise forms.ValidationError("That image is larger than 2 MB. Try a smaller one.")
        image = avatar.image
        if (image.format or "").upper() not in AVATAR_FORMATS:
            raise forms.ValidationError("Use a JPEG, PNG, WebP or GIF image.")
        width, height = image.size
        if width > AVATAR_MAX_SIDE or height > AVATAR_MAX_SIDE:
            raise forms.ValidationError(f"That image is too large: keep it under {AVATAR_MAX_SIDE} pixels a side.")
        return avatar


class PrivacyForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("show_completions", "show_contributions", "show_followers", "suggest_as_helper")
        labels = {
            "show_completions": "Show the courses I complete",
            "show_contributions": "Show my contributions on my profile",
            "show_followers": "Show my followers and whom I follow",
            "suggest_as_helper": "Suggest me as someone who can help",
        }
