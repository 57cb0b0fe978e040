from pathlib import Path
from typing import TextIO, cast

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from civicloop.analytics import services
from civicloop.analytics.store import StoreBusy
from civicloop.core.models import Organization

# How long the import waits for a worker that is writing the same store before leaving the
# events in the outbox for the worker's next flush.
FLUSH_WAIT_SECONDS = 60.0


class Command(BaseCommand):
    help = (
        "Import service events from CSV (.csv, comma-separated), JSON lines (.jsonl, .ndjson) "
        "or Parquet (.parquet) with the API's fields (event_id, unit_id, name, timestamp, "
        "value, properties) into the event store of the unit named by --org. Idempotent by "
        "event_id within that unit: importing a file twice adds nothing. Safe while the worker "
        "runs: rows go through the store's outbox like the API's batches, and are written "
        "under the store's writer lock. Exits with status 1 when any row was rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="the events file")
        parser.add_argument(
            "--org",
            required=True,
            metavar="SLUG",
            help="slug of the transformation unit the events belong to",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, file: str, org: str, no_progress: bool = False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"FILE: '{file}' does not exist or is not a file.")
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"--org: no organisation with slug '{org}'.")
        from tqdm import tqdm

        # OutputWrapper forwards _out via __getattr__, so the stubs type it as a callable.
        out = cast("TextIO", self.stderr._out)
        bar = tqdm(total=None, unit="rows", disable=no_progress, file=out)

        def progress(done: int, total: int | None) -> None:
            if total is not None and bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

        try:
            result = services.events_import(
                path=path, organization=organization, progress=progress, flush=False
            )
        except ValidationError as error:
            raise CommandError(f"--org: {' '.join(error.messages)}") from error
        except ValueError as error:
            raise CommandError(str(error)) from error
        finally:
            bar.close()
        self.stdout.write(
            f"{organization.slug}: accepted {result.accepted}, duplicates {result.duplicates}, "
            f"rejected {result.rejected_count}"
        )
        self._flush(organization)
        for row, reason in result.rejected[:20]:
            self.stdout.write(f"  row {row}: {reason}")
        if result.rejected_count > 20:
            self.stdout.write(f"  … and {result.rejected_count - 20} more")
        if result.rejected_count:
            raise CommandError(
                f"{result.rejected_count} rows were rejected (listed above); the other rows "
                "were imported. Correct those rows and import the file again: rows already "
                "imported count as duplicates."
            )

    def _flush(self, organization: Organization) -> None:
        """Write the outbox into DuckDB, unless a worker keeps the store busy (it then does)."""
        store = services.event_store(organization_id=organization.pk)
        previous, store.lock_timeout = store.lock_timeout, FLUSH_WAIT_SECONDS
        try:
            store.flush()
        except StoreBusy:
            self.stdout.write(
                f"{organization.slug}: the worker is writing this store; it writes the "
                f"{store.outbox.backlog()} waiting events at its next flush (every minute)."
            )
        finally:
            store.lock_timeout = previous
            store.release()
