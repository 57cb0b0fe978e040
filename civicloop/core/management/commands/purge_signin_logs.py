"""`manage.py purge_signin_logs`: delete sign-in records past their retention period."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from civicloop.core.services import signin_logs_purge


class Command(BaseCommand):
    help = (
        "Delete django-axes sign-in records (attempts, access and failure logs) older than "
        "CIVICLOOP_SIGNIN_LOG_RETENTION_DAYS."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help="Override the retention period (days)."
        )

    def handle(self, *args, days: int | None = None, **options) -> None:
        if days is not None and days < 0:
            self.stderr.write("--days must be 0 or more.")
            raise SystemExit(2)
        kept_days = settings.CIVICLOOP_SIGNIN_LOG_RETENTION_DAYS if days is None else days
        count = signin_logs_purge(days=days)
        self.stdout.write(f"Purged {count} sign-in records older than {kept_days} days.")
