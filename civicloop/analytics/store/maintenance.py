# SQL is generated here by design: the only identifiers are the store's own tables.
# ruff: noqa: S608
"""Keeping event stores small and within policy: compaction and retention (the writer's side).

``store_compact_and_retain`` moves whole old UTC days from DuckDB into Parquet partitions
(``EventStore.compact``) and, when a retention is set, deletes events older than the cut-off
(rows in DuckDB and whole day partitions). The roll-ups are not recomputed: their per-unit
components keep what deleted events added (docs/operations.md, "Event store compaction and
retention"). The duplicate ledger keeps every event id, so a deleted event sent again is still
a duplicate. ``event_stores_maintain`` is the daily task that does it for every organisation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django_tasks import task

from civicloop.analytics.store import EventStore

logger = logging.getLogger(__name__)


@dataclass
class MaintenanceResult:
    compacted: int = 0  # events moved from DuckDB into Parquet
    deleted: int = 0  # events deleted for being older than the retention


def retention_cutoff(*, days: int, now: datetime | None = None) -> datetime:
    """Midnight UTC of the first day kept when events are kept for ``days`` days."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    first_day = (moment - timedelta(days=days)).date()
    return datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC)


def store_retain(store: EventStore, *, before: datetime) -> int:
    """Delete the events of ``store`` older than ``before`` (midnight UTC); return how many.

    DuckDB rows and the Parquet partitions of whole days before the cut-off go in one DuckDB
    transaction; the partition files are removed after it commits (a crash in between leaves
    files the store removes when next opened).
    """
    if before.tzinfo is None or before.astimezone(UTC).time() != datetime.min.time():
        raise ValueError("the retention cut-off is a midnight UTC")
    with store._write_lock:  # noqa: SLF001 - the store's own writer lock, in its package
        store.flush()
        con = store._connection()
        files = con.execute(
            "SELECT path, rows FROM parquet_files WHERE day < ?::DATE ORDER BY path",
            [before.date()],
        ).fetchall()
        con.execute("BEGIN TRANSACTION")
        try:
            (rows,) = con.execute(
                "SELECT COUNT(*) FROM events WHERE ts < ?::TIMESTAMPTZ", [before]
            ).fetchall()[0]
            con.execute("DELETE FROM events WHERE ts < ?::TIMESTAMPTZ", [before])
            con.execute("DELETE FROM parquet_files WHERE day < ?::DATE", [before.date()])
            store._refresh_view()  # noqa: SLF001 - the view over the remaining partitions
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        for path, _rows in files:
            (store.path / path).unlink(missing_ok=True)
    return int(rows) + sum(int(r) for _, r in files)


def store_compact_and_retain(
    store: EventStore,
    *,
    compact_after_days: int,
    retention_days: int | None,
    now: datetime | None = None,
) -> MaintenanceResult:
    """Compact days older than ``compact_after_days``; delete events past ``retention_days``."""
    result = MaintenanceResult()
    if retention_days is not None:
        result.deleted = store_retain(store, before=retention_cutoff(days=retention_days, now=now))
    result.compacted = store.compact(
        before=retention_cutoff(days=compact_after_days, now=now).date()
    )
    return result


def event_stores_maintain_all(*, now: datetime | None = None) -> dict[int, MaintenanceResult]:
    """Compaction and retention for every organisation's store (settings decide how much)."""
    from django.conf import settings

    from civicloop.analytics.services import event_stores

    retention: Any = getattr(settings, "CIVICLOOP_EVENT_RETENTION_DAYS", None)
    compact_after = int(getattr(settings, "CIVICLOOP_EVENT_COMPACT_AFTER_DAYS", 7))
    stores = event_stores()
    results = {}
    for organization_id in stores.organization_ids():
        try:
            results[organization_id] = store_compact_and_retain(
                stores.get(organization_id),
                compact_after_days=compact_after,
                retention_days=int(retention) if retention is not None else None,
                now=now,
            )
        except Exception:  # one store's failure never stops the others' maintenance
            logger.exception(
                "maintenance of the event store of organisation %s failed", organization_id
            )
            continue
        logger.info(
            "event store of organisation %s: %s events compacted, %s deleted (retention)",
            organization_id,
            results[organization_id].compacted,
            results[organization_id].deleted,
        )
    return results


@task()
def event_stores_maintain() -> dict[str, dict[str, int]]:
    """Daily: compact every organisation's event store and apply the retention setting."""
    return {
        str(org): {"compacted": r.compacted, "deleted": r.deleted}
        for org, r in event_stores_maintain_all().items()
    }
