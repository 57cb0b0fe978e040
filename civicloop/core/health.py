"""What is up and what is down: the probes behind `/healthz`, `GET /api/v1/health` and `/readyz`.

``report`` answers whether each dependency can be reached; ``readiness`` (``/readyz``) also asks
whether this instance can do its work now: the task queue is being worked off, the event writer
keeps up, and the disks have room (docs/operations.md, "Health and readiness").
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, router

logger = logging.getLogger(__name__)

DEFAULT_MAX_TASK_AGE_SECONDS = 900
DEFAULT_MIN_FREE_BYTES = 512 * 1024 * 1024


def report() -> dict[str, str]:
    """``{"database": "ok" | "unavailable", "task_queue": ..., "event_store": ...}``."""
    return {
        "database": _check(_database_ok),
        "task_queue": _check(_task_queue_ok),
        "event_store": _check(_event_store_ok),
    }


def _check(probe: Callable[[], None]) -> str:
    try:
        probe()
    except Exception:  # noqa: BLE001 - a health check reports any failure
        logger.warning("health check: %s failed", probe.__name__, exc_info=True)
        return "unavailable"
    return "ok"


def _database_ok() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _task_queue_ok() -> None:
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    backend = task_backends["default"]
    if isinstance(backend, DatabaseBackend):
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.using(router.db_for_read(DBTaskResult)).exists()


def _event_store_ok() -> None:
    config: dict[str, Any] = settings.CIVICLOOP
    directory = Path(config["EVENT_STORE_DIR"])
    directory.mkdir(parents=True, exist_ok=True)  # as the store itself does on first use
    if not os.access(directory, os.W_OK):
        raise PermissionError(f"{directory} is not writable")
    for outbox in _outboxes(directory).values():
        with closing(_read_only(outbox)) as db:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()


def _outboxes(directory: Path) -> dict[str, Path]:
    """{store name: outbox file}: ``org-<id>`` per organisation, ``legacy`` for the root.

    Each organisation's store keeps its outbox in a folder of its own (ADR 0005); a store from
    before organisations keeps it at the top.
    """
    found = {}
    if (directory / "outbox.sqlite").exists():
        found["legacy"] = directory / "outbox.sqlite"
    for outbox in sorted(directory.glob("*/outbox.sqlite")):
        found[outbox.parent.name] = outbox
    return found


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=2)


def unavailable(report: dict[str, str]) -> list[str]:
    """The parts of a report that are down, in the report's order."""
    return [name for name, state in report.items() if state != "ok"]


def outbox_backlogs() -> dict[str, int]:
    """{store name: events accepted and not yet written}, read-only from each outbox file."""
    config: dict[str, Any] = settings.CIVICLOOP
    backlogs = {}
    for name, outbox in _outboxes(Path(config["EVENT_STORE_DIR"])).items():
        with closing(_read_only(outbox)) as db:
            try:
                (count,) = db.execute("SELECT COALESCE(SUM(events), 0) FROM outbox").fetchone()
            except sqlite3.OperationalError as error:
                if "no such table" not in str(error):
                    raise
                count = 0  # the file exists, its schema not yet
        backlogs[name] = int(count)
    return backlogs


def task_queue_state() -> dict[str, tuple[int, float]]:
    """{queue: (tasks ready to run, seconds the oldest of them has waited)}.

    Empty when the task backend keeps no queue (the immediate backend of the tests). A task
    delayed until ``run_after`` has waited only since then.
    """
    from django.db.models import Count, Min
    from django.utils import timezone
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    if not isinstance(task_backends["default"], DatabaseBackend):
        return {}
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    ready = DBTaskResult.objects.using(router.db_for_read(DBTaskResult)).ready()
    undelayed = {
        row["queue_name"]: (row["count"], row["since"])
        for row in ready.filter(run_after=get_date_max())
        .values("queue_name")
        .annotate(count=Count("id"), since=Min("enqueued_at"))
    }
    delayed = {
        row["queue_name"]: (row["count"], row["since"])
        for row in ready.exclude(run_after=get_date_max())
        .values("queue_name")
        .annotate(count=Count("id"), since=Min("run_after"))
    }
    state = {}
    for queue in sorted(set(undelayed) | set(delayed)):
        parts = [p for p in (undelayed.get(queue), delayed.get(queue)) if p is not None]
        count = sum(c for c, _ in parts)
        oldest = min(since for _, since in parts)
        state[queue] = (count, max(0.0, (now - oldest).total_seconds()))
    return state


# -- readiness (/readyz) ------------------------------------------------------------------------


def readiness() -> dict[str, Any]:
    """``{"status": "ok" | "unavailable", "checks": {name: {"status": ..., ...}}}``.

    database: answers a query; task_queue: the oldest task ready to run has waited less than
    ``CIVICLOOP_READY_MAX_TASK_AGE_SECONDS`` (a stopped worker shows here); event_writer: the
    store directory is writable and every outbox is below 90% of the backlog at which intake
    answers 429; disk: the file systems of the event store and of uploaded files have at least
    ``CIVICLOOP_READY_MIN_FREE_BYTES`` free.
    """
    checks = {
        "database": _timed(_database_check),
        "task_queue": _timed(_task_queue_check),
        "event_writer": _timed(_event_writer_check),
        "disk": _timed(_disk_check),
    }
    down = any(check["status"] != "ok" for check in checks.values())
    return {"status": "unavailable" if down else "ok", "checks": checks}


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as error:  # noqa: BLE001 - a readiness check reports any failure
        logger.warning("readiness check: %s failed", check.__name__, exc_info=True)
        result = {"status": "unavailable", "error": f"{type(error).__name__}: {error}"}
    result["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database_check() -> dict[str, Any]:
    _database_ok()
    return {"status": "ok", "engine": connection.vendor}


def _task_queue_check() -> dict[str, Any]:
    limit = float(
        getattr(settings, "CIVICLOOP_READY_MAX_TASK_AGE_SECONDS", DEFAULT_MAX_TASK_AGE_SECONDS)
    )
    state = task_queue_state()
    oldest = max((age for _, age in state.values()), default=0.0)
    result: dict[str, Any] = {
        "status": "ok" if oldest < limit else "unavailable",
        "ready": sum(count for count, _ in state.values()),
        "oldest_ready_age_seconds": round(oldest, 1),
        "max_age_seconds": limit,
    }
    if oldest >= limit:
        result["error"] = (
            f"the oldest task has waited {oldest:.0f} s (limit {limit:.0f} s): is a worker running?"
        )
    return result


def _event_writer_check() -> dict[str, Any]:
    _event_store_ok()
    config: dict[str, Any] = settings.CIVICLOOP
    limit = int(int(config.get("EVENT_STORE_MAX_BACKLOG", 2_000_000)) * 0.9)
    backlogs = outbox_backlogs()
    behind = sorted(name for name, count in backlogs.items() if count >= limit)
    result: dict[str, Any] = {
        "status": "unavailable" if behind else "ok",
        "outbox_backlog": sum(backlogs.values()),
        "max_backlog": limit,
    }
    if behind:
        result["error"] = "the event writer is behind in " + ", ".join(behind)
    return result


def _disk_check() -> dict[str, Any]:
    minimum = int(getattr(settings, "CIVICLOOP_READY_MIN_FREE_BYTES", DEFAULT_MIN_FREE_BYTES))
    config: dict[str, Any] = settings.CIVICLOOP
    places = {"event_store": Path(config["EVENT_STORE_DIR"])}
    media = media_root()
    if media is not None:
        places["media"] = media
    result: dict[str, Any] = {"status": "ok", "min_free_bytes": minimum}
    short = []
    for name, place in places.items():
        existing = place
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        free = shutil.disk_usage(existing).free
        result[f"{name}_free_bytes"] = free
        if free < minimum:
            short.append(f"{name} ({place}) has {free} bytes free")
    if short:
        result["status"] = "unavailable"
        result["error"] = "; ".join(short)
    return result


def media_root() -> Path | None:
    """Where uploaded files are kept, when the default storage is a local directory."""
    from django.core.files.storage import FileSystemStorage, storages

    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        return Path(storage.location)
    return None
