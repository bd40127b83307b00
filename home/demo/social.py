"""The demo's social layer: bios on profiles, and who follows whom, so the stream and profiles look alive.

Everything goes through the services (`profile_update`, `follow_create`), back-dated with
time_machine so the follow statements sit inside the demo's six weeks. Idempotent: a bio is only
written when the profile has none, and following again is a no-op that records nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import time_machine
from taggit.models import Tag

from accounts.models import User
from accounts.services import profile_update
from courses.models import CoursePage
from discussions.services import DiscussionError, follow_create

BIOS = {
    "admin": "I look after our digital workplace: the tools, the intranet and now Guild. Tell me what's missing.",
    "author": "Learning designer. I write the meetings and feedback courses and read every question on them.",
    "author2": "Data Protection Officer. If you're unsure whether you can share something, ask me before, not after.",
    "moderator": "Community manager. I keep the discussions friendly and useful; flag anything that isn't.",
    "analyst": "I turn Guild's learning records into dashboards for the L&D team.",
    "learner": "Account manager in Sales. Trying to run shorter meetings and write e-mails people actually read.",
    "learner01": "Customer success. Happy to share the templates I use for quarterly reviews.",
    "learner02": "Backend engineer. Ask me about logs, retention and anything that smells of personal data in code.",
    "learner03": "Product manager: roadmaps, discovery interviews, and too many meetings.",
    "learner05": "HR business partner. Feedback conversations are my day job; I still learn something every week.",
    "learner08": "UX designer. Plain language and accessible content are my favourite topics.",
    "learner11": "Content designer on the digital team. I edit the style guide, so blame me for the Oxford comma.",
    "learner13": "Project manager. Agendas, RACI charts and decision logs.",
    "learner14": "Solicitor in Legal & Compliance: contracts, GDPR and records retention.",
    "learner18": "Security engineer. Phishing, passwords and what to do when you clicked the link anyway.",
}

# Who follows whom: the demo login follows a few colleagues, a course and a topic; learners follow
# two or three colleagues each (chosen by position, so reruns pick the same people).
LEARNER_FOLLOWS = {"learner": ("learner11", "learner02", "learner05", "learner08", "author", "learner14")}
FOLLOW_OFFSETS = (1, 4, 9)
TOPIC_FOR_LEARNER = ("writing", "meetings", "privacy", "feedback")


def seed_social(anchor: datetime, users: dict[str, User]) -> Counter[str]:
    created: Counter[str] = Counter()
    for username, bio in BIOS.items():
        user = users.get(username)
        if user is None or user.bio:
            continue
        profile_update(
            user=user, first_name=user.first_name, last_name=user.last_name, email=user.email,
            job_title=user.job_title, team=user.team, bio=bio,
        )  # fmt: skip
        user.bio = bio
        created["profile bios"] += 1
    learners = sorted((u for name, u in users.items() if name.startswith("learner")), key=lambda u: u.username)
    moment = anchor - timedelta(days=20)
    for index, follower in enumerate(learners):
        targets: list = [users[name] for name in LEARNER_FOLLOWS.get(follower.username, ()) if name in users]
        targets += [learners[(index + offset) % len(learners)] for offset in FOLLOW_OFFSETS]
        tag = Tag.objects.filter(slug=TOPIC_FOR_LEARNER[index % len(TOPIC_FOR_LEARNER)]).first()
        if tag is not None:
            targets.append(tag)
        if follower.username == "learner":
            course = CoursePage.objects.live().filter(slug="data-privacy-at-work").first()
            if course is not None:
                targets.append(course)
        for number, target in enumerate(dict.fromkeys(targets)):
            if target == follower:
                continue
            created["follows"] += _follow(follower, target, moment + timedelta(hours=index * 5 + number))
    return created


def _follow(follower: User, target, moment: datetime) -> int:
    from discussions.models import Follow

    before = Follow.objects.filter(follower=follower).count()
    try:
        with time_machine.travel(moment, tick=False):
            follow_create(follower=follower, target=target)
    except DiscussionError:
        return 0
    return Follow.objects.filter(follower=follower).count() - before
