"""`python manage.py fill_insights`: bring the dashboard aggregates up to date with the Statement store now."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from insights.dashboards.services import aggregates_fill, aggregates_reset


class Command(BaseCommand):
    help = (
        "Fold every statement stored since the last fill into the dashboard aggregates (resumable: stop it any "
        "time, it carries on from its high-water mark). --rebuild empties the aggregates and starts from the first "
        "statement."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=20_000, help="Statements per transaction.")
        parser.add_argument("--limit", type=int, default=None, help="Read at most this many statements.")
        parser.add_argument(
            "--lag", type=float, default=None, help="Leave statements stored less than this many seconds ago."
        )
        parser.add_argument("--rebuild", action="store_true", help="Recompute everything from the first statement.")

    def handle(self, *args, batch_size: int, limit: int | None, lag: float | None, rebuild: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        if lag is not None and lag < 0:
            raise CommandError("--lag cannot be negative.")
        if rebuild:
            aggregates_reset()
            self.stdout.write("Emptied the dashboard aggregates.")
        report = aggregates_fill(
            batch_size=batch_size, limit=limit, lag=timedelta(seconds=lag) if lag is not None else None
        )
        rate = report.statements / report.seconds if report.seconds else 0
        self.stdout.write(
            f"Filled {report.statements} statements ({report.voided} voided ones subtracted) in {report.batches} "
            f"batches, {report.seconds:.2f} s ({rate:,.0f}/s). Up to date until {report.stored or 'unchanged'}."
        )
