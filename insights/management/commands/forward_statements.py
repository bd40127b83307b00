"""`python manage.py forward_statements`: send everything not yet delivered to the external LRS now."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from insights import forwarding


class Command(BaseCommand):
    help = (
        "Send every pending statement to the external LRS (XAPI_LRS_ENDPOINT) now, in batches, and report "
        "delivered, rejected and still-pending counts. Exits non-zero when forwarding is not configured or the "
        "LRS failed before the backlog was empty."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=None, help="Statements per POST (XAPI_FORWARD_BATCH_SIZE)."
        )
        parser.add_argument("--limit", type=int, default=None, help="Send at most this many statements.")
        parser.add_argument(
            "--retry-rejected",
            action="store_true",
            help="Put statements the LRS rejected back in the queue first (after fixing the LRS or its config).",
        )

    def handle(self, *args, batch_size: int | None, limit: int | None, retry_rejected: bool, **options) -> None:
        if not forwarding.forwarding_enabled():
            raise CommandError(
                "Forwarding is not configured: set XAPI_LRS_ENDPOINT (and XAPI_LRS_KEY, XAPI_LRS_SECRET) "
                "to the external LRS's xAPI endpoint."
            )
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        self.stdout.write(f"Forwarding statements to {forwarding.statements_url()}")
        if retry_rejected:
            self.stdout.write(f"Requeued {forwarding.reset_rejected()} rejected statements.")
        report = forwarding.forward_pending(limit=limit, batch_size=batch_size)
        backlog = forwarding.forwarding_backlog()
        self.stdout.write(f"Delivered now: {report.delivered}")
        self.stdout.write(f"Rejected now: {report.rejected}")
        self.stdout.write(f"Still pending: {backlog.pending}")
        self.stdout.write(f"Rejected in all: {backlog.rejected}")
        self.stdout.write(f"Delivered in all: {backlog.delivered}")
        self.stdout.write(f"Requests: {report.requests} in {report.batches} batches")
        self.stdout.write(f"Last error: {report.last_error or backlog.last_error or '-'}")
        if report.failed:
            raise CommandError(
                f"The LRS failed: {report.failed} statements were not delivered and stay pending "
                f"({report.last_error}). Run the command again once the LRS is back."
            )
        if report.rejected:
            self.stdout.write(self.style.WARNING(f"{report.rejected} statements were rejected by the LRS."))
        else:
            self.stdout.write(self.style.SUCCESS("Done."))
