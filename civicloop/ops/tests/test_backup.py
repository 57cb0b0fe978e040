"""`civicloop backup DIR` and `civicloop restore DIR` (civicloop/ops/backup.py).

A seeded installation (people, organisations, an experiment with its metric, events in two
organisations' stores, uploaded files) is backed up, emptied, restored, and compared: every row
of every table, every event, every file.
"""

from __future__ import annotations

import io
import json
import shutil
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from civicloop.analytics import services as analytics_services
from civicloop.analytics.engine import EventStore
from civicloop.analytics.store import writer_lock
from civicloop.analytics.tests.test_writer_lock import held_by_another_process
from civicloop.experiments.tests import factories as f
from civicloop.ops.backup import database_is_empty


def _on(vendor: str) -> bool:
    return connection.vendor == vendor


def _rows() -> dict[str, list[str]]:
    """Every row of every table, as sorted reprs (independent of the backup's own counts)."""
    rows = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows[table] = sorted(repr(row) for row in cursor.fetchall())
    return rows


EVENT_ROWS = (
    "SELECT event_id::VARCHAR, unit_id, name, ts, value, experiment, variant, properties "
    "FROM all_events ORDER BY event_id"
)


def _events() -> dict[int | str, list[tuple]]:
    """Every event of every organisation's store, and of the store from before organisations."""
    stores = analytics_services.event_stores()
    found: dict[int | str, list[tuple]] = {}
    for organization_id in stores.organization_ids():
        store = stores.get(organization_id)
        store.flush()
        found[organization_id] = store._connection().execute(EVENT_ROWS).fetchall()
    legacy = EventStore(stores.root)
    legacy.flush()
    found["legacy"] = legacy._connection().execute(EVENT_ROWS).fetchall()
    legacy.close()
    return found


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _event(unit: str, minutes: int) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "unit_id": unit,
        "name": "renewed",
        "timestamp": (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(),
        "value": minutes / 7,
        "properties": {"channel": "web"},
    }


@pytest.fixture
def installation(settings, tmp_path, world):
    """A seeded installation whose event stores and uploads live under tmp_path/'live'."""
    live = tmp_path / "live"
    settings.CIVICLOOP = {**settings.CIVICLOOP, "EVENT_STORE_DIR": str(live / "events")}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(live / "media")},
        },
    }
    analytics_services.event_store_close()
    staff = world.principal("staff")
    metric = f.metric(staff, world.unit)
    svc = f.service(staff, world.unit, world.agency)
    f.ab_experiment(staff, f.iteration(staff, svc), [(metric, "primary", None)])
    mine = analytics_services.event_store(organization_id=world.unit.pk)
    mine.accept(
        [_event(f"u{i}", i) for i in range(40)]
        + [
            {
                **_event(f"u{i}", 50 + i),
                "name": "$exposure",
                "properties": {"experiment": "sms-reminder", "variant": "sms"},
            }
            for i in range(5)
        ]
    )
    mine.flush()
    mine.accept([_event(f"late{i}", i) for i in range(7)])  # left in the outbox
    theirs = analytics_services.event_store(organization_id=world.other_unit.pk)
    theirs.accept([_event(f"o{i}", i) for i in range(3)])
    legacy = EventStore(live / "events")  # a store from before organisations
    legacy.accept([_event(f"old{i}", 90 + i) for i in range(4)])
    legacy.flush()
    legacy.close()
    default_storage.save("proposals/offer.pdf", ContentFile(b"%PDF-1.4 the offer"))
    default_storage.save("sites/2026/visits.csv", ContentFile(b"site,visits\nA,10\n"))
    yield live
    analytics_services.event_store_close()


def _empty_installation(settings, where: Path) -> None:
    """Point the store and uploads at empty directories and delete every row."""
    analytics_services.event_store_close()
    settings.CIVICLOOP = {**settings.CIVICLOOP, "EVENT_STORE_DIR": str(where / "events")}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(where / "media")},
        },
    }
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    assert database_is_empty()


def _backup_restore_compare(settings, tmp_path, installation) -> None:
    rows = _rows()
    backup = tmp_path / "backup"
    out = io.StringIO()
    call_command("backup", str(backup), stdout=out, stderr=io.StringIO())
    assert "Backup written" in out.getvalue()
    events = _events()
    files = _files(installation / "media")
    assert len(events) == 3
    assert sum(len(e) for e in events.values()) == 40 + 5 + 7 + 3 + 4

    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["format"] == "civicloop-backup"
    assert manifest["version"] == 1
    assert "0001_initial" in manifest["migrations"]["core"]
    assert manifest["database"]["tables"]["core_person"] == len(rows["core_person"])
    assert {k: v["events"] + v["outbox_backlog"] for k, v in manifest["event_stores"].items()} == {
        (f"org-{org}" if org != "legacy" else org): len(e) for org, e in events.items()
    }
    assert "media/proposals/offer.pdf" in manifest["files"]
    assert manifest["sealing_key_ids"]
    assert all(set(k) == {"key_id", "role"} for k in manifest["sealing_key_ids"])
    for key in settings.CIVICLOOP_SEALING_KEYS:
        assert key not in (backup / "manifest.json").read_text()
        assert key not in (backup / "keys.json").read_text()

    _empty_installation(settings, tmp_path / "restored")
    out = io.StringIO()
    call_command("restore", str(backup), stdout=out, stderr=io.StringIO())
    assert "Restored the backup" in out.getvalue()
    assert _rows() == rows
    assert _events() == events
    assert _files(tmp_path / "restored" / "media") == files
    # The duplicate ledger came back too: sending a stored event again stores nothing.
    organization_id = next(org for org in events if org != "legacy")
    store = analytics_services.event_store(organization_id=int(organization_id))
    # a plain event (an exposure sent again without its properties would be refused)
    first = next(e for e in events[organization_id] if e[2] != "$exposure")
    again = {
        "event_id": first[0],
        "unit_id": first[1],
        "name": first[2],
        "timestamp": first[3].isoformat(),
    }
    assert store.accept([again]).duplicates == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not _on("sqlite"), reason="the SQLite variant")
def test_backup_then_restore_into_an_empty_installation_gives_back_everything(
    settings, tmp_path, installation
):
    _backup_restore_compare(settings, tmp_path, installation)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not _on("postgresql") or shutil.which("pg_dump") is None,
    reason="needs DATABASE_URL on PostgreSQL and pg_dump/pg_restore",
)
def test_backup_then_restore_on_postgresql_gives_back_everything(settings, tmp_path, installation):
    _backup_restore_compare(settings, tmp_path, installation)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_damaged_backup_or_a_non_empty_installation(
    settings, tmp_path, installation
):
    backup = tmp_path / "backup"
    call_command("backup", str(backup), stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(backup), stdout=io.StringIO(), stderr=io.StringIO())
    rows = _rows()
    with pytest.raises(CommandError, match="empty installation.*--force"):
        call_command("restore", str(backup), stdout=io.StringIO(), stderr=io.StringIO())
    assert _rows() == rows

    damaged = tmp_path / "damaged"
    shutil.copytree(backup, damaged)
    offer = damaged / "media" / "proposals" / "offer.pdf"
    offer.write_bytes(b"%PDF-1.4 another offer")
    (damaged / "stray.txt").write_text("not from the backup")
    _empty_installation(settings, tmp_path / "empty")
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(damaged), stdout=io.StringIO(), stderr=io.StringIO())
    message = str(refused.value)
    assert "media/proposals/offer.pdf does not match its checksum" in message
    assert "stray.txt is not in the manifest" in message
    assert database_is_empty()
    assert not (tmp_path / "empty" / "media").exists()

    with pytest.raises(CommandError, match="no manifest.json"):
        call_command("restore", str(tmp_path / "empty"), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_backup_waits_for_a_worker_task_on_a_store_instead_of_asking_to_stop_the_worker(
    settings, tmp_path, installation, world
):
    """A worker busy on a store (its writer lock held by another process) delays the backup;
    the copy then holds every event, and the store is given back for the worker's next task."""
    expected = {org: len(events) for org, events in _events().items()}
    analytics_services.event_stores_release()  # this process lets go, as a web process would
    store_dir = installation / "events" / f"org-{world.unit.pk}"
    backup = tmp_path / "backup"
    with held_by_another_process(store_dir, 2.0) as holder:
        started = time.monotonic()
        call_command("backup", str(backup), stdout=io.StringIO(), stderr=io.StringIO())
        waited = time.monotonic() - started
        assert holder.poll() is not None  # the backup went on only once the task let go
    assert waited > 0.5
    manifest = json.loads((backup / "manifest.json").read_text())
    counted = {k: v["events"] + v["outbox_backlog"] for k, v in manifest["event_stores"].items()}
    assert counted == {(f"org-{org}" if org != "legacy" else org): n for org, n in expected.items()}
    # The backup gave the store back: another process can take it at once.
    writer_lock.acquire(store_dir, timeout=0)
    writer_lock.release(store_dir)


@pytest.mark.django_db(transaction=True)
def test_a_store_busy_for_longer_than_its_timeout_stops_the_backup_naming_it(
    settings, tmp_path, installation, world
):
    analytics_services.event_stores_release()
    store_dir = installation / "events" / f"org-{world.unit.pk}"
    store = analytics_services.event_store(organization_id=world.unit.pk)
    store.lock_timeout = 0.3
    with held_by_another_process(store_dir, 3.0) as holder:
        with pytest.raises(CommandError) as refused:
            call_command("backup", str(tmp_path / "b"), stdout=io.StringIO(), stderr=io.StringIO())
    message = str(refused.value)
    assert f"org-{world.unit.pk}" in message
    assert f"pid {holder.pid}" in message
    assert "the worker may keep running" in message
