"""`manage.py seed_demo`: the demo courses, people and activity that `make run` starts with. Idempotent."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from home.demo import people
from home.demo.steps import STEPS, SeedContext

# Page saves and their inline search/reference-index tasks log a line each at INFO: hundreds per run.
NOISY_LOGGERS = ("wagtail", "django_tasks", "django.tasks", "modelsearch")


@contextmanager
def quiet_loggers(*names: str, level: int = logging.WARNING) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(level, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        for logger, previous in zip(loggers, levels, strict=True):
            logger.setLevel(previous)


class Command(BaseCommand):
    help = "Create the demo courses, accounts and six weeks of learner activity. Safe to run again."

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        context = SeedContext(anchor=timezone.now().replace(microsecond=0))
        results = []
        self.stdout.write("Seeding the Guild demo…")
        with quiet_loggers(*NOISY_LOGGERS):
            for step in STEPS:
                step_started = time.monotonic()
                result = step(context)
                results.append(result)
                self.stdout.write(f"  {result.describe()} [{time.monotonic() - step_started:.1f}s]")
        elapsed = time.monotonic() - started
        if any(result.changed for result in results):
            self.stdout.write(self.style.SUCCESS(f"Guild demo seeded in {elapsed:.1f}s."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Guild demo already present: nothing to do ({elapsed:.1f}s)."))
        self.write_logins()

    def write_logins(self) -> None:
        rows = [("Username", "Password", "Role", "Name")]
        rows += [
            (p.username, people.PASSWORD, p.role, f"{p.first_name} {p.last_name}, {p.job_title}") for p in people.PEOPLE
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        self.stdout.write("")
        self.stdout.write("Demo logins:")
        for index, (username, password, role, name) in enumerate(rows):
            line = f"  {username:<{widths[0]}}  {password:<{widths[1]}}  {role:<{widths[2]}}  {name}"
            self.stdout.write(self.style.MIGRATE_HEADING(line) if index == 0 else line)
        self.stdout.write("")
        site = settings.WAGTAILADMIN_BASE_URL
        self.stdout.write(f"Site:  {site}/")
        self.stdout.write(f"Admin: {site}/admin/")
