"""Back up and restore an installation: database, event stores, uploaded files, key ids.

A backup is a directory::

    manifest.json        format, version, time, row counts per table, events per store,
                         sealing key ids, and the SHA-256 of every other file
    database.sqlite3     SQLite (online backup API), or database.pgdump (pg_dump -Fc)
    events/<store>/      each organisation's store: events.duckdb (checkpointed under the
                         store's writer lock after a flush, waiting for a worker's task on
                         it), outbox.sqlite (online backup),
                         parquet/ (the compacted days)
    media/               uploaded files (the default storage's directory)
    keys.json            ids and roles of the sealing keys (never a key)

``backup_create`` writes one; ``backup_restore`` checks every checksum first, then restores into
an empty installation (a non-empty database or event store is refused unless ``force``).
See docs/operations.md, "Backup and restore".
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

FORMAT = "civicloop-backup"
VERSION = 1
MANIFEST = "manifest.json"
# Tables that `migrate` fills by itself: an installation holding only these is empty.
SETUP_TABLES = {"django_migrations", "django_content_type", "auth_permission"}
# A store from before organisations keeps its files in EVENT_STORE_DIR itself.
LEGACY = "legacy"
LEGACY_FILES = ("outbox.sqlite", "events.duckdb", "parquet")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_counts() -> dict[str, int]:
    """{table: rows} of every table of the database."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = int(cursor.fetchone()[0])
    return counts


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict  # the test database's name under tests
    env = dict(os.environ)
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args += ["--dbname", str(db["NAME"])]
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: a PostgreSQL database is backed up and restored with "
            f"{name} (Debian: apt-get install postgresql-client, of the server's major version)."
        )
    return found


def _database_backup(target: Path) -> str:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        out = target / "database.sqlite3"
        with closing(sqlite3.connect(out)) as destination:
            connection.connection.backup(destination)
        return out.name
    if connection.vendor == "postgresql":
        out = target / "database.pgdump"
        args, env = _pg_env()
        subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(out), *args],
            env=env,
            check=True,
        )
        return out.name
    raise BackupError(f"backing up a {connection.vendor} database is not supported")


def _database_restore(source: Path, name: str) -> None:
    connection.ensure_connection()
    if name.endswith(".sqlite3"):
        if connection.vendor != "sqlite":
            raise BackupError("this backup holds a SQLite database; DATABASE_URL is not SQLite")
        with closing(sqlite3.connect(source / name)) as origin:
            origin.backup(connection.connection)
        return
    if connection.vendor != "postgresql":
        raise BackupError("this backup holds a PostgreSQL dump; DATABASE_URL is not PostgreSQL")
    args, env = _pg_env()
    subprocess.run(  # noqa: S603 - fixed program, arguments from settings
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *args,
            str(source / name),
        ],
        env=env,
        check=True,
    )


def database_is_empty() -> bool:
    """True when no table holds a row beyond what `migrate` writes by itself."""
    return not any(count for table, count in table_counts().items() if table not in SETUP_TABLES)


def _store_dirs(root: Path) -> dict[str, Path]:
    """{store name: directory}: ``org-<id>`` per organisation, ``legacy`` for the root's."""
    from civicloop.analytics.store.tenants import ORG_DIR

    found: dict[str, Path] = {}
    if root.exists():
        for child in sorted(root.iterdir()):
            if child.is_dir() and ORG_DIR.match(child.name):
                found[child.name] = child
    return found


def _copy_sqlite(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True, timeout=60)) as origin:
        with closing(sqlite3.connect(target)) as destination:
            origin.backup(destination)


def _event_stores_backup(target: Path) -> dict[str, dict[str, int]]:
    """Snapshot every organisation's store (and a store from before organisations)."""
    from civicloop.analytics.services import event_stores
    from civicloop.analytics.store import EventStore
    from civicloop.analytics.store.tenants import legacy_source

    stores = event_stores()
    summary = {}
    for name, directory in _store_dirs(stores.root).items():
        store = stores.get(int(name.removeprefix("org-")))
        summary[name] = _store_snapshot(store, directory, target / "events" / name)
    source = legacy_source(stores.root)
    if source is not None:
        if source != stores.root:
            raise BackupError(
                f"giving the event store from before organisations to one was interrupted "
                f"({source}): finish it before backing up (docs/analytics/store.md)."
            )
        legacy = EventStore(source)
        try:
            summary[LEGACY] = _store_snapshot(legacy, source, target / "events" / LEGACY)
        finally:
            legacy.close()
    return summary


def _store_snapshot(store: Any, directory: Path, destination: Path) -> dict[str, int]:
    """Flush, checkpoint and copy one store under its writer lock; the outbox after it.

    A worker running a task on the store holds its writer lock: the backup waits for that task
    (up to the store's lock timeout), then holds the lock while it copies, and gives it back
    as soon as the copy is made, so the worker carries on with the next task.
    """
    from civicloop.analytics.store import StoreBusy

    destination.mkdir(parents=True)
    with store._write_lock:  # noqa: SLF001 - no write of this process in between
        try:
            store.checkpoint()
        except StoreBusy as error:
            raise BackupError(
                f"{error}. A worker task has held it that long: back up again when it is "
                "done (the worker may keep running)."
            ) from error
        try:
            _copy_store_files(directory, destination)
            events = int(store.count())
        finally:
            store.release()
    with closing(sqlite3.connect(destination / "outbox.sqlite")) as outbox:
        (backlog,) = outbox.execute("SELECT COALESCE(SUM(events), 0) FROM outbox").fetchone()
    return {"events": events, "outbox_backlog": int(backlog)}


def _copy_store_files(directory: Path, destination: Path) -> None:
    shutil.copy2(directory / "events.duckdb", destination / "events.duckdb")
    if (directory / "parquet").exists():
        shutil.copytree(
            directory / "parquet",
            destination / "parquet",
            ignore=shutil.ignore_patterns("*.tmp"),
        )
    # After the DuckDB copy: events accepted meanwhile are in the outbox copy, above the
    # watermark the DuckDB copy holds, so the restored writer writes them exactly once.
    _copy_sqlite(directory / "outbox.sqlite", destination / "outbox.sqlite")


def _migrations() -> dict[str, list[str]]:
    """{app: applied migrations}: which code version's schema the database has."""
    from django.db.migrations.recorder import MigrationRecorder

    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _sealing_key_ids() -> list[dict[str, str]]:
    from civicloop.market import sealing

    try:
        keys = sealing.configured_keys()
    except Exception:  # noqa: BLE001 - a backup records what it can; the manifest says none
        keys = []
    return [{"key_id": key.key_id, "role": key.role} for key in keys]


def backup_create(
    *, target: str | Path, progress: Callable[[str], None] | None = None
) -> BackupResult:
    """Write a backup of this installation into ``target`` (a new or empty directory)."""
    from civicloop.core.health import media_root

    say = progress or (lambda message: None)
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: back up into a new or empty directory")
    target.mkdir(parents=True, exist_ok=True)
    say("database")
    counts = table_counts()
    database_file = _database_backup(target)
    say("event stores")
    stores = _event_stores_backup(target)
    media = media_root()
    if media is not None and media.exists():
        say("uploaded files")
        shutil.copytree(media, target / "media", symlinks=False)
    keys = _sealing_key_ids()
    (target / "keys.json").write_text(json.dumps(keys, indent=2) + "\n")
    say("checksums")
    files = {
        path.relative_to(target).as_posix(): _sha256(path)
        for path in sorted(target.rglob("*"))
        if path.is_file()
    }
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "migrations": _migrations(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {"engine": connection.vendor, "file": database_file, "tables": counts},
        "event_stores": stores,
        "media": media is not None and (target / "media").exists(),
        "sealing_key_ids": keys,
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return BackupResult(target, manifest)


def backup_verify(source: str | Path) -> dict[str, Any]:
    """The manifest of the backup in ``source`` once every file's checksum matched it."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} has no {MANIFEST}: it is not a CivicLoop backup") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(
            f"{source}/{MANIFEST} is not a version {VERSION} CivicLoop backup manifest"
        )
    problems = []
    for name, digest in manifest["files"].items():
        path = source / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif _sha256(path) != digest:
            problems.append(f"{name} does not match its checksum")
    listed = set(manifest["files"]) | {MANIFEST}
    extra = [
        p.relative_to(source).as_posix()
        for p in source.rglob("*")
        if p.is_file() and p.relative_to(source).as_posix() not in listed
    ]
    problems += [f"{name} is not in the manifest" for name in sorted(extra)]
    if problems:
        raise BackupError("the backup is damaged, nothing was restored: " + "; ".join(problems))
    return manifest


def backup_restore(
    *,
    source: str | Path,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Restore the backup in ``source`` into this (empty) installation; return its manifest.

    Every checksum is verified before anything is written. A database holding rows, or an
    event store or media directory holding files, is refused unless ``force`` (then replaced).
    """
    from civicloop.analytics.services import event_store_close, event_stores
    from civicloop.analytics.store.tenants import legacy_source
    from civicloop.core.health import media_root

    say = progress or (lambda message: None)
    source = Path(source)
    say("checksums")
    manifest = backup_verify(source)
    config: dict[str, Any] = settings.CIVICLOOP
    events_root = Path(config["EVENT_STORE_DIR"])
    media = media_root()
    if not force:
        busy = []
        if not database_is_empty():
            busy.append("the database holds data")
        if _store_dirs(events_root) or legacy_source(events_root) is not None:
            busy.append(f"{events_root} holds event stores")
        if media is not None and media.exists() and any(media.iterdir()):
            busy.append(f"{media} holds files")
        if busy:
            raise BackupError(
                "restore goes into an empty installation, but "
                + "; ".join(busy)
                + ". Use --force to replace them."
            )
    if manifest["media"] and media is None:
        raise BackupError(
            "the backup holds uploaded files but the default storage is not a local directory"
        )
    say("database")
    _database_restore(source, manifest["database"]["file"])
    say("event stores")
    event_store_close()
    for name in manifest["event_stores"]:
        if name == LEGACY:
            events_root.mkdir(parents=True, exist_ok=True)
            for stale in ("outbox.sqlite-wal", "outbox.sqlite-shm", "events.duckdb.wal"):
                (events_root / stale).unlink(missing_ok=True)
            for part in LEGACY_FILES:
                _replace(source / "events" / LEGACY / part, events_root / part)
            continue
        _replace(source / "events" / name, events_root / name)
    event_stores()  # reopened lazily on first use
    if manifest["media"] and media is not None:
        say("uploaded files")
        if media.exists():
            shutil.rmtree(media)
        shutil.copytree(source / "media", media)
    return manifest


def _replace(origin: Path, destination: Path) -> None:
    """Put ``origin`` (a file or directory, if it exists) where ``destination`` is."""
    if destination.is_dir():
        shutil.rmtree(destination)
    elif destination.exists():
        destination.unlink()
    if origin.is_dir():
        shutil.copytree(origin, destination)
    elif origin.exists():
        shutil.copy2(origin, destination)


def missing_sealing_keys(manifest: dict[str, Any]) -> list[str]:
    """Ids of the backup's sealing keys that this installation is not configured with."""
    have = {key["key_id"] for key in _sealing_key_ids()}
    return [key["key_id"] for key in manifest["sealing_key_ids"] if key["key_id"] not in have]
