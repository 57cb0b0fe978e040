"""`civicloop restore DIR`: restore a backup into an empty installation."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from civicloop.ops.backup import BackupError, backup_restore, missing_sealing_keys


class Command(BaseCommand):
    help = (
        "Restore the backup in DIR (written by `civicloop backup`) after checking every "
        "file's checksum. Refuses a database or event store that holds data unless --force. "
        "Run it with the web server and the worker stopped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", help="The backup directory (holds manifest.json).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the data of a non-empty installation.",
        )

    def handle(self, *args, directory: str, force: bool = False, **options) -> None:
        try:
            manifest = backup_restore(
                source=directory,
                force=force,
                progress=lambda step: self.stderr.write(f"restoring {step}"),
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']} "
            f"({manifest['database']['engine']} database, "
            f"{len(manifest['event_stores'])} event stores)."
        )
        missing = missing_sealing_keys(manifest)
        if missing:
            self.stderr.write(
                "Sealed proposals need the sealing keys "
                + ", ".join(missing)
                + ": add them to CIVICLOOP_SEALING_KEYS (docs/operations.md, 'Sealing keys')."
            )
