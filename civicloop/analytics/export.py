# SQL is generated here by design: the only inlined literal is the staging path, quoted.
# ruff: noqa: S608
"""Export a unit's events as Hive-partitioned Parquet for a lake (Spark, Trino, DuckDB).

Layout under the destination::

    organization=<id>/date=YYYY-MM-DD/part-<uuid>.parquet

Columns: event_id, unit_id, name, ts (UTC), value, experiment, variant, properties (JSON text);
``organization`` and ``date`` are the partition columns (in the path, not the files). A day is
written to a staging directory first and then swapped in whole, so exporting again replaces the
days it covers instead of adding a second copy of them.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from civicloop.analytics.store import EventStore

COLUMNS = (
    "CAST(event_id AS VARCHAR) AS event_id, unit_id, name, ts, value, experiment, variant, "
    "properties, CAST(ts AS DATE) AS date"
)
BATCH_ROWS = 100_000


@dataclass(frozen=True)
class ExportResult:
    organization_id: int
    rows: int
    days: int
    path: Path


def events_export_store(
    store: EventStore, *, organization_id: int, destination: Path, since: date | None = None
) -> ExportResult:
    """Write one organisation's stored events (from ``since``, a UTC day) under ``destination``.

    Runs as the store's writer (it flushes the outbox first, so accepted events are included).
    """
    import duckdb

    store.flush()
    where, params = "", []
    if since is not None:
        where, params = "WHERE ts >= CAST(? AS DATE)", [since.isoformat()]
    reader = (
        store._connection()
        .sql(f"SELECT {COLUMNS} FROM {store.events_view} {where}", params=params)
        .to_arrow_reader(BATCH_ROWS)
    )
    target = destination / f"organization={organization_id}"
    staging = destination / f"_staging-{organization_id}-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    rows = 0
    try:
        # The store's own connection may not write outside its directory (locked down), so a
        # private in-memory DuckDB writes the partitions from the Arrow stream.
        writer = duckdb.connect()
        try:
            writer.execute("SET TimeZone = 'UTC'")
            writer.register("export_batch", reader)
            quoted = str(staging).replace("'", "''")
            writer.execute(
                f"COPY (SELECT * FROM export_batch) TO '{quoted}' (FORMAT PARQUET, "
                "PARTITION_BY (date), FILENAME_PATTERN 'part-{uuid}', OVERWRITE_OR_IGNORE)"
            )
        finally:
            writer.close()
        days = sorted(p for p in staging.iterdir() if p.name.startswith("date="))
        target.mkdir(parents=True, exist_ok=True)
        for day in days:
            final = target / day.name
            if final.exists():
                shutil.rmtree(final)
            day.rename(final)
        rows = _count(target, [d.name for d in days])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(organization_id, rows, len(days), target)


def _count(target: Path, day_names: list[str]) -> int:
    import duckdb

    if not day_names:
        return 0
    files = [str(p) for name in day_names for p in (target / name).glob("*.parquet")]
    con = duckdb.connect()
    try:
        row = con.execute("SELECT COUNT(*) FROM read_parquet(?)", [files]).fetchone()
    finally:
        con.close()
    return int(row[0]) if row else 0


def events_export(
    *, destination: Path, organization_ids: list[int] | None = None, since: date | None = None
) -> list[ExportResult]:
    """Export each organisation's store (all that have one, or those named); audited per unit."""
    from civicloop.analytics.services import AnalyticsEvent, event_store, event_stores
    from civicloop.core.audit import audit_record
    from civicloop.core.permissions import SYSTEM

    ids = event_stores().organization_ids() if organization_ids is None else organization_ids
    results = []
    for organization_id in ids:
        result = events_export_store(
            event_store(organization_id=organization_id),
            organization_id=organization_id,
            destination=destination,
            since=since,
        )
        audit_record(
            actor=SYSTEM,
            action=AnalyticsEvent.EVENTS_EXPORTED,
            organization=organization_id,
            metadata={
                "destination": str(destination),
                "since": since.isoformat() if since else None,
                "rows": result.rows,
                "days": result.days,
            },
        )
        results.append(result)
    return results
