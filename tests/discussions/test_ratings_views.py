"""Ratings on the lesson and course pages, the rating form, review votes and flags, moderation, the admin report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import services as course_services
from discussions import selectors, services
from discussions.models import Rating, RatingSummary, Vote
from insights.models import Statement
from insights.xapi import vocabulary as xapi
from tests.factories import UserFactory, course_with_lessons

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def review(peer, lesson):
    return services.rating_set(author=peer, lesson=lesson, stars=2, review="The budget example lost me.")


def rate_url(lesson) -> str:
    return reverse("discussions:rate_lesson", args=[lesson.pk])


# --- the lesson page -------------------------------------------------------------------------------


def test_lesson_page_shows_average_count_histogram_and_reviews(opened, review, lesson):
    services.rating_set(author=opened, lesson=lesson, stars=5, review="")
    html = client_for(opened).get(lesson.url).content.decode()
    assert 'id="ratings"' in html
    assert "Rated 3.5 out of 5" in html
    assert "2 ratings" in html
    assert "Ratings of this lesson: how many people gave each number of stars" in html
    assert "The budget example lost me." in html
    assert "You rated this 5 stars" in html
    assert "Withdraw rating" in html


def test_star_input_is_a_labelled_radio_group(opened, lesson):
    html = client_for(opened).get(lesson.url).content.decode()
    assert '<legend class="field__label">Your rating</legend>' in html
    for stars in range(1, 6):
        assert f'type="radio" name="stars" value="{stars}" id="rating-stars-{stars}"' in html
        assert f'<span class="visually-hidden">{stars} star{"s" if stars > 1 else ""}</span>' in html


def test_visitors_see_the_average_but_not_reviews_or_the_form(review, lesson, course):
    course.save_revision().publish()
    html = Client().get(lesson.url).content.decode()
    assert "Rated 2.0 out of 5" in html
    assert "The budget example lost me." not in html
    assert 'name="stars"' not in html
    assert "to read reviews and rate" in html


def test_review_text_is_escaped(opened, lesson, peer):
    services.rating_set(author=peer, lesson=lesson, stars=1, review='<script>alert("x")</script> **bold**')
    html = client_for(opened).get(lesson.url).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; **bold**" in html


# --- the rating form -------------------------------------------------------------------------------


def test_rating_through_the_form_without_javascript(opened, lesson):
    response = client_for(opened).post(rate_url(lesson), {"stars": "4", "review": "Useful checklist."})
    assert response.status_code == 302
    assert response["Location"].endswith("#ratings")
    rating = Rating.objects.get(author=opened)
    assert (rating.stars, rating.review) == (4, "Useful checklist.")
    assert Statement.objects.filter(verb=xapi.RATED.iri).count() == 1


@pytest.mark.parametrize("stars", ["0", "6", "abc", "", "4.5"])
def test_bad_stars_re_show_the_form_with_a_400_and_store_nothing(opened, lesson, stars):
    response = client_for(opened).post(rate_url(lesson), {"stars": stars, "review": "Hmm"})
    assert response.status_code == 400
    assert "Choose from 1 to 5 stars." in response.content.decode()
    assert not Rating.objects.exists()


def test_too_long_a_review_is_a_form_error(opened, lesson):
    response = client_for(opened).post(rate_url(lesson), {"stars": "3", "review": "x" * 1001})
    assert response.status_code == 400
    assert not Rating.objects.exists()


def test_rating_an_unopened_lesson_is_a_clear_error(enrolled, lessons):
    response = client_for(enrolled).post(rate_url(lessons[2]), {"stars": "3"})
    assert response.status_code == 400
    assert "Open the lesson before you rate it." in response.content.decode()
    assert not Rating.objects.exists()


def test_a_lesson_you_cannot_see_is_a_404(opened, lesson):
    lesson.unpublish()
    client = client_for(opened)
    assert client.post(rate_url(lesson), {"stars": "3"}).status_code == 404
    assert client.get(reverse("discussions:reviews_lesson", args=[lesson.pk])).status_code == 404
    assert client.post(reverse("discussions:rate_lesson", args=[999999]), {"stars": "3"}).status_code == 404
    assert not Rating.objects.exists()


def test_rating_needs_a_login(lesson):
    response = Client().post(rate_url(lesson), {"stars": "3"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Rating.objects.exists()


def test_edit_page_prefills_and_withdraw_removes(opened, lesson):
    client = client_for(opened)
    client.post(rate_url(lesson), {"stars": "2", "review": "Too long"})
    html = client.get(rate_url(lesson)).content.decode()
    assert 'value="2" id="rating-page-stars-2" checked' in html
    assert "Too long</textarea>" in html
    response = client.post(rate_url(lesson), {"action": "withdraw"})
    assert response.status_code == 302
    assert not Rating.objects.exists()
    assert RatingSummary.objects.get(lesson=lesson).count == 0
    assert Statement.objects.filter(verb=xapi.UNRATED.iri).count() == 1


# --- votes and flags on reviews -----------------------------------------------------------------------


def test_helpful_vote_toggles_by_form_and_json(opened, review):
    client = client_for(opened)
    url = reverse("discussions:review_vote", args=[review.activity_id])
    assert client.post(url).status_code == 302
    assert Vote.objects.filter(user=opened, rating=review).exists()
    response = client.post(url, HTTP_ACCEPT="application/json")
    assert response.json() == {"voted": False, "count": 0}
    assert not Vote.objects.exists()


def test_flagging_a_review_puts_it_in_the_moderation_queue(opened, review, moderator):
    client = client_for(opened)
    url = reverse("discussions:review_flag", args=[review.activity_id])
    assert "Flag this review for moderators" in client.get(url).content.decode()
    response = client.post(url, {"reason": "off-topic", "note": "Not about this lesson"})
    assert response.status_code == 302
    queue = client_for(moderator).get(reverse("discussions_moderation")).content.decode()
    assert "Review (2 of 5 stars)" in queue
    assert "The budget example lost me." in queue
    assert reverse("discussions:review_hide", args=[review.activity_id]) in queue


def test_moderator_hides_a_review_from_the_queue_and_learners_lose_it(opened, review, moderator, lesson):
    mod = client_for(moderator)
    queue_url = reverse("discussions_moderation")
    response = mod.post(
        reverse("discussions:review_hide", args=[review.activity_id]), {"reason": "Spam", "next": queue_url}
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.is_hidden
    learner = client_for(opened)
    assert "The budget example lost me." not in learner.get(lesson.url).content.decode()
    assert learner.post(reverse("discussions:review_vote", args=[review.activity_id])).status_code == 404
    assert learner.get(reverse("discussions:review_flag", args=[review.activity_id])).status_code == 404
    mod.post(reverse("discussions:review_restore", args=[review.activity_id]), {"next": queue_url})
    review.refresh_from_db()
    assert not review.is_hidden


def test_learners_cannot_moderate_reviews(opened, review):
    client_for(opened).post(reverse("discussions:review_hide", args=[review.activity_id]), {"reason": "x"})
    review.refresh_from_db()
    assert not review.is_hidden


def test_review_activity_iri_resolves(review, lesson):
    iri_path = f"/xapi/activities/review/{review.activity_id}"
    data = Client().get(iri_path, HTTP_ACCEPT="application/json").json()
    assert data["definition"]["type"] == xapi.REVIEW.iri
    response = Client().get(iri_path)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#review-{review.activity_id}")


def test_all_reviews_page_paginates(opened, lesson, course):
    now = timezone.now()
    people = [UserFactory(username=f"reviewer{i}") for i in range(25)]
    Rating.objects.bulk_create(
        [Rating(author=p, lesson=lesson, course=course, stars=3, review=f"Review number {i}",
                created_at=now - timedelta(minutes=i)) for i, p in enumerate(people)]
    )  # fmt: skip
    RatingSummary.objects.create(lesson=lesson, course=course, count=25, total=75, stars_3=25, review_count=25)
    client = client_for(opened)
    assert "All 25 reviews" in client.get(lesson.url).content.decode()
    url = reverse("discussions:reviews_lesson", args=[lesson.pk])
    first, second = client.get(url).content.decode(), client.get(url + "?page=2").content.decode()
    assert "Review number 0<" in first
    assert "Page 1 of 2" in first
    assert "Review number 24<" in second


# --- the course page -----------------------------------------------------------------------------------


def test_course_page_shows_pooled_lesson_rating_and_course_reviews_after_completion(opened, peer, course, lessons):
    course.save_revision().publish()
    services.rating_set(author=peer, lesson=lessons[0], stars=5)
    services.rating_set(author=opened, lesson=lessons[0], stars=3)
    course_services.lesson_view(user=opened, lesson=lessons[1], course=course)
    services.rating_set(author=opened, lesson=lessons[1], stars=1)
    client = client_for(opened)
    html = client.get(course.url).content.decode()
    assert "Rated 3.0 out of 5" in html  # (5 + 3 + 1) / 3, pooled over the lessons' ratings
    assert "You can review the course once you&#x27;ve completed it." in html
    for lesson in lessons:
        course_services.lesson_complete(user=opened, lesson=lesson, course=course)
    response = client.post(reverse("discussions:rate_course", args=[course.pk]), {"stars": "4", "review": "Worth it"})
    assert response.status_code == 302
    html = client_for(peer).get(course.url).content.decode()
    assert "Worth it" in html
    assert "Rated 4.0 out of 5" in html


# --- the admin report ----------------------------------------------------------------------------------


def _course_editor(course):
    """Someone Wagtail lets into the admin and edit this one course (and nothing else)."""
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission

    group = Group.objects.create(name=f"Editors of {course.slug}")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    GroupPagePermission.objects.create(
        group=group, page=course, permission=Permission.objects.get(codename="change_page")
    )
    user = UserFactory(username=f"editor-{course.slug}")
    user.groups.add(group)
    return user


def test_rating_report_lowest_first_and_only_for_courses_you_can_edit(opened, peer, course, lessons):
    course_services.lesson_view(user=opened, lesson=lessons[1], course=course)
    services.rating_set(author=opened, lesson=lessons[0], stars=5)
    services.rating_set(author=opened, lesson=lessons[1], stars=1, review="Needs an example")
    other_course, other_lessons = course_with_lessons(1, title="Data privacy at work", slug="privacy")
    RatingSummary.objects.create(lesson=other_lessons[0], course=other_course, count=1, total=2, stars_2=1)
    url = reverse("discussions_rating_report")
    html = client_for(_course_editor(course)).get(url).content.decode()
    assert html.index(lessons[1].title) < html.index(lessons[0].title)
    assert "Needs an example" in html
    assert "Data privacy at work" not in html
    analyst = UserFactory(username="analyst", groups=["Learners", "Analysts"])
    assert "Data privacy at work" in client_for(analyst).get(url).content.decode()
    assert client_for(opened).get(url).status_code in (302, 403)


# --- query budget ------------------------------------------------------------------------------------


def populate(lesson, course, count: int) -> None:
    now = timezone.now()
    people = UserFactory.create_batch(count) if count <= 50 else _bulk_users(count)
    Rating.objects.bulk_create(
        [Rating(author=p, lesson=lesson, course=course, stars=i % 5 + 1, review=f"Review {i}" if i % 3 else "",
                created_at=now - timedelta(seconds=i), helpful_count=i % 7) for i, p in enumerate(people)]
    )  # fmt: skip
    ratings = list(Rating.objects.filter(lesson=lesson))
    summary = RatingSummary(lesson=lesson, course=course, count=len(ratings), total=sum(r.stars for r in ratings))
    for stars in range(1, 6):
        setattr(summary, f"stars_{stars}", sum(1 for r in ratings if r.stars == stars))
    summary.review_count = sum(1 for r in ratings if r.review)
    summary.save()


def _bulk_users(count: int):
    from accounts.models import User

    User.objects.bulk_create([User(username=f"bulk{i}", password="!") for i in range(count)])
    return list(User.objects.filter(username__startswith="bulk").order_by("pk"))


def test_the_ratings_panel_costs_two_queries_with_2000_ratings(opened, lesson, course, django_assert_num_queries):
    populate(lesson, course, 2000)
    services.rating_set(author=opened, lesson=lesson, stars=4, review="Mine")
    Vote.objects.create(user=opened, rating=Rating.objects.exclude(review="").exclude(author=opened).first(),
                        created_at=timezone.now())  # fmt: skip
    enrolment = course_services.active_enrolment(user=opened, course=course)
    with django_assert_num_queries(2):
        panel = selectors.rating_panel(viewer=opened, course=course, lesson=lesson, enrolment=enrolment)
        assert panel.summary.count == 2001
        assert panel.mine.stars == 4
        assert len(panel.reviews) == selectors.REVIEWS_ON_PANEL
        assert panel.more_reviews


def lesson_queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_lesson_page_cost_does_not_grow_with_ratings(opened, course, lessons, monkeypatch):
    """The panel adds at most two queries to the lesson page, with 0 or 2,000 ratings.

    (The page as a whole must end at ≤ 15 with discussions, notes and ratings; the rest of the page is
    being cut elsewhere, so this measures the ratings panel's share against the same page without it.)
    """
    course.save_revision().publish()
    for lesson in lessons[:2]:
        course_services.lesson_view(user=opened, lesson=lesson, course=course)
    populate(lessons[1], course, 2000)
    services.rating_set(author=opened, lesson=lessons[1], stars=3, review="Short")
    client = client_for(opened)
    empty = lesson_queries(client, lessons[0].url)
    full = lesson_queries(client, lessons[1].url)
    assert "All 1334 reviews" in client.get(lessons[1].url).content.decode()
    import courses.selectors

    monkeypatch.setattr(courses.selectors, "_ratings", lambda **kwargs: None)
    without_panel = lesson_queries(client, lessons[1].url)
    assert empty <= without_panel + 1
    assert full <= without_panel + 2
