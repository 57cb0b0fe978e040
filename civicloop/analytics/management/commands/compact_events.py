"""`civicloop compact_events`: compact every event store and apply the retention setting."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from civicloop.analytics.store.maintenance import event_stores_maintain_all


class Command(BaseCommand):
    help = (
        "Move whole days older than CIVICLOOP_EVENT_COMPACT_AFTER_DAYS into Parquet files and "
        "delete events older than CIVICLOOP_EVENT_RETENTION_DAYS (when set) in every "
        "organisation's event store. The worker does it daily; run this with the worker "
        "stopped."
    )

    def handle(self, *args, **options) -> None:
        results = event_stores_maintain_all()
        retention = settings.CIVICLOOP_EVENT_RETENTION_DAYS
        for organization_id, result in results.items():
            self.stdout.write(
                f"organisation {organization_id}: {result.compacted} events compacted, "
                f"{result.deleted} deleted"
                + (f" (older than {retention} days)" if retention is not None else "")
            )
        if not results:
            self.stdout.write("No event store to compact.")
