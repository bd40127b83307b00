"""`python manage.py refresh_expertise [--full]`: bring the "who knows this" scores up to date now."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from insights.experts import expertise_refresh


class Command(BaseCommand):
    help = (
        "Recompute the expert finder's scores from the Statement store: by default only the courses with "
        "statements stored since the last run; --full recomputes every course and tag and drops stale rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Recompute everything, not just what changed.")

    def handle(self, *args, full: bool, **options) -> None:
        report = expertise_refresh(full=full)
        self.stdout.write(
            f"Recomputed {report.courses} course(s) and {report.tags} tag(s): {report.rows} score rows "
            f"(statements up to {report.high_water.isoformat() if report.high_water else 'none yet'})."
        )
