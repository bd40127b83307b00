"""Rating services: one rating per learner and target, the running summary, statements, bad input, concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from courses import services as course_services
from discussions import services
from discussions.models import Flag, ModerationAction, Rating, RatingSummary, Vote
from discussions.services import DiscussionError, RatingError
from insights.models import Statement
from insights.xapi import vocabulary as xapi
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def statements(verb):
    return list(Statement.objects.filter(verb=verb.iri).order_by("stored"))


def summary_of(lesson) -> RatingSummary:
    return RatingSummary.objects.get(lesson=lesson)


def counts(summary: RatingSummary) -> tuple:
    return (summary.count, summary.total, [summary.stars_1, summary.stars_2, summary.stars_3, summary.stars_4,
            summary.stars_5], summary.review_count)  # fmt: skip


def test_rating_stores_stars_review_and_summary(opened, lesson):
    rating = services.rating_set(author=opened, lesson=lesson, stars=4, review="  Clear, with a good example.\r\n ")
    assert (rating.stars, rating.review, rating.course_id) == (4, "Clear, with a good example.", lesson.get_parent().pk)
    assert counts(summary_of(lesson)) == (1, 4, [0, 0, 0, 1, 0], 1)
    assert summary_of(lesson).average == 4


def test_rated_statement_has_score_response_and_parent_course(opened, lesson, course):
    services.rating_set(author=opened, lesson=lesson, stars=5, review="Loved it")
    [statement] = statements(xapi.RATED)
    data = statement.data
    assert data["object"]["id"] == lesson.xapi_activity().iri
    assert data["result"]["score"] == {"raw": 5, "min": 1, "max": 5, "scaled": 1.0}
    assert data["result"]["response"] == "Loved it"
    assert [a["id"] for a in data["context"]["contextActivities"]["parent"]] == [course.xapi_activity().iri]
    assert data["context"]["registration"]


def test_scaled_score_is_raw_minus_one_over_four(opened, lesson):
    services.rating_set(author=opened, lesson=lesson, stars=2)
    [statement] = statements(xapi.RATED)
    assert statement.data["result"]["score"]["scaled"] == 0.25
    assert "response" not in statement.data["result"]


def test_rating_again_edits_the_one_rating_and_moves_the_counts(opened, peer, lesson):
    services.rating_set(author=peer, lesson=lesson, stars=5)
    services.rating_set(author=opened, lesson=lesson, stars=2, review="Too long")
    services.rating_set(author=opened, lesson=lesson, stars=4, review="")
    assert Rating.objects.filter(author=opened, lesson=lesson).count() == 1
    assert counts(summary_of(lesson)) == (2, 9, [0, 0, 0, 1, 1], 0)
    assert len(statements(xapi.RATED)) == 3
    mine = Rating.objects.get(author=opened, lesson=lesson)
    assert mine.edited_at is not None


def test_the_same_rating_again_is_a_no_op(opened, lesson):
    services.rating_set(author=opened, lesson=lesson, stars=3, review="Fine")
    services.rating_set(author=opened, lesson=lesson, stars="3", review="Fine ")
    assert len(statements(xapi.RATED)) == 1
    assert counts(summary_of(lesson)) == (1, 3, [0, 0, 1, 0, 0], 1)


def test_withdraw_removes_rating_counts_and_records_unrated(opened, peer, lesson, course):
    services.rating_set(author=peer, lesson=lesson, stars=1, review="Confusing")
    services.rating_set(author=opened, lesson=lesson, stars=5, review="Great")
    assert services.rating_withdraw(author=opened, lesson=lesson) is True
    assert not Rating.objects.filter(author=opened).exists()
    assert counts(summary_of(lesson)) == (1, 1, [1, 0, 0, 0, 0], 1)
    [statement] = statements(xapi.UNRATED)
    assert statement.data["verb"]["id"] == xapi.UNRATED.iri
    assert statement.data["object"]["id"] == lesson.xapi_activity().iri
    assert services.rating_withdraw(author=opened, lesson=lesson) is False
    assert len(statements(xapi.UNRATED)) == 1


@pytest.mark.parametrize("stars", [0, 6, -1, "five", "", None, 3.5, "1; DROP TABLE"])
def test_stars_out_of_range_are_refused_and_nothing_is_stored(opened, lesson, stars):
    with pytest.raises(RatingError, match="1 to 5 stars"):
        services.rating_set(author=opened, lesson=lesson, stars=stars)
    assert not Rating.objects.exists()
    assert not RatingSummary.objects.exists()
    assert not statements(xapi.RATED)


def test_the_database_refuses_out_of_range_stars_too(opened, lesson, course):
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(author=opened, lesson=lesson, course=course, stars=6, created_at=timezone.now())


def test_a_review_over_the_limit_is_refused(opened, lesson):
    with pytest.raises(RatingError, match="under 1,000 characters"):
        services.rating_set(author=opened, lesson=lesson, stars=4, review="x" * 1001)
    assert not Rating.objects.exists()


def test_an_unopened_lesson_cannot_be_rated(enrolled, lessons):
    with pytest.raises(RatingError, match="Open the lesson"):
        services.rating_set(author=enrolled, lesson=lessons[2], stars=4)
    assert not Rating.objects.exists()
    assert not statements(xapi.RATED)


def test_someone_not_enrolled_cannot_rate(outsider, lesson):
    with pytest.raises(RatingError, match="Enrol"):
        services.rating_set(author=outsider, lesson=lesson, stars=4)


def test_one_rating_per_learner_and_lesson_is_a_database_constraint(opened, lesson, course):
    services.rating_set(author=opened, lesson=lesson, stars=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(author=opened, lesson=lesson, course=course, stars=2, created_at=timezone.now())
    assert Rating.objects.count() == 1


def test_a_muted_learner_can_rate_but_not_review(opened, lesson, moderator):
    services.user_mute(moderator=moderator, user=opened, days=2, reason="Cooling off")
    with pytest.raises(RatingError, match="without a review"):
        services.rating_set(author=opened, lesson=lesson, stars=1, review="Rubbish")
    services.rating_set(author=opened, lesson=lesson, stars=1)
    assert Rating.objects.get().review == ""


# --- course reviews --------------------------------------------------------------------------------


def complete_course(user, course, lessons):
    for lesson in lessons:
        course_services.lesson_complete(user=user, lesson=lesson, course=course)


def test_course_review_needs_a_completed_course(enrolled, course, lessons):
    with pytest.raises(RatingError, match="once you've completed"):
        services.rating_set(author=enrolled, course=course, stars=5, review="Great course")
    complete_course(enrolled, course, lessons)
    rating = services.rating_set(author=enrolled, course=course, stars=5, review="Great course")
    assert rating.lesson_id is None
    summary = RatingSummary.objects.get(course=course, lesson=None)
    assert (summary.count, summary.stars_5, summary.review_count) == (1, 1, 1)
    [statement] = statements(xapi.RATED)
    assert statement.data["object"]["id"] == course.xapi_activity().iri
    assert "parent" not in statement.data["context"].get("contextActivities", {})


def test_course_and_lesson_ratings_are_separate(enrolled, course, lessons):
    complete_course(enrolled, course, lessons)
    services.rating_set(author=enrolled, lesson=lessons[0], stars=2)
    services.rating_set(author=enrolled, course=course, stars=5)
    assert Rating.objects.filter(author=enrolled).count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(author=enrolled, course=course, stars=1, created_at=timezone.now())


# --- votes, flags and moderation on reviews --------------------------------------------------------


@pytest.fixture
def review(opened, lesson):
    return services.rating_set(author=opened, lesson=lesson, stars=2, review="The example about budgets lost me.")


def test_helpful_vote_on_a_review_toggles_and_records(review, peer):
    assert services.vote_toggle(user=peer, post=review) is True
    review.refresh_from_db()
    assert review.helpful_count == 1
    assert services.vote_toggle(user=peer, post=review) is False
    review.refresh_from_db()
    assert review.helpful_count == 0
    assert not Vote.objects.exists()
    [up], [down] = statements(xapi.VOTED_UP), statements(xapi.UNVOTED)
    assert up.data["object"]["id"] == review.xapi_activity().iri
    assert up.data["object"]["definition"]["type"] == xapi.REVIEW.iri
    assert [a["id"] for a in up.data["context"]["contextActivities"]["parent"]] == [review.lesson.xapi_activity().iri]
    assert down.data["object"]["id"] == review.xapi_activity().iri


def test_you_cannot_vote_for_or_flag_your_own_review(review, opened):
    with pytest.raises(DiscussionError, match="own review"):
        services.vote_toggle(user=opened, post=review)
    with pytest.raises(DiscussionError, match="own review"):
        services.flag_create(user=opened, post=review, reason="spam")


def test_flags_hide_a_review_after_the_threshold_and_it_leaves_the_count(review, lesson, course, settings):
    settings.DISCUSSIONS_FLAG_HIDE_THRESHOLD = 2
    flaggers = [UserFactory(username=f"flagger{i}") for i in range(2)]
    for person in flaggers:
        course_services.enrolment_create(user=person, course=course)
        services.flag_create(user=person, post=review, reason="abusive")
    review.refresh_from_db()
    assert review.is_hidden
    assert review.flag_count == 2
    summary = summary_of(lesson)
    assert (summary.count, summary.review_count) == (1, 0)  # the stars still count; the text is hidden
    assert ModerationAction.objects.get(rating=review).action == ModerationAction.Action.AUTO_HIDE
    assert len(statements(xapi.FLAGGED)) == 2
    with pytest.raises(DiscussionError, match="already flagged"):
        services.flag_create(user=flaggers[0], post=review, reason="spam")


def test_moderators_hide_restore_and_dismiss_reviews(review, peer, moderator, lesson):
    services.flag_create(user=peer, post=review, reason="off-topic")
    services.post_hide(moderator=moderator, post=review, reason="Personal attack")
    review.refresh_from_db()
    assert review.is_hidden
    assert review.flag_count == 0
    assert summary_of(lesson).review_count == 0
    assert Flag.objects.get().resolution == "upheld"
    services.post_restore(moderator=moderator, post=review, reason="On reflection, fair criticism")
    review.refresh_from_db()
    assert not review.is_hidden
    assert summary_of(lesson).review_count == 1
    services.flag_create(user=peer, post=review, reason="spam")
    assert services.flags_dismiss(moderator=moderator, post=review, reason="Not spam") == 1
    for verb in (xapi.HID, xapi.RESTORED, xapi.DISMISSED):
        [statement] = statements(verb)
        assert statement.data["object"]["id"] == review.xapi_activity().iri
    with pytest.raises(DiscussionError, match="Only moderators"):
        services.post_hide(moderator=peer, post=review, reason="No")


def test_withdrawing_a_hidden_review_keeps_the_moderation_log(review, opened, moderator, lesson):
    services.post_hide(moderator=moderator, post=review, reason="Spam link")
    services.rating_withdraw(author=opened, lesson=lesson)
    assert ModerationAction.objects.filter(action=ModerationAction.Action.HIDE, rating=None).count() == 1
    assert counts(summary_of(lesson)) == (0, 0, [0, 0, 0, 0, 0], 0)


def test_editing_a_review_keeps_the_visible_review_count_right(review, opened, lesson):
    services.rating_set(author=opened, lesson=lesson, stars=2, review="")
    assert summary_of(lesson).review_count == 0
    services.rating_set(author=opened, lesson=lesson, stars=3, review="Better after a second read.")
    assert counts(summary_of(lesson)) == (1, 3, [0, 0, 1, 0, 0], 1)


def test_summary_matches_a_recount_after_a_mixed_history(course, lesson):
    people = [UserFactory(username=f"rater{i}") for i in range(12)]
    for i, person in enumerate(people):
        course_services.enrolment_create(user=person, course=course)
        course_services.lesson_view(user=person, lesson=lesson, course=course)
        services.rating_set(author=person, lesson=lesson, stars=i % 5 + 1, review="ok" if i % 2 else "")
    for person in people[:4]:
        services.rating_set(author=person, lesson=lesson, stars=5, review="Changed my mind")
    for person in people[-3:]:
        services.rating_withdraw(author=person, lesson=lesson)
    ratings = list(Rating.objects.filter(lesson=lesson))
    summary = summary_of(lesson)
    assert summary.count == len(ratings) == 9
    assert summary.total == sum(r.stars for r in ratings)
    for stars in range(1, 6):
        assert getattr(summary, f"stars_{stars}") == sum(1 for r in ratings if r.stars == stars)
    assert summary.review_count == sum(1 for r in ratings if r.review)


# --- concurrency (PostgreSQL: real row locks) -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_parallel_first_ratings_store_one_rating_and_exact_counts(baseline_data):
    from django.db import close_old_connections

    from tests.factories import course_with_lessons

    course, lessons = course_with_lessons(1, title="Parallel", slug="parallel")
    lesson = lessons[0]
    learner = UserFactory(username="racer")
    course_services.enrolment_create(user=learner, course=course)
    course_services.lesson_view(user=learner, lesson=lesson, course=course)
    others = [UserFactory(username=f"racer{i}") for i in range(6)]
    for person in others:
        course_services.enrolment_create(user=person, course=course)
        course_services.lesson_view(user=person, lesson=lesson, course=course)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def rate(person, stars):
        try:
            barrier.wait(timeout=10)
            services.rating_set(author=person, lesson=lesson, stars=stars, review=f"{stars} from {person.username}")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=rate, args=(learner, 3)), threading.Thread(target=rate, args=(learner, 5))]
    threads += [threading.Thread(target=rate, args=(person, 4)) for person in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Rating.objects.filter(author=learner).count() == 1
    summary = RatingSummary.objects.get(lesson=lesson)
    assert summary.count == 7
    assert summary.stars_4 == 6
    assert summary.stars_3 + summary.stars_5 == 1
    assert summary.total == sum(Rating.objects.filter(lesson=lesson).values_list("stars", flat=True))
    assert RatingSummary.objects.filter(lesson=lesson).count() == 1
