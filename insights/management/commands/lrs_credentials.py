"""`lrs_credentials create NAME [--scope read|write|all]`, `lrs_credentials list`, `lrs_credentials revoke KEY`.

The secret is printed once at creation and never stored in clear (see insights/lrs/auth.py).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.lrs.auth import lrs_credential_create, lrs_credential_revoke
from insights.models import LRSCredential, LRSScope


class Command(BaseCommand):
    help = "Create, list or revoke HTTP Basic credentials for xAPI clients of the embedded LRS (/xapi/)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a credential and print its key and secret")
        create.add_argument("name")
        create.add_argument("--scope", choices=LRSScope.values, default=LRSScope.ALL)
        sub.add_parser("list", help="list credentials")
        revoke = sub.add_parser("revoke", help="revoke a credential by key")
        revoke.add_argument("key")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            credential, secret = lrs_credential_create(name=options["name"], scope=options["scope"])
            self.stdout.write(f"name:   {credential.name}")
            self.stdout.write(f"scope:  {credential.scope}")
            self.stdout.write(f"key:    {credential.key}")
            self.stdout.write(f"secret: {secret}")
            self.stdout.write("Use them as HTTP Basic username and password on /xapi/. The secret is not shown again.")
        elif action == "list":
            for credential in LRSCredential.objects.order_by("created"):
                state = f"revoked {credential.revoked:%Y-%m-%d %H:%M}" if credential.revoked else "active"
                self.stdout.write(f"{credential.key}  {credential.scope:<5}  {state:<24}  {credential.name}")
        else:
            credential = LRSCredential.objects.filter(key=options["key"]).first()
            if credential is None:
                raise CommandError(f"no credential with key {options['key']!r}")
            lrs_credential_revoke(credential=credential)
            self.stdout.write(f"revoked {credential.key} ({credential.name})")
