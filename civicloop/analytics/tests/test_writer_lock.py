"""One writer per event store across processes: a second one waits instead of failing."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicloop.analytics import services
from civicloop.analytics.store import EventStore, StoreBusy, writer_lock
from civicloop.core.tasks import task_cleanup


@pytest.fixture
def store_dir(settings, tmp_path):
    settings.CIVICLOOP = {**settings.CIVICLOOP, "EVENT_STORE_DIR": str(tmp_path / "events")}
    services.event_store_close()
    yield tmp_path / "events"
    services.event_store_close()


HOLD = """
import sys, time
from civicloop.analytics.store import EventStore
store = EventStore(sys.argv[1])
store._connection()  # the DuckDB file is open: the writer lock is held
print("held", flush=True)
time.sleep(float(sys.argv[2]))
store.close()
"""


@contextmanager
def held_by_another_process(store_dir: Path, seconds: float):
    """Another process (a worker refreshing results, say) has the store's DuckDB file open."""
    holder = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", HOLD, str(store_dir), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.wait(timeout=60)


def _event(**extra):
    return {
        "event_id": str(uuid.uuid4()),
        "unit_id": "u1",
        "name": "visit",
        "timestamp": "2026-11-30T10:00:00Z",
        **extra,
    }


def test_a_second_writer_waits_for_the_first_instead_of_failing_on_duckdbs_lock(tmp_path):
    store_dir = tmp_path / "org-1"
    store = EventStore(store_dir)
    store.accept([_event() for _ in range(5)])
    with held_by_another_process(store_dir, 2.0):
        started = time.monotonic()
        assert store.flush() == 5  # without the writer lock: duckdb.IOException
        assert time.monotonic() - started >= 1.0  # it waited for the other process
    assert store.count() == 5
    store.close()


def test_a_writer_that_waited_too_long_says_which_store_and_process(tmp_path):
    store_dir = tmp_path / "org-7"
    store = EventStore(store_dir, lock_timeout=0.5)
    with held_by_another_process(store_dir, 3.0) as holder:
        with pytest.raises(StoreBusy, match=rf"org-7 .*pid {holder.pid}"):
            store._connection()
    assert not writer_lock.held(store_dir)
    assert store.count() == 0  # free again once the other process closed it
    store.close()


def test_the_worker_gives_the_store_back_after_each_task(store_dir):
    """After a task, another worker process can open the store at once."""
    store = services.event_store(organization_id=3)
    store.accept([_event()])
    services.events_flush()  # what the events_flush task does
    store._connection()  # a refresh task reads the store
    assert writer_lock.held(store.path)
    task_cleanup()  # the worker runs this after every task
    assert not writer_lock.held(store.path)
    other = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import sys; from civicloop.analytics.store import EventStore; "
            "print(EventStore(sys.argv[1], lock_timeout=0).count())",
            str(store.path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip() == "1"


@pytest.mark.django_db
def test_import_events_goes_through_the_outbox_while_a_worker_holds_the_store(
    world, store_dir, tmp_path, capsys
):
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(json.dumps(_event(unit_id=f"p{i}")) for i in range(40)))
    store = services.event_store(organization_id=world.unit.pk)
    store.release()
    with held_by_another_process(store.path, 2.0):
        call_command("import_events", str(path), "--org", world.unit.slug, "--no-progress")
    assert "accepted 40, duplicates 0, rejected 0" in capsys.readouterr().out
    assert store.outbox.backlog() == 0
    assert store.count() == 40


@pytest.mark.django_db
def test_import_events_leaves_the_rows_to_the_worker_when_it_keeps_the_store(
    world, store_dir, tmp_path, capsys, monkeypatch
):
    from civicloop.analytics.management.commands import import_events

    monkeypatch.setattr(import_events, "FLUSH_WAIT_SECONDS", 0.3)
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(json.dumps(_event(unit_id=f"p{i}")) for i in range(12)))
    store = services.event_store(organization_id=world.unit.pk)
    store.release()
    with held_by_another_process(store.path, 3.0):
        call_command("import_events", str(path), "--org", world.unit.slug, "--no-progress")
        out = capsys.readouterr().out
        assert "accepted 12, duplicates 0, rejected 0" in out
        assert "writes the 12 waiting events at its next flush" in out
    assert store.flush() == 12  # the worker's next flush
    assert store.count() == 12


@pytest.mark.django_db
def test_import_events_names_the_delimiter_of_a_semicolon_csv(world, store_dir, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        f"event_id;unit_id;name;timestamp\n{uuid.uuid4()};u1;visit;2026-11-30T10:00:00Z\n"
    )
    with pytest.raises(CommandError, match=r"log\.csv: The columns are separated by ';', not ','"):
        call_command("import_events", str(path), "--org", world.unit.slug, "--no-progress")
    assert services.event_store(organization_id=world.unit.pk).outbox.backlog() == 0
