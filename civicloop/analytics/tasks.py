"""Background work of the analytics app (django-tasks; `civicloop worker` runs it)."""

from __future__ import annotations

from django_tasks import task

from civicloop.analytics import services


@task()
def events_flush() -> int:
    """Flush the durable outbox into DuckDB (roll-ups are updated in the same transaction)."""
    return services.events_flush()
