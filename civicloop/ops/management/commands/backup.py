"""`civicloop backup DIR`: database, event stores, uploaded files and sealing key ids."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from civicloop.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write a backup into DIR (new or empty): the database, every organisation's event "
        "store, uploaded files and the sealing keys' ids (never the keys), with manifest.json "
        "holding a SHA-256 of every file. Run it with the worker stopped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", help="Where to write the backup (new or empty).")

    def handle(self, *args, directory: str, **options) -> None:
        try:
            result = backup_create(
                target=directory, progress=lambda step: self.stderr.write(f"backing up {step}")
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        rows = sum(manifest["database"]["tables"].values())
        events = sum(s["events"] + s["outbox_backlog"] for s in manifest["event_stores"].values())
        self.stdout.write(
            f"Backup written to {result.path}: {rows} rows in "
            f"{len(manifest['database']['tables'])} tables, {events} events in "
            f"{len(manifest['event_stores'])} stores, {len(manifest['files'])} files."
        )
