"""`manage.py purge_feedback`: delete responses past their survey's retention period."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from civicloop.feedback.services import responses_purge_expired


class Command(BaseCommand):
    help = "Delete feedback responses older than their survey's retention period."

    def handle(self, *args, **options) -> None:
        count = responses_purge_expired()
        self.stdout.write(f"Purged {count} responses past their retention period.")
