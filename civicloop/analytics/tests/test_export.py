"""`civicloop export events DIR`: Hive-partitioned Parquet per organisation and day, read back
exactly by DuckDB and Spark, and never mixing two organisations' events."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import duckdb
import pytest
from django.core.management import call_command

from civicloop.analytics import services as analytics_services
from civicloop.analytics.tests._data import make_events
from civicloop.cli.main import main as civicloop_main
from civicloop.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def checksum(event_ids) -> str:
    return hashlib.sha256("\n".join(sorted(str(e) for e in event_ids)).encode()).hexdigest()


@pytest.fixture
def two_units(world, settings, tmp_path):
    settings.CIVICLOOP = {
        **settings.CIVICLOOP,
        "EVENT_STORE_DIR": str(tmp_path / "events"),
        "EVENT_FLUSH_INTERVAL_SECONDS": 3600,
    }
    analytics_services.event_store_close()
    loaded = {}
    for seed, unit in ((1, world.unit), (2, world.other_unit)):
        events = make_events(seed, units=50)
        store = analytics_services.event_store(organization_id=unit.pk)
        assert not store.accept(events).rejected  # left in the outbox: the export flushes
        loaded[unit.pk] = events
    yield loaded
    analytics_services.event_store_close()


def _duckdb_read(root) -> list[tuple]:
    con = duckdb.connect()
    try:
        return con.execute(
            f"SELECT organization, date, event_id, ts FROM read_parquet('{root}/**/*.parquet', "
            "hive_partitioning = true)"
        ).fetchall()
    finally:
        con.close()


@pytest.mark.django_db(transaction=True)
def test_each_units_events_are_exported_exactly_and_separately(two_units, tmp_path, capsys):
    # The command line closes every database connection when it ends, as Django's commands do:
    # outside a test transaction the audit rows are read on a new one.
    out = tmp_path / "lake"
    assert civicloop_main(["export", "events", str(out)]) == 0
    rows = _duckdb_read(out)
    for organization_id, events in two_units.items():
        mine = [r for r in rows if r[0] == organization_id]
        assert len(mine) == len(events)
        assert checksum(r[2] for r in mine) == checksum(e["event_id"] for e in events)
        for _, day, _, ts in mine:  # each event sits in the partition of its UTC day
            assert ts.astimezone(UTC).date() == day
    assert {r[0] for r in rows} == set(two_units)
    assert "events" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="analytics.events_exported").count() == 2


def test_one_units_export_never_includes_another_units_events(world, two_units, tmp_path):
    out = tmp_path / "lake"
    call_command("export_events", str(out), org=world.other_unit.slug)
    rows = _duckdb_read(out)
    assert {r[0] for r in rows} == {world.other_unit.pk}
    assert [p.name for p in out.iterdir()] == [f"organization={world.other_unit.pk}"]
    theirs = {e["event_id"] for e in two_units[world.unit.pk]}
    assert not theirs & {r[2] for r in rows}
    assert checksum(r[2] for r in rows) == checksum(
        e["event_id"] for e in two_units[world.other_unit.pk]
    )


def test_exporting_again_replaces_the_days_instead_of_doubling_them(world, two_units, tmp_path):
    out = tmp_path / "lake"
    call_command("export_events", str(out), org=world.unit.slug)
    call_command("export_events", str(out), org=world.unit.slug)
    assert len(_duckdb_read(out)) == len(two_units[world.unit.pk])


def test_since_exports_the_days_from_that_date(world, two_units, tmp_path):
    out = tmp_path / "lake"
    call_command("export_events", str(out), org=world.unit.slug, since="2026-03-10")
    start = datetime(2026, 3, 10, tzinfo=UTC)
    expected = [
        e for e in two_units[world.unit.pk] if datetime.fromisoformat(e["timestamp"]) >= start
    ]
    rows = _duckdb_read(out)
    assert 0 < len(rows) == len(expected)
    assert checksum(r[2] for r in rows) == checksum(e["event_id"] for e in expected)


def test_a_bad_org_or_date_is_named(world, two_units, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--org"):
        call_command("export_events", str(tmp_path / "x"), org="nobody")
    with pytest.raises(CommandError, match="--since"):
        call_command("export_events", str(tmp_path / "x"), since="yesterday")


@pytest.mark.slow
def test_spark_reads_the_export_exactly(world, two_units, tmp_path):
    pytest.importorskip("pyspark")
    from civicloop.analytics.backends import spark_session

    out = tmp_path / "lake"
    call_command("export_events", str(out))
    spark = spark_session("spark://local[1]")
    try:
        frame = spark.read.parquet(str(out))
        got = {
            organization: [
                r.event_id
                for r in frame.where(frame.organization == organization)
                .select("event_id")
                .collect()
            ]
            for organization in two_units
        }
        total = frame.count()
    finally:
        spark.stop()
    assert total == sum(len(e) for e in two_units.values())
    for organization, events in two_units.items():
        assert len(got[organization]) == len(events)
        assert checksum(got[organization]) == checksum(e["event_id"] for e in events)
