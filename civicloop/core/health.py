"""What is up and what is down: the probes behind `/healthz` and `GET /api/v1/health`."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, router

logger = logging.getLogger(__name__)


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
    import sqlite3

    config: dict[str, Any] = settings.CIVICLOOP
    directory = Path(config["EVENT_STORE_DIR"])
    directory.mkdir(parents=True, exist_ok=True)  # as the store itself does on first use
    if not os.access(directory, os.W_OK):
        raise PermissionError(f"{directory} is not writable")
    # Each organisation's store keeps its outbox in a folder of its own (ADR 0005); a store
    # from before organisations keeps it at the top.
    for outbox in [directory / "outbox.sqlite", *sorted(directory.glob("*/outbox.sqlite"))]:
        if outbox.exists():
            uri = f"{outbox.as_uri()}?mode=ro"
            with closing(sqlite3.connect(uri, uri=True, timeout=2)) as db:
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()


def unavailable(report: dict[str, str]) -> list[str]:
    """The parts of a report that are down, in the report's order."""
    return [name for name, state in report.items() if state != "ok"]
