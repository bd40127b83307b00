"""The bench generator's discussions hang together, so the bench exercises the social and question aggregates.

Each reply answers a thread posted before it, accepts come from the thread's asker, votes, edits and
flags point at earlier posts, routes follow a day without an answer; the fill then finds exactly the
helper edges, answered threads and routed questions the statements describe.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Count, Q, Sum

from bench.generate_statements import ROUTE_AFTER, generate_statements
from insights.dashboards.services import aggregates_fill
from insights.models import HelperEdge, Statement, ThreadFact
from insights.xapi import vocabulary as xapi
from insights.xapi.agents import agent_key

pytestmark = pytest.mark.django_db

KEYS = {verb.iri: verb.key for verb in xapi.VERBS}


def generate() -> list[Statement]:
    # A minute between statements: 3,000 span two days, so questions wait long enough to be routed.
    generate_statements(3000, users=12, courses=2, lessons_per_course=3, batch_size=700,
                        interval=timedelta(minutes=1))  # fmt: skip
    return list(Statement.objects.order_by("stored", "id"))


def story(statements: list[Statement]) -> dict:
    """Replay the discussion statements, asserting that each points at what came before it."""
    threads: dict[str, dict] = {}
    replies: dict[str, dict] = {}
    kinds: Counter[str] = Counter()
    for statement in statements:
        key = KEYS.get(statement.verb)
        data = statement.data
        if key not in ("posted", "accepted", "voted-up", "edited", "flag-as-inappropriate", "routed"):
            continue
        kinds[key] += 1
        activity_type = data["object"]["definition"]["type"]
        parent = data["context"]["contextActivities"]["parent"][0]["id"]
        if key == "posted" and activity_type == xapi.THREAD.iri:
            assert statement.object_id not in threads
            assert parent == statement.lesson_iri
            threads[statement.object_id] = {"asker": statement.actor_key, "at": statement.timestamp,
                                            "lesson": statement.lesson_iri, "course": statement.course_iri,
                                            "answered": False, "accepted": False, "routed": False}  # fmt: skip
            continue
        if key == "posted":
            thread = threads[parent]  # a thread posted earlier in this run
            assert statement.timestamp > thread["at"]
            assert (statement.lesson_iri, statement.course_iri) == (thread["lesson"], thread["course"])
            replies[statement.object_id] = {"author": statement.actor_key, "thread": parent,
                                            "at": statement.timestamp, "voided": statement.voided}  # fmt: skip
            thread["answered"] |= statement.actor_key != thread["asker"]
        elif key == "accepted":
            reply = replies[statement.object_id]
            thread = threads[reply["thread"]]
            assert parent == reply["thread"]
            assert statement.actor_key == thread["asker"] != reply["author"]
            assert statement.timestamp > reply["at"]
            assert not thread["accepted"]
            thread["accepted"] = True
        elif key == "routed":
            thread = threads[statement.object_id]
            assert statement.actor_key == thread["asker"]
            assert statement.timestamp - thread["at"] >= ROUTE_AFTER - timedelta(seconds=5)
            assert not thread["answered"]
            assert not thread["routed"]
            routed_to = data["context"]["extensions"][xapi.ROUTED_TO.iri]
            assert agent_key({"account": routed_to}) != thread["asker"]
            thread["routed"] = True
        else:
            post = threads.get(statement.object_id) or replies[statement.object_id]
            author = post.get("asker") or post["author"]
            assert (statement.actor_key == author) == (key == "edited")
            assert statement.timestamp > post["at"]
    return {"threads": threads, "replies": replies, "kinds": kinds}


def test_discussions_point_at_earlier_posts_by_the_right_people():
    told = story(generate())

    kinds = told["kinds"]
    assert min(kinds[key] for key in ("accepted", "voted-up", "edited", "flag-as-inappropriate", "routed")) >= 3
    assert len(told["threads"]) >= 50
    assert len(told["replies"]) >= 50
    threads = told["threads"].values()
    assert sum(thread["answered"] for thread in threads) >= len(threads) / 3
    assert sum(not thread["answered"] for thread in threads) >= 3  # some questions are left unanswered


def test_the_fill_finds_the_helpers_answers_and_routes_the_statements_tell():
    statements = generate()
    told = story(statements)
    aggregates_fill(lag=timedelta(0))

    threads, replies = told["threads"], told["replies"]
    answers = sum(
        1 for reply in replies.values() if not reply["voided"] and reply["author"] != threads[reply["thread"]]["asker"]
    )
    accepted = sum(1 for s in statements if KEYS.get(s.verb) == "accepted" and not s.voided)
    edges = HelperEdge.objects.aggregate(answers=Sum("answers"), accepted=Sum("accepted"))
    assert edges == {"answers": answers, "accepted": accepted}
    assert answers > 0
    assert accepted > 0
    facts = ThreadFact.objects.aggregate(
        threads=Count("pk"),
        without_asker=Count("pk", filter=Q(asker_key="")),
        routed=Count("pk", filter=Q(routed_at__isnull=False)),
        accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
    )
    assert facts == {
        "threads": len(threads),
        "without_asker": 0,
        "routed": sum(thread["routed"] for thread in threads.values()),
        "accepted": accepted,
    }
    assert facts["routed"] > 0


def test_generation_is_deterministic():
    first = [(s.verb, s.actor_key, s.object_id, s.timestamp, s.voided) for s in generate()]
    Statement.objects.all().delete()
    assert [(s.verb, s.actor_key, s.object_id, s.timestamp, s.voided) for s in generate()] == first
