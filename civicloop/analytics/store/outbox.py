"""The durable outbox and the duplicate ledger: one SQLite database (WAL, synchronous=FULL).

Tables:

``outbox(seq, events, payload)``
    one row per accepted batch; ``payload`` is the batch's new events as an Arrow IPC stream
    (columns of ``ARROW_SCHEMA``). ``seq`` (AUTOINCREMENT, never reused) is the writer's
    watermark; the writer deletes rows once DuckDB has committed them.
``key_log(seq, keys)``
    the ids of every accepted event, 16 bytes each, concatenated per batch. Append-only: it is
    the authority on duplicates whether an event waits in the outbox or lives in DuckDB.

Why not a ``PRIMARY KEY`` ledger: random UUIDs land on random B-tree pages, so a table of a
few million ids costs one page write per event (measured ~100 us/event here). Instead every
process keeps the ids in memory as sorted runs of 128-bit integers (:class:`KeyIndex`) and,
inside the SQLite write lock, first reads the ``key_log`` rows other processes appended since
its last look. Decisions are therefore serialised and exact across threads and processes, and
every write is sequential.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pyarrow as pa

from civicloop.analytics.store.validation import CleanEvent

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, events INTEGER NOT NULL, payload BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS key_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, keys BLOB NOT NULL);
"""
ARROW_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("unit_id", pa.string()),
        ("name", pa.string()),
        ("ts", pa.timestamp("us", tz="UTC")),
        ("value", pa.float64()),
        ("experiment", pa.string()),
        ("variant", pa.string()),
        ("properties", pa.string()),
    ]
)
_KEY = np.dtype([("hi", ">u8"), ("lo", ">u8")])


class KeyIndex:
    """An in-memory set of 16-byte ids: sorted runs (an LSM in miniature), numpy-vectorised.

    Each run holds the ids' first and last 8 bytes as parallel uint64 arrays sorted by ``hi``;
    a lookup is a binary search on ``hi`` and an equality check on ``lo``.
    """

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return sum(len(hi) for hi, _ in self._runs)

    def add(self, keys: np.ndarray) -> None:
        if len(keys) == 0:
            return
        self._runs.append(_sorted(keys["hi"].astype(np.uint64), keys["lo"].astype(np.uint64)))
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 4 * len(self._runs[-1][0]):
            hi2, lo2 = self._runs.pop()
            hi1, lo1 = self._runs.pop()
            self._runs.append(_sorted(np.concatenate([hi1, hi2]), np.concatenate([lo1, lo2])))

    def contains(self, keys: np.ndarray) -> np.ndarray:
        order = np.argsort(keys["hi"])  # sorted probes walk the runs cache-friendly
        q_hi = keys["hi"][order].astype(np.uint64)
        q_lo = keys["lo"][order].astype(np.uint64)
        found = np.zeros(len(keys), dtype=bool)
        for hi, lo in self._runs:
            pos = np.minimum(np.searchsorted(hi, q_hi), len(hi) - 1)
            same_hi = hi[pos] == q_hi
            found |= same_hi & (lo[pos] == q_lo)
            nxt = np.minimum(pos + 1, len(hi) - 1)
            for i in np.flatnonzero(same_hi & (nxt != pos) & (hi[nxt] == q_hi)):
                end = np.searchsorted(hi, q_hi[i], side="right")  # equal first halves: rare
                found[i] |= bool((lo[pos[i] : end] == q_lo[i]).any())
        out = np.empty(len(keys), dtype=bool)
        out[order] = found
        return out


def _sorted(hi: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(hi, kind="stable")  # runs of equal ``hi`` are scanned on lookup
    return hi[order], lo[order]


def keys_array(raw: Sequence[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(raw), dtype=_KEY)


@dataclass(frozen=True)
class CleanBatch:
    """Validated events as columns: each id's 16 bytes, and a record batch of ``ARROW_SCHEMA``."""

    keys: bytes
    columns: pa.RecordBatch

    def __len__(self) -> int:
        return self.columns.num_rows


def batch_of(events: Sequence[CleanEvent]) -> CleanBatch:
    """The columns of events cleaned one by one (``validation.event_clean``)."""
    cols = list(zip(*events, strict=True))
    arrays = [
        pa.array(cols[0], pa.string()),
        pa.array(cols[2], pa.string()),
        pa.array(cols[3], pa.string()),
        pa.array(cols[4], pa.int64()).view(pa.timestamp("us", tz="UTC")),
        pa.array(cols[5], pa.float64()),
        pa.array(cols[6], pa.string()),
        pa.array(cols[7], pa.string()),
        pa.array(cols[8], pa.string()),
    ]
    return CleanBatch(b"".join(cols[1]), pa.record_batch(arrays, schema=ARROW_SCHEMA))


def first_occurrences(keys: np.ndarray) -> np.ndarray:
    """Per id, whether it is the first with its value in the batch (later ones are duplicates)."""
    first = np.zeros(len(keys), dtype=bool)
    first[np.unique(keys, return_index=True)[1]] = True
    return first


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            path, timeout=60, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(SCHEMA)
        self._index = KeyIndex()
        self._synced = 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _catch_up(self) -> None:
        """Add the ids that any process logged since this process last looked."""
        rows = self._conn.execute(
            "SELECT seq, keys FROM key_log WHERE seq > ? ORDER BY seq", (self._synced,)
        ).fetchall()
        if rows:
            self._index.add(np.frombuffer(b"".join(r[1] for r in rows), dtype=_KEY))
            self._synced = rows[-1][0]

    def append(self, events: Sequence[CleanEvent]) -> list[bool]:
        """Store new events durably; return, per event, whether it was new (else a duplicate)."""
        return self.append_batch(batch_of(events)) if events else []

    def append_batch(self, batch: CleanBatch) -> list[bool]:
        """``append`` for events already in columns: one transaction, one fsync per batch.

        The Arrow payload is encoded before the write lock is taken (re-encoded inside only if
        some events turn out to be duplicates), so concurrent batches wait on each other for
        the ledger check and the two inserts only.
        """
        if len(batch) == 0:
            return []
        keys = np.frombuffer(batch.keys, dtype=_KEY)
        first = first_occurrences(keys)
        payload = _encode(batch.columns)
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._catch_up()
                fresh = first & ~self._index.contains(keys)
                count = int(fresh.sum())
                if count:
                    new_keys = batch.keys if count == len(batch) else keys[fresh].tobytes()
                    if count < len(batch):
                        payload = _encode(batch.columns.filter(pa.array(fresh)))
                    cur = conn.execute("INSERT INTO key_log (keys) VALUES (?)", (new_keys,))
                    conn.execute(
                        "INSERT INTO outbox (events, payload) VALUES (?, ?)", (count, payload)
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            if count:
                # Only after COMMIT: a rolled-back batch must not count as seen.
                self._index.add(np.frombuffer(new_keys, dtype=_KEY))
                # The write lock was held since _catch_up, so no other row came in between.
                # lastrowid is set after the INSERT above.
                self._synced = cast(int, cur.lastrowid)
        return cast(list[bool], fresh.tolist())

    def backlog(self) -> int:
        """Events accepted but not yet deleted by the writer."""
        with self._lock:
            (count,) = self._conn.execute("SELECT COALESCE(SUM(events), 0) FROM outbox").fetchone()
        return int(count)

    def read(self, *, after: int, limit: int) -> tuple[int, pa.Table | None]:
        """Batches after ``after`` until ``limit`` events: (last seq read, events)."""
        tables = []
        last = after
        total = 0
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, events, payload FROM outbox WHERE seq > ? ORDER BY seq", (after,)
            )
            for seq, count, payload in rows:
                tables.append(pa.ipc.open_stream(payload).read_all())
                last = seq
                total += count
                if total >= limit:
                    break
            rows.close()
        return last, (pa.concat_tables(tables) if tables else None)

    def delete_upto(self, seq: int) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM outbox WHERE seq <= ?", (seq,))


def _encode(columns: pa.RecordBatch) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, ARROW_SCHEMA) as writer:
        writer.write_batch(columns)
    return sink.getvalue().to_pybytes()
