import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from civicloop.analytics.engine import Backpressure, BatchTooLarge, EventStore

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _event(i: int, **overrides) -> dict:
    event = {
        "event_id": str(uuid.UUID(int=i + 1)),
        "unit_id": f"unit-{i % 7}",
        "name": "form_submitted",
        "timestamp": (NOW - timedelta(minutes=i)).isoformat(),
        "value": float(i),
        "properties": {"channel": "web"},
    }
    event.update(overrides)
    return event


@pytest.fixture
def store(tmp_path):
    store = EventStore(tmp_path / "events", clock=lambda: NOW)
    yield store
    store.close()


def _stored_ids(store: EventStore) -> list[str]:
    rows = store._connection().execute("SELECT event_id::VARCHAR FROM all_events").fetchall()
    return [r[0] for r in rows]


def test_a_resent_batch_is_all_duplicates_before_and_after_the_writer_ran(store):
    batch = [_event(i) for i in range(300)]
    assert store.accept(batch).accepted == 300
    again = store.accept(batch)
    assert (again.accepted, again.duplicates) == (0, 300)
    store.flush()
    after_flush = store.accept(batch)
    assert (after_flush.accepted, after_flush.duplicates) == (0, 300)
    store.flush()
    assert sorted(_stored_ids(store)) == sorted(e["event_id"] for e in batch)


def test_a_repeated_event_id_inside_one_batch_counts_once(store):
    result = store.accept([_event(1), _event(1), _event(2)])
    assert (result.accepted, result.duplicates) == (2, 1)


def test_two_threads_sending_the_same_batch_store_it_once(tmp_path):
    batch = [_event(i) for i in range(1000)]
    path = tmp_path / "shared"
    EventStore(path, clock=lambda: NOW).close()  # create the schema once
    results = []
    barrier = threading.Barrier(2)

    def send():
        store = EventStore(path, clock=lambda: NOW)
        barrier.wait()
        results.append(store.accept(batch))
        store.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted((r.accepted, r.duplicates) for r in results) == [(0, 1000), (1000, 0)]
    store = EventStore(path, clock=lambda: NOW)
    store.flush()
    ids = _stored_ids(store)
    store.close()
    assert len(ids) == len(set(ids)) == 1000


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"event_id": "not-a-uuid"}, "event_id must be a UUID"),
        ({"event_id": None}, "event_id is required"),
        ({"unit_id": ""}, "unit_id must be a non-empty string of at most 256 characters"),
        ({"unit_id": "x" * 257}, "unit_id must be a non-empty string of at most 256 characters"),
        ({"name": "n" * 129}, "name must be a non-empty string of at most 128 characters"),
        ({"timestamp": "2026-05-01T10:00:00"}, "timestamp must be ISO 8601 with a time zone"),
        ({"timestamp": "yesterday"}, "timestamp must be ISO 8601 with a time zone"),
        ({"timestamp": None}, "timestamp is required"),
        (
            {"timestamp": (NOW + timedelta(hours=24, seconds=1)).isoformat()},
            "timestamp is more than 24 hours in the future",
        ),
        ({"value": "12"}, "value must be a finite number or null"),
        ({"value": float("nan")}, "value must be a finite number or null"),
        ({"value": True}, "value must be a finite number or null"),
        ({"properties": ["a"]}, "properties must be a JSON object"),
        ({"properties": {"blob": "x" * 33_000}}, "properties must be at most 32768 bytes as JSON"),
        (
            {"name": "$exposure", "properties": {"experiment": "e"}},
            "a $exposure event needs string properties 'experiment' and 'variant'",
        ),
        ({"colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_each_rejection_names_its_reason_and_keeps_the_rest(store, overrides, reason):
    bad = _event(5, **overrides)
    if overrides.get("event_id", 0) is None:
        del bad["event_id"]
    if "timestamp" in overrides and overrides["timestamp"] is None:
        del bad["timestamp"]
    result = store.accept([_event(1), bad, _event(2)])
    assert [index for index, _ in result.rejected] == [1]
    assert result.rejected[0][1].startswith(reason)
    assert result.accepted == 2
    store.flush()
    assert len(_stored_ids(store)) == 2


def test_a_timestamp_just_inside_the_future_limit_is_accepted(store):
    event = _event(1, timestamp=(NOW + timedelta(hours=23, minutes=59)).isoformat())
    assert store.accept([event]).accepted == 1


def test_offsets_are_stored_as_the_same_utc_instant(store):
    store.accept([_event(1, timestamp="2026-05-01T14:30:00+02:00")])
    store.flush()
    (ts,) = store._connection().execute("SELECT ts FROM all_events").fetchall()[0]
    assert ts == datetime(2026, 5, 1, 12, 30, tzinfo=UTC)


def test_batches_over_1000_events_or_1_mb_are_refused_whole(store):
    with pytest.raises(BatchTooLarge, match="at most 1000 events; this one has 1001"):
        store.accept([_event(i) for i in range(1001)])
    big = [_event(i, properties={"text": "y" * 30_000}) for i in range(40)]
    with pytest.raises(BatchTooLarge, match="at most 1000000 bytes"):
        store.accept(big)
    assert store.outbox.backlog() == 0


def test_a_full_outbox_answers_backpressure_and_loses_nothing(tmp_path):
    store = EventStore(tmp_path / "bp", clock=lambda: NOW, max_backlog=1500)
    assert store.accept([_event(i) for i in range(1000)]).accepted == 1000
    with pytest.raises(Backpressure) as info:
        store.accept([_event(i) for i in range(1000, 2000)])
    assert info.value.retry_after_seconds >= 1
    assert store.outbox.backlog() == 1000
    store.flush()
    assert store.accept([_event(i) for i in range(1000, 2000)]).accepted == 1000
    store.flush()
    assert len(_stored_ids(store)) == 2000
    store.close()


def _write_inputs(tmp_path, events):
    jsonl = tmp_path / "log.jsonl"
    jsonl.write_text("\n".join(json.dumps(e) for e in events) + "\nnot json\n")
    csv = tmp_path / "log.csv"
    lines = ["event_id,unit_id,name,timestamp,value,properties"]
    for e in events:
        props = json.dumps(e["properties"]).replace('"', '""')
        lines.append(
            f'{e["event_id"]},{e["unit_id"]},{e["name"]},{e["timestamp"]},{e["value"]},"{props}"'
        )
    lines.append(f"{uuid.uuid4()},u,n,2026-01-01 10:00,1,")  # no time zone
    csv.write_text("\n".join(lines) + "\n")
    parquet = tmp_path / "log.parquet"
    table = pa.table(
        {
            "event_id": [e["event_id"] for e in events],
            "unit_id": [e["unit_id"] for e in events],
            "name": [e["name"] for e in events],
            "timestamp": [datetime.fromisoformat(e["timestamp"]) for e in events],
            "value": [e["value"] for e in events],
            "properties": [json.dumps(e["properties"]) for e in events],
        }
    )
    pq.write_table(table, parquet)
    return {"jsonl": jsonl, "csv": csv, "parquet": parquet}


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_import_file_stores_every_valid_row_once_and_reports_bad_rows(store, tmp_path, kind):
    events = [_event(i) for i in range(120)]
    path = _write_inputs(tmp_path, events)[kind]
    calls = []
    result = store.import_file(path, progress=lambda done, total: calls.append(done), chunk_rows=50)
    assert result.accepted == 120
    if kind != "parquet":
        assert result.rejected_count == 1
        assert result.rejected[0][0] == 121
    assert calls[-1] == 120 + (0 if kind == "parquet" else 1)
    rows = (
        store._connection()
        .execute("SELECT event_id::VARCHAR, value, properties FROM all_events ORDER BY value")
        .fetchall()
    )
    assert [r[1] for r in rows] == [float(i) for i in range(120)]
    assert json.loads(rows[0][2]) == {"channel": "web"}
    again = store.import_file(path)
    assert (again.accepted, again.duplicates) == (0, 120)


def test_import_refuses_unknown_file_types(store, tmp_path):
    path = tmp_path / "log.xlsx"
    path.write_text("x")
    with pytest.raises(ValueError, match="unknown file type"):
        store.import_file(path)


def test_compaction_moves_old_days_to_parquet_without_changing_any_answer(tmp_path):
    from civicloop.analytics.engine import straightforward_statistics, variant_statistics
    from civicloop.analytics.tests._data import METRICS, as_tuples, assert_close, make_events

    events = make_events(3, units=40)
    store = EventStore(tmp_path / "c", max_backlog=10**6)
    for start in range(0, len(events), 1000):
        store.accept(events[start : start + 1000])
    store.flush()
    before = variant_statistics(store, "exp", METRICS)
    moved = store.compact(before=datetime(2026, 3, 15, tzinfo=UTC).date())
    con = store._connection()
    hot = con.execute("SELECT COUNT(*) FROM events").fetchall()[0][0]
    assert moved > 0
    assert hot + moved == len(events) == store.count()
    files = sorted(p.parent.name for p in (tmp_path / "c" / "parquet").glob("*/*.parquet"))
    assert files[0].startswith("date=2026-0")
    # Reference SQL now reads Parquet + DuckDB and still equals the roll-ups built before.
    after = straightforward_statistics(store, "exp", METRICS)
    for metric in METRICS:
        assert_close(
            as_tuples({v: m[metric.key] for v, m in after.items()}),
            as_tuples({v: m[metric.key] for v, m in before.items()}),
        )
    assert store.accept(events[:50]).duplicates == 50
    store.close()
    stray = tmp_path / "c" / "parquet" / "date=2026-01-01" / "part-orphan.parquet"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"half-written")
    reopened = EventStore(tmp_path / "c")
    assert reopened.count() == len(events)
    assert not stray.exists()
    reopened.close()


@pytest.mark.parametrize(
    "spelling",
    [
        "0B9F7E5E-4B1E-4C52-9A58-0D6F2F1D6C11",
        "{0b9f7e5e-4b1e-4c52-9a58-0d6f2f1d6c11}",
        "0b9f7e5e4b1e4c529a580d6f2f1d6c11",
    ],
)
def test_other_uuid_spellings_are_the_same_event(store, spelling):
    assert store.accept([_event(0, event_id="0b9f7e5e-4b1e-4c52-9a58-0d6f2f1d6c11")]).accepted == 1
    assert store.accept([_event(0, event_id=spelling)]).duplicates == 1


def test_a_uuid_with_spaces_in_place_of_digits_is_rejected(store):
    result = store.accept([_event(0, event_id="0b9f7e5e-4b1e-4c52-9a58-0d6f2f1d6c 1")])
    assert result.rejected == [(0, "event_id must be a UUID")]
