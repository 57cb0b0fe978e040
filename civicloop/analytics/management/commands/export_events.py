from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicloop.core.models import Organization


class Command(BaseCommand):
    help = (
        "Write each unit's events as Hive-partitioned Parquet under DIR "
        "(organization=<id>/date=YYYY-MM-DD/part-*.parquet), which Spark, Trino and DuckDB "
        "read directly. Exporting again replaces the days it covers. Run it where the worker "
        "runs, or with the worker stopped (it reads each unit's event store as its writer)."
    )

    def add_arguments(self, parser):
        parser.add_argument("dir", metavar="DIR")
        parser.add_argument("--org", metavar="SLUG", help="only this unit (default: every unit)")
        parser.add_argument(
            "--since", metavar="DATE", help="only events from this UTC day on (YYYY-MM-DD)"
        )

    def handle(self, *args, dir: str, org: str | None = None, since: str | None = None, **opts):
        from civicloop.analytics.export import events_export

        ids = None
        if org:
            organization = Organization.objects.filter(slug=org).first()
            if organization is None:
                raise CommandError(f"--org: no organisation with slug '{org}'.")
            ids = [organization.pk]
        day = None
        if since:
            try:
                day = date.fromisoformat(since)
            except ValueError as error:
                raise CommandError(f"--since: '{since}' is not a date (YYYY-MM-DD).") from error
        destination = Path(dir)
        if destination.exists() and not destination.is_dir():
            raise CommandError(f"DIR: '{dir}' exists and is not a directory.")
        destination.mkdir(parents=True, exist_ok=True)
        try:
            results = events_export(destination=destination, organization_ids=ids, since=day)
        except OSError as error:
            raise CommandError(str(error)) from error
        for result in results:
            self.stdout.write(
                f"organization={result.organization_id}: {result.rows} events, "
                f"{result.days} days -> {result.path}"
            )
        if not results:
            self.stdout.write("No event store to export.")
