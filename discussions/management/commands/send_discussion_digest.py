"""`manage.py send_discussion_digest`: send the daily discussion digests now (Celery beat runs it daily)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from discussions.tasks import send_daily_digests


class Command(BaseCommand):
    help = "E-mail each person on the daily digest the discussion notifications they have not been sent yet."

    def handle(self, *args, **options) -> None:
        sent = send_daily_digests()
        self.stdout.write(self.style.SUCCESS(f"Sent {sent} digest e-mail{'s' if sent != 1 else ''}."))
