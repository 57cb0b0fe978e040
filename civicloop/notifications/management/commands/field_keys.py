"""`civicloop field-keys generate|rotate`: the keys that encrypt webhook secrets at rest."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from civicloop.core import field_crypto
from civicloop.notifications import services


class Command(BaseCommand):
    help = (
        "Field encryption keys (CIVICLOOP_FIELD_KEYS): `field-keys generate` prints a new key; "
        "`field-keys rotate` re-encrypts every webhook secret with the first key."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate", help="Print a new Fernet key (not stored anywhere).")
        sub.add_parser("rotate", help="Re-encrypt every stored secret with the first key.")

    def handle(self, *args, action: str, **options):
        if action == "generate":
            key = field_crypto.generate_key()
            self.stderr.write(
                f"New field key {field_crypto.key_id(key)}. Put it FIRST in CIVICLOOP_FIELD_KEYS, "
                "keep the old keys after it, restart, then run `civicloop field-keys rotate`."
            )
            self.stdout.write(key)
            return
        changed, current = services.webhook_secrets_reencrypt()
        primary = field_crypto.configured_keys()[0].key_id
        self.stdout.write(
            f"Webhook secrets: {changed} re-encrypted, {current} already under key {primary}. "
            "The older keys can now leave CIVICLOOP_FIELD_KEYS."
        )
