"""The durable outbox: a SQLite (WAL, synchronous=FULL) database shared by every process.

``ledger(event_id BLOB PRIMARY KEY)`` holds the id of every event ever accepted and is the one
authority on duplicates (so a re-sent batch is a duplicate whether its events still wait in the
outbox or already live in DuckDB/Parquet). ``outbox`` holds accepted events until the writer has
committed them to DuckDB; its ``seq`` (AUTOINCREMENT, never reused) is the writer's watermark.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from civicloop.analytics.store.validation import CleanEvent

SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger (event_id BLOB PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL, unit_id TEXT NOT NULL, name TEXT NOT NULL, ts_us INTEGER NOT NULL,
    value REAL, experiment TEXT, variant TEXT, properties TEXT
);
"""
_LOOKUP_CHUNK = 900


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._conn().executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def append(self, events: Sequence[CleanEvent]) -> list[bool]:
        """Store new events durably; return, per event, whether it was new (else a duplicate)."""
        conn = self._conn()
        keys = [bytes.fromhex(e.event_id.replace("-", "")) for e in events]
        conn.execute("BEGIN IMMEDIATE")
        try:
            known: set[bytes] = set()
            for start in range(0, len(keys), _LOOKUP_CHUNK):
                chunk = keys[start : start + _LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
                known.update(
                    row[0]
                    for row in conn.execute(
                        f"SELECT event_id FROM ledger WHERE event_id IN ({marks})",  # noqa: S608
                        chunk,
                    )
                )
            fresh: list[bool] = []
            new_keys: list[tuple[bytes]] = []
            new_rows: list[tuple] = []
            for key, event in zip(keys, events, strict=True):
                if key in known:
                    fresh.append(False)
                    continue
                known.add(key)
                fresh.append(True)
                new_keys.append((key,))
                new_rows.append(
                    (
                        event.event_id,
                        event.unit_id,
                        event.name,
                        event.ts_us,
                        event.value,
                        event.experiment,
                        event.variant,
                        event.properties,
                    )
                )
            conn.executemany("INSERT INTO ledger VALUES (?)", new_keys)
            conn.executemany(
                "INSERT INTO outbox (event_id, unit_id, name, ts_us, value, experiment, "
                "variant, properties) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                new_rows,
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return fresh

    def backlog(self) -> int:
        low, high = self._conn().execute("SELECT MIN(seq), MAX(seq) FROM outbox").fetchone()
        return 0 if low is None else high - low + 1

    def read(self, *, after: int, limit: int) -> list[tuple]:
        return (
            self._conn()
            .execute(
                "SELECT seq, event_id, unit_id, name, ts_us, value, experiment, variant, "
                "properties "
                "FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, limit),
            )
            .fetchall()
        )

    def delete_upto(self, seq: int) -> None:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM outbox WHERE seq <= ?", (seq,))
        conn.execute("COMMIT")
