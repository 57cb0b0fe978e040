"""The background worker outlives a database outage; `civicloop serve` restarts a dead worker."""

from __future__ import annotations

import sys
import time

import pytest
from django.db import OperationalError

from civicloop.cli.main import WorkerSupervisor
from civicloop.core.management.commands import worker as worker_command


@pytest.mark.django_db(transaction=True)
def test_worker_waits_out_an_outage_and_runs_what_is_queued(settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from civicloop.analytics.tasks import events_flush

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.CIVICLOOP = {**settings.CIVICLOOP}
    queued = events_flush.enqueue()
    real_ready = DBTaskResult.objects.ready
    outage = {"left": 2}

    def ready_or_refuse():
        if outage["left"]:
            outage["left"] -= 1
            raise OperationalError("terminating connection due to administrator command")
        return real_ready()

    monkeypatch.setattr(DBTaskResult.objects, "ready", ready_or_refuse)
    monkeypatch.setattr(worker_command.time, "sleep", lambda seconds: None)
    worker = worker_command.ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    worker.run()  # batch: returns once the queue is empty
    assert worker.outages == 2
    assert DBTaskResult.objects.get(pk=queued.id).status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_a_task_interrupted_by_the_outage_is_queued_again(settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from civicloop.analytics.tasks import events_flush

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    queued = events_flush.enqueue()
    row = DBTaskResult.objects.get(pk=queued.id)
    row.claim("test-worker")
    worker = worker_command.ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )

    def lose_the_database(exc):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(row, "set_successful", lose_the_database)
    monkeypatch.setattr(row, "set_failed", lose_the_database)
    with pytest.raises(OperationalError):
        worker.run_task(row)
    assert worker.wait_for_database()
    assert DBTaskResult.objects.get(pk=queued.id).status == "READY"


def test_an_error_that_is_not_an_outage_still_stops_the_worker(monkeypatch):
    worker = worker_command.ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )

    def broken(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(worker_command.Worker, "run", broken)
    with pytest.raises(RuntimeError):
        worker.run()


def test_serve_restarts_a_worker_that_dies_and_leaves_no_zombie(monkeypatch):
    monkeypatch.setattr(WorkerSupervisor, "FIRST_DELAY", 0.05)
    supervisor = WorkerSupervisor([sys.executable, "-c", "raise SystemExit(3)"], env={})
    supervisor.start()
    try:
        deadline = time.monotonic() + 30
        while supervisor.restarts < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert supervisor.restarts >= 2
    finally:
        supervisor.stop()
    assert supervisor.process is not None
    assert supervisor.process.poll() is not None  # reaped: not <defunct>


def test_serve_stops_its_worker_when_it_stops():
    supervisor = WorkerSupervisor([sys.executable, "-c", "import time; time.sleep(60)"], env={})
    supervisor.start()
    supervisor.stop(timeout=10)
    assert supervisor.process is not None
    assert supervisor.process.poll() is not None
    assert supervisor.restarts == 0
