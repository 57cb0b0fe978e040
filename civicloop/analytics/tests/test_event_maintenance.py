"""Event store compaction and retention (civicloop/analytics/store/maintenance.py)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils.module_loading import import_string

from civicloop.analytics import services
from civicloop.analytics.engine import EventStore
from civicloop.analytics.store.maintenance import (
    retention_cutoff,
    store_compact_and_retain,
    store_retain,
)
from civicloop.analytics.tests._data import METRICS, START, make_events


def _timestamps(store: EventStore) -> list[datetime]:
    rows = store._connection().execute("SELECT ts FROM all_events ORDER BY ts").fetchall()
    return [r[0] for r in rows]


def test_the_cutoff_is_midnight_utc_days_before_now():
    now = datetime(2026, 5, 1, 0, 30, tzinfo=UTC)
    assert retention_cutoff(days=30, now=now) == datetime(2026, 4, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="midnight UTC"):
        store_retain(EventStore.__new__(EventStore), before=datetime(2026, 4, 1, 5, tzinfo=UTC))


def test_retention_deletes_old_events_from_duckdb_and_parquet_and_roll_ups_keep_totals(
    tmp_path,
):
    from civicloop.analytics.engine import variant_statistics

    events = make_events(5, units=40)  # exposures and outcomes over about 3 weeks from START
    now = START + timedelta(days=40)
    store = EventStore(tmp_path / "s", max_backlog=10**6, clock=lambda: now)
    for first in range(0, len(events), 1000):
        store.accept(events[first : first + 1000])
    store.flush()
    results_before = variant_statistics(store, "exp", METRICS)
    # Days older than 25 days (before START+15) go to Parquet; then a retention of 29 days
    # deletes what is before START+11, in Parquet partitions and in DuckDB alike.
    result = store_compact_and_retain(store, compact_after_days=25, retention_days=None, now=now)
    assert result.compacted > 0
    assert result.deleted == 0
    cutoff = retention_cutoff(days=29, now=now)
    expected_deleted = sum(datetime.fromisoformat(e["timestamp"]) < cutoff for e in events)
    assert 0 < expected_deleted < len(events)
    result = store_compact_and_retain(store, compact_after_days=25, retention_days=29, now=now)
    assert result.deleted == expected_deleted
    assert store.count() == len(events) - expected_deleted
    assert min(_timestamps(store)) >= cutoff
    days = sorted(p.parent.name for p in (tmp_path / "s" / "parquet").glob("*/*.parquet"))
    assert days
    assert all(day >= f"date={cutoff.date().isoformat()}" for day in days)
    listed = store._connection().execute("SELECT COUNT(*) FROM parquet_files").fetchall()[0][0]
    assert listed == len(days)
    # The roll-ups were not recomputed: the results they give are those before the deletion.
    assert variant_statistics(store, "exp", METRICS) == results_before
    # The duplicate ledger remembers deleted events: sending one again stores nothing.
    old = [e for e in events if datetime.fromisoformat(e["timestamp"]) < cutoff][:5]
    assert store.accept(old).duplicates == len(old)
    # A second run has nothing left to delete; the store reopens with the same events.
    assert store_retain(store, before=cutoff) == 0
    store.close()
    reopened = EventStore(tmp_path / "s")
    assert reopened.count() == len(events) - expected_deleted
    reopened.close()


def test_the_daily_task_is_scheduled_and_applies_the_settings(db, settings, tmp_path, world):
    path = "civicloop.analytics.store.maintenance.event_stores_maintain"
    assert (24 * 3600, path) in django_settings.CIVICLOOP_SCHEDULE
    settings.CIVICLOOP = {**settings.CIVICLOOP, "EVENT_STORE_DIR": str(tmp_path / "events")}
    services.event_store_close()
    store = services.event_store(organization_id=world.unit.pk)
    events = make_events(6, units=10)
    store.accept(events)
    store.flush()
    settings.CIVICLOOP_EVENT_RETENTION_DAYS = None
    settings.CIVICLOOP_EVENT_COMPACT_AFTER_DAYS = 7
    # START is in March 2026: every day is older than a week, nothing older than the retention.
    outcome = import_string(path).enqueue().return_value
    assert outcome[str(world.unit.pk)]["compacted"] == len(events)
    assert outcome[str(world.unit.pk)]["deleted"] == 0
    settings.CIVICLOOP_EVENT_RETENTION_DAYS = 1
    out = io.StringIO()
    call_command("compact_events", stdout=out)
    assert f"organisation {world.unit.pk}: 0 events compacted, {len(events)} deleted" in (
        out.getvalue()
    )
    assert services.event_store(organization_id=world.unit.pk).count() == 0
    services.event_store_close()


def test_retention_deletes_events_not_yet_compacted(tmp_path):
    events = make_events(7, units=20)
    store = EventStore(
        tmp_path / "hot", max_backlog=10**6, clock=lambda: START + timedelta(days=30)
    )
    store.accept(events)  # still in the outbox: retention flushes it first
    cutoff = datetime(START.year, START.month, START.day + 5, tzinfo=UTC)
    expected = sum(datetime.fromisoformat(e["timestamp"]) < cutoff for e in events)
    assert 0 < expected < len(events)
    assert store_retain(store, before=cutoff) == expected
    assert store.count() == len(events) - expected
    assert min(_timestamps(store)) >= cutoff
    assert not (tmp_path / "hot" / "parquet").exists()
    store.close()
