"""Periodic work: enqueue the tasks of CIVICLOOP_SCHEDULE, each once per period.

`civicloop scheduler` runs this loop alone; `civicloop worker` runs it in a thread beside the
tasks unless `--no-schedule`. However many of them run, against SQLite or PostgreSQL, a task is
enqueued once per period: each task has a `ScheduledJob` row, and a process enqueues it only if
its compare-and-set UPDATE moved the row's `next_run_at` from the value it read to the next
period (one UPDATE succeeds, the others match no row), in the same transaction as the enqueue
(with the database task backend, the claim and the queued task commit together).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from civicloop.core.models import ScheduledJob

logger = logging.getLogger(__name__)

# A task's first run, after the schedule is first seen, comes at most this many seconds later.
FIRST_RUN_SECONDS = 30
# Seconds between two looks at the schedule.
POLL_SECONDS = 1.0

Schedule = Sequence[tuple[int, str]]


def schedule_sync(schedule: Schedule, *, now: datetime) -> None:
    """Give each scheduled task its row (first run soon); follow a changed period."""
    paths = [path for _seconds, path in schedule]
    existing = {job.task: job for job in ScheduledJob.objects.filter(task__in=paths)}
    for seconds, path in schedule:
        job = existing.get(path)
        if job is None:
            ScheduledJob.objects.bulk_create(
                [
                    ScheduledJob(
                        task=path,
                        every_seconds=seconds,
                        next_run_at=now + timedelta(seconds=min(seconds, FIRST_RUN_SECONDS)),
                    )
                ],
                ignore_conflicts=True,  # another process created it first
            )
        elif job.every_seconds != seconds:
            ScheduledJob.objects.filter(pk=job.pk).update(
                every_seconds=seconds,
                next_run_at=min(job.next_run_at, now + timedelta(seconds=seconds)),
            )


def schedule_tick(schedule: Schedule, *, now: datetime | None = None) -> list[str]:
    """Enqueue every task that is due and that no other process claimed; return their paths."""
    now = now or timezone.now()
    schedule_sync(schedule, now=now)
    paths = [path for _seconds, path in schedule]
    enqueued = []
    for job in ScheduledJob.objects.filter(task__in=paths, next_run_at__lte=now):
        try:
            with transaction.atomic():
                claimed = ScheduledJob.objects.filter(
                    pk=job.pk, next_run_at=job.next_run_at
                ).update(
                    next_run_at=now + timedelta(seconds=job.every_seconds), last_enqueued_at=now
                )
                if claimed:
                    import_string(job.task).enqueue()
        except Exception:  # a failed enqueue must not stop the others; it is tried again
            logger.exception("could not enqueue scheduled task %s", job.task)
            continue
        if claimed:
            enqueued.append(job.task)
    return enqueued


def run_schedule(
    stop: threading.Event,
    schedule: Schedule | None = None,
    *,
    clock: Callable[[], datetime] = timezone.now,
    poll_seconds: float = POLL_SECONDS,
) -> None:
    """Enqueue each `(seconds, task path)` every `seconds` until `stop` is set."""
    entries = list(schedule if schedule is not None else settings.CIVICLOOP_SCHEDULE)
    while not stop.is_set():
        try:
            close_old_connections()  # past CONN_MAX_AGE, or broken: this loop never ends
            schedule_tick(entries, now=clock())
        except Exception:  # the database is away: try again at the next look
            logger.exception("could not read the schedule")
            # Drop a connection the database closed (an outage, a restart) so the next look
            # reconnects instead of failing on the dead one for ever.
            with contextlib.suppress(Exception):
                close_old_connections()
        stop.wait(poll_seconds)


def start_scheduler() -> threading.Event:
    stop = threading.Event()
    threading.Thread(
        target=run_schedule, args=(stop,), name="civicloop-scheduler", daemon=True
    ).start()
    return stop
