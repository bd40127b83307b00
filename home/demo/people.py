"""The demo's people: staff roles and 21 learners, all with the password `guild-demo`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import time_machine
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import User
from accounts.services import user_create

PASSWORD = "guild-demo"  # noqa: S105 (the published demo password)
EMAIL_DOMAIN = "guild.example"


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    job_title: str
    team: str
    role: str
    groups: tuple[str, ...] = ()
    superuser: bool = False


STAFF = (
    Person(
        "admin",
        "Priya",
        "Raman",
        "Digital Workplace Lead",
        "Digital Workplace",
        "Administrator",
        groups=("Moderators",),
        superuser=True,
    ),
    Person("author", "Amira", "Haddad", "Learning Designer", "Learning & Development", "Author", groups=("Authors",)),
    Person(
        "author2", "Daniel", "Okonkwo", "Data Protection Officer", "Legal & Compliance", "Author", groups=("Authors",)
    ),
    Person(
        "moderator",
        "Sofía",
        "Martínez",
        "Community Manager",
        "Internal Communications",
        "Moderator",
        groups=("Moderators",),
    ),
    Person("analyst", "Wei", "Chen", "Learning Analyst", "People Analytics", "Analyst", groups=("Analysts",)),
)

LEARNERS = (
    Person("learner", "Jordan", "Ellis", "Account Manager", "Sales", "Learner"),
    Person("learner01", "Aisha", "Bello", "Customer Success Manager", "Customer Success", "Learner"),
    Person("learner02", "Tom", "Fletcher", "Software Engineer", "Engineering", "Learner"),
    Person("learner03", "Mei Lin", "Tan", "Product Manager", "Product", "Learner"),
    Person("learner04", "Oluwaseun", "Adeyemi", "Finance Analyst", "Finance", "Learner"),
    Person("learner05", "Hannah", "Schmidt", "HR Business Partner", "People", "Learner"),
    Person("learner06", "Rahul", "Mehta", "Data Engineer", "Data Platform", "Learner"),
    Person("learner07", "Grace", "O'Connor", "Marketing Executive", "Marketing", "Learner"),
    Person("learner08", "Mateus", "Oliveira", "UX Designer", "Design", "Learner"),
    Person("learner09", "Fatima Zahra", "El Amrani", "Operations Coordinator", "Operations", "Learner"),
    Person("learner10", "James", "Whitfield", "Regional Sales Director", "Sales", "Learner"),
    Person("learner11", "Yuki", "Tanaka", "Content Designer", "Digital", "Learner"),
    Person("learner12", "Chidi", "Nwosu", "IT Support Analyst", "IT Service Desk", "Learner"),
    Person("learner13", "Lucy", "Brennan", "Project Manager", "Programme Office", "Learner"),
    Person("learner14", "Arjun", "Kapoor", "Solicitor", "Legal & Compliance", "Learner"),
    Person("learner15", "Zofia", "Kowalska", "Recruitment Partner", "Talent Acquisition", "Learner"),
    Person("learner16", "Kofi", "Asante", "Team Leader", "Customer Service", "Learner"),
    Person("learner17", "Elena", "Rossi", "Procurement Specialist", "Procurement", "Learner"),
    Person("learner18", "Samir", "Haddou", "Security Engineer", "Information Security", "Learner"),
    Person("learner19", "Niamh", "Gallagher", "Office Manager", "Workplace & Facilities", "Learner"),
    Person("learner20", "Ibrahim", "Yusuf", "Graduate Analyst", "Strategy", "Learner"),
)

PEOPLE = STAFF + LEARNERS
USERNAMES = tuple(person.username for person in PEOPLE)


def ensure_person(person: Person, *, joined: datetime, password_hash: str) -> tuple[User, bool]:
    """The person's account, created (back-dated to `joined`) if missing; an existing account is left alone.

    `password_hash` is `make_password(PASSWORD)`, computed once per run: hashing the same password 26
    times would cost about as long as the rest of the seed put together.
    """
    existing = User.objects.filter(username=person.username).first()
    if existing is not None:
        return existing, False
    with transaction.atomic(), time_machine.travel(joined, tick=False):
        user = user_create(
            username=person.username,
            password=None,  # unusable until set below, without paying for a second hash
            email=f"{person.username}@{EMAIL_DOMAIN}",
            first_name=person.first_name,
            last_name=person.last_name,
        )
        # user_create takes no profile or staff fields yet; set them on the row it just made.
        user.password = password_hash
        user.job_title, user.team = person.job_title, person.team
        user.is_staff = user.is_superuser = person.superuser
        user.save(update_fields=["password", "job_title", "team", "is_staff", "is_superuser"])
        if person.groups:
            user.groups.add(*Group.objects.filter(name__in=person.groups))
    return user, True


def joined_at(anchor: datetime, index: int) -> datetime:
    """Staff joined first, learners over the following days: all before anything was published."""
    return anchor - timedelta(days=70) + timedelta(hours=7 * index)
