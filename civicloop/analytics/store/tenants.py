# SQL is generated here by design: the only identifier is the store's own view name.
# ruff: noqa: S608
"""One event store per organisation: ``<root>/org-<id>/`` (docs/adr/0005-*.md).

Every organisation's events, duplicate ledger, roll-ups and Parquet partitions live in their
own directory, so nothing that reads or writes one organisation's store can see another's:
an event id is a duplicate only within its organisation, an exposure counts only for the
experiments of the organisation that sent it, and metric SQL runs on a DuckDB file that holds
nothing else. Stores are opened lazily, on first use by this process.

A store created before organisations existed (``<root>/outbox.sqlite``, ``events.duckdb``,
``parquet/`` directly in the root) is *legacy*: :meth:`TenantStores.adopt_legacy` gives it to
one organisation (see docs/analytics/store.md, "Stores created before organisations").
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from civicloop.analytics.store import EventStore
from civicloop.analytics.store.validation import CleanEvent

ORG_DIR = re.compile(r"^org-([1-9][0-9]*)$")
STAGING_DIR = re.compile(r"^\.adopt-org-([1-9][0-9]*)$")
# What a store directory holds (store/__init__.py); the legacy store held them in the root.
LEGACY_FILES = (
    "outbox.sqlite",
    "outbox.sqlite-wal",
    "outbox.sqlite-shm",
    "events.duckdb",
    "events.duckdb.wal",
    "parquet",
)


@dataclass
class AdoptResult:
    organization_id: int
    events: int  # events the organisation's store holds from the legacy store
    moved: bool  # True: the files were moved as they are; False: merged through the ledger
    duplicates: int = 0  # merged events the organisation's ledger already knew


class TenantStores:
    """The per-organisation event stores under ``root``, opened on demand."""

    def __init__(
        self,
        root: str | Path,
        *,
        max_backlog: int = 2_000_000,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_backlog = max_backlog
        self._clock = clock
        self._stores: dict[int, EventStore] = {}
        self._lock = threading.Lock()

    def path_for(self, organization_id: int) -> Path:
        if not isinstance(organization_id, int) or isinstance(organization_id, bool):
            raise TypeError("organization_id must be an int")
        if organization_id <= 0:
            raise ValueError("organization_id must be positive")
        return self.root / f"org-{organization_id}"

    def get(self, organization_id: int) -> EventStore:
        """The store of one organisation (created empty on first use)."""
        path = self.path_for(organization_id)
        with self._lock:
            store = self._stores.get(organization_id)
            if store is None:
                store = EventStore(path, max_backlog=self.max_backlog, clock=self._clock)
                self._stores[organization_id] = store
            return store

    def organization_ids(self) -> list[int]:
        """Organisations that have a store on disk (whichever process created it)."""
        found = set(self._stores)
        if self.root.exists():
            for child in self.root.iterdir():
                match = ORG_DIR.match(child.name)
                if match and child.is_dir():
                    found.add(int(match.group(1)))
        return sorted(found)

    def flush_all(self) -> int:
        """The single writer: drain every organisation's outbox into its DuckDB file."""
        written = 0
        for organization_id in self.organization_ids():
            store = self.get(organization_id)
            if store.outbox.backlog():
                written += store.flush()
                store.release()  # one store's writer lock at a time
        return written

    def release_all(self) -> None:
        """Close every DuckDB file this process has open (other processes may then write)."""
        with self._lock:
            stores = list(self._stores.values())
        for store in stores:
            store.release()

    def close(self) -> None:
        with self._lock:
            stores, self._stores = list(self._stores.values()), {}
        for store in stores:
            store.close()

    def _close_one(self, organization_id: int) -> None:
        with self._lock:
            store = self._stores.pop(organization_id, None)
        if store is not None:
            store.close()

    # -- stores created before organisations -----------------------------------------------

    def legacy_present(self) -> bool:
        """Whether a store without organisations (or an interrupted adoption) is in the root."""
        return legacy_source(self.root) is not None

    def legacy_exposures(self) -> dict[str, int]:
        """{experiment key: exposure events} of the legacy store (flushes its outbox first)."""
        source = legacy_source(self.root)
        if source is None:
            return {}
        legacy = EventStore(source)
        try:
            legacy.flush()
            rows = (
                legacy._connection()
                .execute(
                    f"SELECT experiment, COUNT(*) FROM {legacy.events_view} "
                    "WHERE name = '$exposure' AND experiment IS NOT NULL "
                    "GROUP BY experiment ORDER BY experiment"
                )
                .fetchall()
            )
        finally:
            legacy.close()
        return {str(key): int(count) for key, count in rows}

    def adopt_legacy(self, organization_id: int, *, chunk_rows: int = 100_000) -> AdoptResult:
        """Give the legacy store to one organisation.

        The legacy files are first moved (renames) into ``.adopt-org-<id>/``, so an interrupted
        run is finished by running it again for the same organisation. When the organisation
        has no store yet, that directory simply becomes ``org-<id>/`` (its ledger, events,
        roll-ups and Parquet files unchanged); otherwise its events are merged into the
        organisation's store through the organisation's duplicate ledger. Run it with the
        writer (the worker) stopped: it writes DuckDB files.
        """
        target = self.path_for(organization_id)
        staging = self.root / f".adopt-org-{organization_id}"
        others = [oid for oid, _ in _staging(self.root) if oid != organization_id]
        if others:
            raise ValueError(
                f"an adoption for organisation {others[0]} was interrupted; "
                "run it again for that organisation first"
            )
        if legacy_source(self.root) is None:
            raise ValueError(f"there is no legacy event store in {self.root}")
        staging.mkdir(exist_ok=True)
        for name in LEGACY_FILES:
            if (self.root / name).exists():
                os.replace(self.root / name, staging / name)
        _fsync_dir(self.root)
        legacy = EventStore(staging)
        try:
            legacy.flush()
            total = legacy.count()
        finally:
            legacy.close()
        self._close_one(organization_id)
        if not target.exists():
            try:
                os.rename(staging, target)
            except OSError:  # created meanwhile (an intake process): merge instead
                pass
            else:
                _fsync_dir(self.root)
                return AdoptResult(organization_id, total, moved=True)
        accepted, duplicates = self._merge(staging, self.get(organization_id), chunk_rows)
        shutil.rmtree(staging)
        _fsync_dir(self.root)
        return AdoptResult(organization_id, accepted, moved=False, duplicates=duplicates)

    def _merge(self, source: Path, store: EventStore, chunk_rows: int) -> tuple[int, int]:
        legacy = EventStore(source)
        accepted = duplicates = 0
        try:
            cursor = legacy._connection().execute(
                "SELECT event_id::VARCHAR, unit_id, name, epoch_us(ts), value, experiment, "
                f"variant, properties FROM {legacy.events_view} ORDER BY ts, event_id"
            )
            while rows := cursor.fetchmany(chunk_rows):
                events = [
                    CleanEvent(r[0], uuid.UUID(r[0]).bytes, r[1], r[2], int(r[3]), *r[4:])
                    for r in rows
                ]
                fresh = store.outbox.append(events)
                accepted += sum(fresh)
                duplicates += len(fresh) - sum(fresh)
                if store.outbox.backlog() >= store.max_backlog // 2:
                    store.flush()
            store.flush()
        finally:
            legacy.close()
        return accepted, duplicates


def _staging(root: Path) -> list[tuple[int, Path]]:
    if not root.exists():
        return []
    return sorted(
        (int(m.group(1)), child)
        for child in root.iterdir()
        if (m := STAGING_DIR.match(child.name)) and child.is_dir()
    )


def legacy_source(root: Path) -> Path | None:
    """Where the legacy store's files are: an interrupted adoption's directory, or the root."""
    staging = _staging(root)
    if staging:
        return staging[0][1]
    if (root / "outbox.sqlite").exists() or (root / "events.duckdb").exists():
        return root
    return None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
