"""`python manage.py route_questions`: route unanswered questions to people who may know, now."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from discussions.services import questions_route_due


class Command(BaseCommand):
    help = (
        "Route questions unanswered for ROUTING_HELPERS_AFTER_HOURS to the people who know their lesson best, "
        "and after ROUTING_AUTHORS_AFTER_HOURS more to the course's authors (daily cap ROUTING_DAILY_CAP per "
        "person). Safe to re-run: nobody is asked about the same question twice. Also a Celery beat task."
    )

    def handle(self, *args, **options) -> None:
        report = questions_route_due()
        self.stdout.write(f"Routed {report.questions} question(s) to {report.routes} person(s).")
