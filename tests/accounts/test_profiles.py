"""Profiles at /people/<username>/ and the privacy settings that govern them. Two users, every door."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from discussions import services
from tests.accounts.world import ask, complete_course, share_note
from tests.factories import UserFactory


def page(client, viewer, username):
    client.force_login(viewer)
    response = client.get(f"/people/{username}/")
    return response, response.content.decode()


def test_profile_shows_who_they_are(client, world):
    world.friend.bio = "I write the style guide. Ask me about plain language."
    world.friend.team = "Content"
    world.friend.save()
    response, html = page(client, world.viewer, "priya")
    assert response.status_code == 200
    assert "<h1" in html
    assert "Priya Shah</h1>" in html
    assert "@priya · Content designer · Content" in html
    assert "I write the style guide." in html


def test_unknown_and_deactivated_people_are_404(client, world):
    world.stranger.is_active = False
    world.stranger.save()
    assert page(client, world.viewer, "nobody")[0].status_code == 404
    assert page(client, world.viewer, "sam")[0].status_code == 404


def test_contributions_only_from_courses_the_viewer_reads(client, world):
    ask(world.friend, world.mine_lessons[0], "Question in a shared course")
    ask(world.friend, world.other_lessons[0], "Question in a course Ada is not in")
    _, html = page(client, world.viewer, "priya")
    assert "Question in a shared course" in html
    assert "Question in a course Ada is not in" not in html
    assert "<dt>Questions and discussions</dt><dd>1</dd>" in html
    _, html = page(client, world.stranger, "priya")  # Sam reads only the other course
    assert "Question in a shared course" not in html
    assert "Question in a course Ada is not in" in html


def test_hidden_posts_are_not_contributions(client, world):
    moderator = UserFactory(username="mod", groups=["Learners", "Moderators"])
    thread = ask(world.friend, world.mine_lessons[0], "A question that gets hidden")
    services.post_hide(moderator=moderator, post=thread, reason="Spam")
    _, html = page(client, world.viewer, "priya")
    assert "A question that gets hidden" not in html


def test_accepted_answers_and_helpful_votes(client, world):
    thread = ask(world.viewer, world.mine_lessons[0], "Where does the summary go")
    reply = services.reply_create(author=world.friend, thread=thread, body="At the top.")
    services.vote_toggle(user=world.viewer, post=reply)
    services.answer_accept(user=world.viewer, reply=reply)
    _, html = page(client, world.viewer, "priya")
    assert "<dt>Accepted answers</dt><dd>1</dd>" in html
    assert "<dt>Helpful votes received</dt><dd>1</dd>" in html
    assert f'href="{reply.get_absolute_url()}">Where does the summary go</a>' in html


def test_hiding_contributions(client, world):
    ask(world.friend, world.mine_lessons[0], "A visible question")
    share_note(world.friend, world.mine_lessons[0], world.mine)
    from accounts import services as account_services

    account_services.privacy_set(
        user=world.friend,
        show_completions=True,
        show_contributions=False,
        show_followers=True,
        suggest_as_helper=True,
    )
    _, html = page(client, world.viewer, "priya")
    assert "A visible question" not in html
    assert "Contributions" not in html
    assert "shared a note" not in html
    _, own = page(client, world.friend, "priya")  # people always see their own
    assert "A visible question" in own
    assert "shared a note" in own


def test_hiding_completions_from_profile_and_stream(client, world):
    from accounts import services as account_services
    from insights.stream import stream_for_viewer

    complete_course(world.friend, world.mine, world.mine_lessons)
    _, html = page(client, world.viewer, "priya")
    assert "Courses completed" in html
    assert "completed <a" in html  # in recent activity
    account_services.privacy_set(
        user=world.friend, show_completions=False, show_contributions=True, show_followers=True, suggest_as_helper=True
    )
    _, html = page(client, world.viewer, "priya")
    assert "Courses completed" not in html
    assert "completed <a" not in html
    assert stream_for_viewer(viewer=world.viewer).items == []


def test_hiding_followers(client, world):
    from accounts import services as account_services

    services.follow_create(follower=world.viewer, target=world.friend)
    _, html = page(client, world.stranger, "priya")
    assert "1 follower" in html
    assert 'href="/people/ada/"' in html
    account_services.privacy_set(
        user=world.friend, show_completions=True, show_contributions=True, show_followers=False, suggest_as_helper=True
    )
    _, html = page(client, world.stranger, "priya")
    assert "Followers" not in html
    assert 'href="/people/ada/"' not in html
    _, own = page(client, world.friend, "priya")
    assert "Followers" in own


def test_privacy_page_saves_each_choice(client, world):
    client.force_login(world.viewer)
    assert "Suggest me as someone who can help" in client.get("/accounts/privacy/").content.decode()
    response = client.post("/accounts/privacy/", {"show_completions": "on", "show_followers": "on"})
    assert response.status_code == 302
    world.viewer.refresh_from_db()
    assert (
        world.viewer.show_completions,
        world.viewer.show_contributions,
        world.viewer.show_followers,
        world.viewer.suggest_as_helper,
    ) == (True, False, True, False)


def test_privacy_page_needs_sign_in(client, db):
    assert client.get("/accounts/privacy/").status_code == 302


def _image(fmt: str = "PNG", size: tuple[int, int] = (64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (15, 94, 89)).save(buffer, format=fmt)
    return buffer.getvalue()


def _details(**extra):
    return {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "job_title": "Analyst",
            "team": "Data", "bio": "Numbers and engines.", **extra}  # fmt: skip


def test_avatar_upload_and_profile_fields(client, world, media):
    client.force_login(world.viewer)
    upload = SimpleUploadedFile("me.png", _image(), content_type="image/png")
    response = client.post("/accounts/", {**_details(), "avatar": upload})
    assert response.status_code == 302
    world.viewer.refresh_from_db()
    assert world.viewer.avatar.name.startswith(f"avatars/{world.viewer.public_id}/")
    assert world.viewer.bio == "Numbers and engines."
    _, html = page(client, world.stranger, "ada")
    assert f'src="{world.viewer.avatar.url}"' in html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("me.txt", b"not an image at all", "Upload a valid image"),
        ("me.bmp", _image("BMP"), "Use a JPEG, PNG, WebP or GIF image."),
        ("huge.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024 + 10), "Upload a valid image"),
    ],
)
def test_bad_avatars_are_form_errors_and_nothing_changes(client, world, media, name, content, message):
    client.force_login(world.viewer)
    response = client.post("/accounts/", {**_details(bio="Changed"), "avatar": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert message in response.content.decode()
    world.viewer.refresh_from_db()
    assert not world.viewer.avatar
    assert world.viewer.bio == ""


def test_too_large_a_real_image_is_refused(client, world, media, settings):
    from accounts import forms

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
    client.force_login(world.viewer)
    big = _image("PNG", (64, 64))
    forms.AVATAR_MAX_BYTES, saved = 100, forms.AVATAR_MAX_BYTES
    try:
        response = client.post("/accounts/", {**_details(), "avatar": SimpleUploadedFile("big.png", big)})
    finally:
        forms.AVATAR_MAX_BYTES = saved
    assert "larger than 2 MB" in response.content.decode()


def test_mentions_link_to_profiles(world):
    thread = ask(world.viewer, world.mine_lessons[0], "Style question")
    reply = services.reply_create(author=world.friend, thread=thread, body="Ask @ada, or see `@code`.")
    assert '<a href="/people/ada/" title="ada\'s profile" rel="nofollow ugc noopener">@ada</a>' in reply.body_html
    assert "<code>@code</code>" in reply.body_html


def test_authors_names_link_to_profiles_on_threads(client, world):
    thread = ask(world.friend, world.mine_lessons[0], "Linked author")
    client.force_login(world.viewer)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert '<a class="post__author" href="/people/priya/">Priya Shah</a>' in html


def test_profiles_are_for_signed_in_colleagues_only(client, world):
    response = client.get("/people/priya/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
