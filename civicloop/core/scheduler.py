"""Periodic work: enqueue scheduled tasks from the worker process (no extra service needed)."""

from __future__ import annotations

import contextlib
import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def run_schedule(stop: threading.Event, schedule: list[tuple[int, str]] | None = None) -> None:
    """Enqueue each `(seconds, task path)` every `seconds` until `stop` is set."""
    entries = schedule if schedule is not None else settings.CIVICLOOP_SCHEDULE
    next_run = {path: time.monotonic() + min(seconds, 30) for seconds, path in entries}
    while not stop.is_set():
        now = time.monotonic()
        for seconds, path in entries:
            if now >= next_run[path]:
                try:
                    import_string(path).enqueue()
                except Exception:  # a failed enqueue must not stop the others
                    logger.exception("could not enqueue scheduled task %s", path)
                    # Drop a connection the database closed (an outage, a restart) so the
                    # next enqueue reconnects instead of failing on the dead one for ever.
                    with contextlib.suppress(Exception):
                        close_old_connections()
                next_run[path] = now + seconds
        stop.wait(1.0)


def start_scheduler() -> threading.Event:
    stop = threading.Event()
    threading.Thread(
        target=run_schedule, args=(stop,), name="civicloop-scheduler", daemon=True
    ).start()
    return stop
