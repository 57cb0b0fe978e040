# SQL is generated here by design: identifiers are internal, literals go through _lit/params.
# ruff: noqa: S608
"""The event store: validated, idempotent intake into a durable outbox, one writer into DuckDB.

Layout of a store directory (see docs/analytics/store.md)::

    <path>/outbox.sqlite      ledger of accepted event ids + events waiting for the writer
    <path>/events.duckdb      events table, roll-ups, writer watermark
    <path>/parquet/date=YYYY-MM-DD/part-<n>.parquet   compacted days (see ``compact``)

``accept`` may be called from any thread or process (it only touches SQLite); ``flush``,
``import_file``'s final flush and the statistics run in the single writer process, which owns
the DuckDB file.
"""

from __future__ import annotations

import math
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from civicloop.analytics import rollups
from civicloop.analytics.exposure_directory import ExposureDirectories
from civicloop.analytics.store import writer_lock
from civicloop.analytics.store.columnar import TypedRows, batch_clean
from civicloop.analytics.store.outbox import CleanBatch, Outbox, batch_of
from civicloop.analytics.store.validation import (
    BatchTooLarge,
    CleanEvent,
    Rejected,
    batch_check,
    event_clean,
)

__all__ = [
    "AcceptResult",
    "Backpressure",
    "BatchTooLarge",
    "EventStore",
    "ImportResult",
    "StoreBusy",
]

StoreBusy = writer_lock.StoreBusy

EVENTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    event_id UUID NOT NULL, unit_id VARCHAR NOT NULL USING COMPRESSION uncompressed,
    name VARCHAR NOT NULL,
    ts TIMESTAMPTZ NOT NULL, value DOUBLE, experiment VARCHAR, variant VARCHAR,
    properties VARCHAR, seq BIGINT
);
CREATE TABLE IF NOT EXISTS writer_state (id INTEGER PRIMARY KEY, last_seq BIGINT NOT NULL);
INSERT INTO writer_state SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM writer_state);
CREATE TABLE IF NOT EXISTS parquet_files (
    path VARCHAR PRIMARY KEY, day DATE NOT NULL, rows BIGINT NOT NULL
);
"""
# unit_id is stored uncompressed: the roll-up maintenance joins recent events to units on it,
# and decompressing FSST/dictionary strings was most of that scan (about 3x slower measured on
# 19M recent events of the 100M benchmark store); it costs disk for a faster refresh.
EVENT_COLUMNS = "event_id, unit_id, name, ts, value, experiment, variant, properties, seq"


class Backpressure(Exception):  # noqa: N818 - the name is the API's vocabulary
    """The writer is behind; retry after ``retry_after_seconds`` (the API answers 429/503)."""

    def __init__(self, retry_after_seconds: int, backlog: int) -> None:
        super().__init__(
            f"{backlog} events are waiting to be written; retry after {retry_after_seconds} s"
        )
        self.retry_after_seconds = retry_after_seconds
        self.backlog = backlog


@dataclass
class AcceptResult:
    accepted: int
    duplicates: int
    rejected: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class ImportResult:
    accepted: int = 0
    duplicates: int = 0
    rejected_count: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # first 1,000, by row number


def _clean_each(
    events: list[dict], now: datetime
) -> tuple[CleanBatch | None, list[tuple[int, str]]]:
    """The row-by-row rules: the clean events as columns, and (index, reason) per rejection."""
    clean: list[CleanEvent] = []
    rejected: list[tuple[int, str]] = []
    for index, raw in enumerate(events):
        try:
            clean.append(event_clean(raw, now=now))
        except Rejected as reason:
            rejected.append((index, str(reason)))
    return (batch_of(clean) if clean else None), rejected


class EventStore:
    """Append-only, idempotent event store in the directory ``path``."""

    def __init__(
        self,
        path: str | Path,
        *,
        max_backlog: int = 2_000_000,
        drain_rate_per_second: float = 100_000.0,
        clock: Callable[[], datetime] | None = None,
        duckdb_threads: int | None = None,
        lock_timeout: float | None = writer_lock.DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.path = Path(path)
        # How long opening the DuckDB file waits for another process to finish with it.
        self.lock_timeout = lock_timeout
        self.duckdb_threads = duckdb_threads
        self.path.mkdir(parents=True, exist_ok=True)
        self.outbox = Outbox(self.path / "outbox.sqlite")
        self.max_backlog = max_backlog
        self.drain_rate_per_second = drain_rate_per_second
        self._clock = clock or (lambda: datetime.now(UTC))
        self._duck: Any = None
        self._write_lock = threading.RLock()
        self.last_flush_timings: dict[str, float] = {}
        # The writer's in-memory directory of exposed units (ADR 0018): derived from
        # rollup_exposure, valid only while this process holds the DuckDB file.
        self._exposures = ExposureDirectories()

    # -- intake -----------------------------------------------------------------------------

    def accept(self, events: list[dict], *, body_bytes: int | None = None) -> AcceptResult:
        """Validate a batch and store its new events durably before answering.

        ``events`` from ``columnar.batch_parse`` (a ``TypedRows``) are cleaned column by column
        when they can be; any other list, or a batch with an event the columnar path does not
        decide, event by event. Both store the same values and reject with the same reasons.

        Raises ``BatchTooLarge`` (nothing stored) or ``Backpressure`` (nothing stored).
        """
        batch_check(events, body_bytes=body_bytes)
        backlog = self.outbox.backlog()
        if backlog + len(events) > self.max_backlog:
            wait = max(1, min(300, math.ceil(backlog / self.drain_rate_per_second)))
            raise Backpressure(wait, backlog)
        now = self._clock()
        rejected: list[tuple[int, str]] = []
        batch = batch_clean(events, now=now) if isinstance(events, TypedRows) else None
        if batch is None:
            batch, rejected = _clean_each(events, now)
        fresh = self.outbox.append_batch(batch) if batch is not None else []
        accepted = sum(fresh)
        return AcceptResult(accepted, len(fresh) - accepted, rejected)

    def import_file(
        self,
        path: str | Path,
        *,
        progress: Callable[[int, int | None], None] | None = None,
        chunk_rows: int = 50_000,
        flush: bool = True,
    ) -> ImportResult:
        """Import CSV (.csv), JSON lines (.jsonl/.ndjson) or Parquet (.parquet) event files.

        Columns/keys are those of the API (event_id, unit_id, name, timestamp, value,
        properties); rejected rows are reported by 1-based row number with their reason.
        """
        from civicloop.analytics.store.importer import iter_rows

        result = ImportResult()
        now = self._clock()
        done = 0
        for rows, total in iter_rows(Path(path), chunk_rows=chunk_rows):
            clean: list[CleanEvent] = []
            for offset, raw in enumerate(rows):
                try:
                    clean.append(event_clean(raw, now=now))
                except Rejected as reason:
                    result.rejected_count += 1
                    if len(result.rejected) < 1000:
                        result.rejected.append((done + offset + 1, str(reason)))
            fresh = self.outbox.append(clean) if clean else []
            result.accepted += sum(fresh)
            result.duplicates += len(fresh) - sum(fresh)
            done += len(rows)
            if self.outbox.backlog() >= self.max_backlog // 2:
                self.flush()
            if progress is not None:
                progress(done, total)
        if flush:
            self.flush()
        return result

    # -- the single writer ------------------------------------------------------------------

    def checkpoint(self) -> None:
        """Write everything accepted so far into the DuckDB file, so that it can be copied.

        Flushes the outbox and checkpoints DuckDB's write-ahead log; `civicloop backup` calls it
        under the store's writer lock.
        """
        self.flush()
        self._connection().execute("CHECKPOINT")

    def _connection(self) -> Any:
        """The writer's DuckDB connection (opened on first use, with recovery).

        Private to the analytics app: other apps ask `analytics.engine` for statistics and never
        see a connection (docs/analytics/README.md). Opening it takes the store's writer lock
        (``writer_lock``), waiting while another process has the file open; ``release`` or
        ``close`` gives it back.
        """
        if self._duck is None:
            writer_lock.acquire(self.path, timeout=self.lock_timeout)
            try:
                self._exposures.clear()  # another process may have written since
                con = _connect(self.path, threads=self.duckdb_threads)
                con.execute(EVENTS_SCHEMA)
                rollups.schema_create(con)
                self._duck = con
                self._remove_orphan_files()
                self._refresh_view()
            except BaseException:
                if self._duck is not None:
                    self._duck.close()
                    self._duck = None
                writer_lock.release(self.path)
                raise
        return self._duck

    def release(self) -> None:
        """Close the DuckDB file and give the writer lock back (the outbox stays open)."""
        with self._write_lock:
            if self._duck is not None:
                self._duck.close()
                self._duck = None
                self._exposures.clear()
                writer_lock.release(self.path)

    @property
    def events_view(self) -> str:
        return "all_events"

    def _refresh_view(self) -> None:
        con = self._duck
        files = [
            r[0] for r in con.execute("SELECT path FROM parquet_files ORDER BY path").fetchall()
        ]
        sql = f"SELECT {EVENT_COLUMNS} FROM events"
        if files:
            listing = ", ".join(f"'{_quote(self.path / f)}'" for f in files)
            sql += f" UNION ALL SELECT {EVENT_COLUMNS} FROM read_parquet([{listing}])"
        con.execute(f"CREATE OR REPLACE VIEW all_events AS {sql}")

    def flush(
        self, *, max_events: int = 500_000, _after_commit: Callable[[], None] | None = None
    ) -> int:
        """Move everything in the outbox into DuckDB (and the roll-ups); return events written.

        Each batch commits the events, their roll-up updates and the new watermark in one
        DuckDB transaction; outbox rows at or below the watermark are deleted afterwards, so a
        crash between any two steps neither loses nor repeats an event.
        """
        import time

        written = 0
        with self._write_lock:
            con = self._connection()
            while True:
                (last,) = con.execute("SELECT last_seq FROM writer_state").fetchall()[0]
                self.outbox.delete_upto(last)
                started = time.perf_counter()
                upto, table = self.outbox.read(after=last, limit=max_events)
                if table is None:
                    break
                read_s = time.perf_counter() - started
                self._append_arrow(con, table, last_seq=upto)
                written += table.num_rows
                self.last_flush_timings = {"read_outbox_s": read_s, **self.last_flush_timings}
                if _after_commit is not None:
                    _after_commit()
                self.outbox.delete_upto(upto)
        return written

    def _append_arrow(self, con: Any, table: Any, *, last_seq: int | None) -> None:
        import time

        con.register("incoming_arrow", table)
        try:
            con.execute("BEGIN TRANSACTION")
            t0 = time.perf_counter()
            con.execute(
                "CREATE OR REPLACE TEMP TABLE batch AS SELECT event_id::UUID AS event_id, "
                "unit_id, name, ts, value, experiment, variant, properties, "
                "?::BIGINT AS seq FROM incoming_arrow",
                [last_seq],
            )
            con.execute(f"INSERT INTO events ({EVENT_COLUMNS}) SELECT {EVENT_COLUMNS} FROM batch")
            t1 = time.perf_counter()
            steps: dict[str, float] = {}
            rollups.apply_batch(
                con,
                batch="batch",
                events_view=self.events_view,
                timings=steps,
                directories=self._exposures,
            )
            t2 = time.perf_counter()
            if last_seq is not None:
                con.execute("UPDATE writer_state SET last_seq = ? WHERE id = 1", [last_seq])
            con.execute("COMMIT")
            t3 = time.perf_counter()
            self.last_flush_timings = {
                "append_s": t1 - t0,
                "rollups_s": t2 - t1,
                "commit_s": t3 - t2,
                **{f"rollups.{k}_s": v for k, v in steps.items()},
            }
        except BaseException:
            self._exposures.clear()  # it may hold the rolled-back batch's exposures
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister("incoming_arrow")

    def bulk_load_trusted(self, select_sql: str) -> int:
        """Append already-deduplicated history straight into DuckDB and rebuild the roll-ups.

        For migrations and benchmarks only: it bypasses validation and the duplicate ledger.
        ``select_sql`` must return the columns event_id, unit_id, name, ts, value, experiment,
        variant, properties.
        """
        with self._write_lock:
            con = self._connection()
            before = con.execute("SELECT COUNT(*) FROM events").fetchall()[0][0]
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(
                    f"INSERT INTO events ({EVENT_COLUMNS}) SELECT event_id, unit_id, name, ts, "
                    f"value, experiment, variant, properties, NULL FROM ({select_sql})"
                )
                rollups.rebuild_all(con, events_view=self.events_view, directories=self._exposures)
                con.execute("COMMIT")
            except BaseException:
                self._exposures.clear()
                con.execute("ROLLBACK")
                raise
            return con.execute("SELECT COUNT(*) FROM events").fetchall()[0][0] - before

    def compact(self, *, before: date) -> int:
        """Move events of whole UTC days before ``before`` from DuckDB into Parquet partitions.

        Each day is written to ``parquet/date=YYYY-MM-DD/part-<id>.parquet`` (temporary name,
        fsync, rename), then one DuckDB transaction records the file in ``parquet_files`` and
        deletes the day's rows from ``events``. Files not in the manifest (a crash between the
        rename and the commit) are removed when the store is next opened. Returns rows moved.
        """
        moved = 0
        with self._write_lock:
            con = self._connection()
            days = con.execute(
                "SELECT DISTINCT CAST(ts AS DATE) AS day FROM events WHERE ts < ?::TIMESTAMPTZ "
                "ORDER BY day",
                [datetime(before.year, before.month, before.day, tzinfo=UTC)],
            ).fetchall()
            for (day,) in days:
                start = datetime(day.year, day.month, day.day, tzinfo=UTC)
                bounds = [start, start + timedelta(days=1)]
                relative = f"parquet/date={day.isoformat()}/part-{uuid.uuid4().hex}.parquet"
                final = self.path / relative
                final.parent.mkdir(parents=True, exist_ok=True)
                temporary = final.with_suffix(".tmp")
                con.execute(
                    f"COPY (SELECT {EVENT_COLUMNS} FROM events WHERE ts >= ? AND ts < ? "
                    f"ORDER BY ts) TO '{_quote(temporary)}' (FORMAT PARQUET)",
                    bounds,
                )
                with temporary.open("rb") as handle:
                    os.fsync(handle.fileno())
                os.replace(temporary, final)
                con.execute("BEGIN TRANSACTION")
                try:
                    rows = con.execute(
                        "SELECT COUNT(*) FROM events WHERE ts >= ? AND ts < ?", bounds
                    ).fetchall()[0][0]
                    con.execute("INSERT INTO parquet_files VALUES (?, ?, ?)", [relative, day, rows])
                    con.execute("DELETE FROM events WHERE ts >= ? AND ts < ?", bounds)
                    self._refresh_view()
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                moved += rows
        return moved

    def _remove_orphan_files(self) -> None:
        root = self.path / "parquet"
        if not root.exists():
            return
        listed = {r[0] for r in self._duck.execute("SELECT path FROM parquet_files").fetchall()}
        for file in root.glob("date=*/*"):
            if file.relative_to(self.path).as_posix() not in listed:
                file.unlink()

    def count(self) -> int:
        return self._connection().execute("SELECT COUNT(*) FROM all_events").fetchall()[0][0]

    def close(self) -> None:
        self.release()
        self.outbox.close()


def _connect(path: Path, *, threads: int | None = None) -> Any:
    """Open ``<path>/events.duckdb`` locked down: no files outside the store, no network, no
    extensions to install or load, and a configuration that no later statement can change.

    External access stays off for everything but the store's own Parquet partitions (written by
    ``compact`` and read by the ``all_events`` view); DuckDB adds the database file and its
    temporary directory itself. Settings the store needs are made before the lock.
    """
    import duckdb

    config: dict[str, Any] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    if threads:
        config["threads"] = int(threads)
    con = duckdb.connect(str(path / "events.duckdb"), config=config)
    parquet = (path / "parquet").resolve()
    # DuckDB accepts these two only once the database is running, so they follow the connect.
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET allowed_directories = ?", [[f"{parquet}/"]])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def iter_chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
