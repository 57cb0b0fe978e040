import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from civicloop.core import scheduler
from civicloop.core.models import ScheduledJob


class _Task:
    def __init__(self):
        self.calls = 0

    def enqueue(self):
        self.calls += 1


T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_schedule_enqueues_due_tasks_until_stopped(monkeypatch):
    task = _Task()
    monkeypatch.setattr(scheduler, "import_string", lambda path: task)
    # The loop drops stale connections before each look; inside this test's transaction that
    # would close the test's own connection (PostgreSQL), so the test keeps it.
    monkeypatch.setattr(scheduler, "close_old_connections", lambda: None)
    stop = threading.Event()
    clock = (T0 + timedelta(seconds=s) for s in range(0, 10_000, 40))  # 40 s per look

    looks = []

    def wait(_seconds):
        looks.append(1)
        # stop after the third enqueue, or when the clock runs out (a failing tick must not
        # leave this test looping for ever)
        if task.calls >= 3 or len(looks) >= 240:
            stop.set()

    monkeypatch.setattr(stop, "wait", wait)
    scheduler.run_schedule(stop, [(60, "x.y")], clock=lambda: next(clock))
    # First run 30 s after the schedule is first seen (at 40 s), then every 60 s: 120 s, 200 s.
    assert task.calls == 3
    assert ScheduledJob.objects.get(task="x.y").last_enqueued_at == T0 + timedelta(seconds=200)


@pytest.mark.django_db
def test_two_schedulers_enqueue_a_due_task_once(monkeypatch):
    task = _Task()
    monkeypatch.setattr(scheduler, "import_string", lambda path: task)
    schedule = [(60, "x.y")]
    assert scheduler.schedule_tick(schedule, now=T0) == []
    due = T0 + timedelta(seconds=31)
    # Both read the row as due; only the first compare-and-set moves it on.
    seen = ScheduledJob.objects.get(task="x.y")
    assert scheduler.schedule_tick(schedule, now=due) == ["x.y"]
    claimed = ScheduledJob.objects.filter(pk=seen.pk, next_run_at=seen.next_run_at).update(
        next_run_at=due
    )
    assert claimed == 0  # the second scheduler's claim of the same period matches no row
    assert scheduler.schedule_tick(schedule, now=due) == []
    assert scheduler.schedule_tick(schedule, now=due + timedelta(seconds=59)) == []
    assert scheduler.schedule_tick(schedule, now=due + timedelta(seconds=60)) == ["x.y"]
    assert task.calls == 2


@pytest.mark.django_db
def test_a_failed_enqueue_is_tried_again_at_the_next_look(monkeypatch):
    calls = []

    class Flaky:
        def enqueue(self):
            calls.append(1)
            if len(calls) == 1:
                raise ConnectionError("redis is restarting")

    monkeypatch.setattr(scheduler, "import_string", lambda path: Flaky())
    schedule = [(3600, "x.y")]
    scheduler.schedule_tick(schedule, now=T0)
    assert scheduler.schedule_tick(schedule, now=T0 + timedelta(seconds=30)) == []
    # The claim rolled back with the failed enqueue: the task is still due.
    assert scheduler.schedule_tick(schedule, now=T0 + timedelta(seconds=31)) == ["x.y"]
    assert len(calls) == 2


@pytest.mark.django_db
def test_a_changed_period_takes_effect(monkeypatch):
    task = _Task()
    monkeypatch.setattr(scheduler, "import_string", lambda path: task)
    scheduler.schedule_tick([(24 * 3600, "x.y")], now=T0)
    scheduler.schedule_tick([(24 * 3600, "x.y")], now=T0 + timedelta(seconds=30))
    assert task.calls == 1
    scheduler.schedule_tick([(60, "x.y")], now=T0 + timedelta(seconds=40))
    assert scheduler.schedule_tick([(60, "x.y")], now=T0 + timedelta(seconds=100)) == ["x.y"]


def test_scheduled_task_paths_exist():
    from django.conf import settings
    from django.utils.module_loading import import_string

    for _seconds, path in settings.CIVICLOOP_SCHEDULE:
        assert hasattr(import_string(path), "enqueue"), path


TWO_SECOND_SETTINGS = """
from config.settings.dev import *  # noqa
CIVICLOOP_SCHEDULE = [(2, "civicloop.core.tasks.purge_signin_logs")]
"""


@pytest.mark.slow
def test_two_workers_enqueue_each_periodic_task_once_per_period(tmp_path):
    """Two `civicloop worker` processes, each running the schedule, on one database."""
    (tmp_path / "two_second_settings.py").write_text(TWO_SECOND_SETTINGS)
    database = tmp_path / "db.sqlite3"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", ".")]),
        "DJANGO_SETTINGS_MODULE": "two_second_settings",
        "CIVICLOOP_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{database}",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    cli = [sys.executable, "-m", "civicloop.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, timeout=300)  # noqa: S603
    logs = [tmp_path / f"worker-{i}.log" for i in (1, 2)]
    workers = []
    for log in logs:
        with log.open("wb") as out:
            workers.append(
                subprocess.Popen(  # noqa: S603
                    [*cli, "worker", "--interval", "0.2", "--no-startup-delay"],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )

    def enqueued() -> list[datetime]:
        with sqlite3.connect(database, timeout=30) as db:
            rows = db.execute(
                "SELECT enqueued_at FROM django_tasks_database_dbtaskresult WHERE task_path = ? "
                "ORDER BY enqueued_at",
                ["civicloop.core.tasks.purge_signin_logs"],
            ).fetchall()
        return [datetime.fromisoformat(r[0]) for r in rows]

    def started(log: Path) -> bool:
        return "Starting worker" in log.read_text()

    try:
        deadline = time.monotonic() + 180
        while not all(started(log) for log in logs) and time.monotonic() < deadline:
            for worker, log in zip(workers, logs, strict=True):
                assert worker.poll() is None, log.read_text()
            time.sleep(0.3)
        while not enqueued() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(9)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    times = enqueued()
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    assert len(times) >= 4, times  # both ran the schedule for 9 s: one task every 2 s
    assert min(gaps) >= 1.9, gaps  # never twice in one period
