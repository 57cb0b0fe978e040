import logging
import os
import time
from argparse import ArgumentTypeError

from django.core.management.base import CommandError
from django.db import connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from civicloop.core.scheduler import start_scheduler
from civicloop.core.tasks import task_cleanup, uses_rq
from civicloop.web.failure import database_unavailable

logger = logging.getLogger("civicloop.worker")

# Seconds between attempts to reach the database again: doubling, at most a minute.
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 60.0


class ResilientWorker(Worker):
    """django-tasks' database worker that outlives a database outage.

    When the database goes away (refused, terminated, closed), the worker logs it, drops its
    connections, waits with a doubling back-off until the database answers, puts the task it
    was running back in the queue (tasks run at least once, so they are written to be
    idempotent) and carries on: tasks queued before or during the outage run after recovery.
    Any other error still stops the worker.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.interrupted_task_id = None
        self.outages = 0

    def run(self) -> None:
        while True:
            try:
                super().run()
                return
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                self.outages += 1
                logger.warning("database unavailable, worker waiting to reconnect: %s", exc)
                self.startup_delay = False
                if not self.wait_for_database():
                    return

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            super().run_task(db_task_result)
        except BaseException:
            # Recording the result failed (the database went away while the task ran).
            self.interrupted_task_id = db_task_result.pk
            raise
        finally:
            # Give back what the task held open (the event stores' DuckDB files), so that
            # another worker can run the next task on the same store.
            task_cleanup()

    def wait_for_database(self) -> bool:
        """Block until the database answers again (True), or the worker was told to stop."""
        delay = FIRST_RETRY_SECONDS
        while self.running:
            connections.close_all()
            try:
                with connections["default"].cursor() as cursor:
                    cursor.execute("SELECT 1")
                self._requeue_interrupted()
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                time.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_SECONDS)
                continue
            logger.warning("database available again, worker resumes")
            return True
        return False

    def _requeue_interrupted(self) -> None:
        if self.interrupted_task_id is None:
            return
        DBTaskResult.objects.filter(
            pk=self.interrupted_task_id, status=TaskResultStatus.RUNNING
        ).update(status=TaskResultStatus.READY, started_at=None)
        logger.warning(
            "task %s interrupted by the outage is queued again", self.interrupted_task_id
        )
        self.interrupted_task_id = None


def _known_backend(name: str) -> str:
    from django_tasks_db.compat import InvalidTaskBackend, task_backends

    try:
        task_backends[name]
    except InvalidTaskBackend as error:
        raise ArgumentTypeError(error.args[0]) from error
    return name


class Command(DbWorkerCommand):
    help = (
        "Run background tasks (analysis refresh, event flushing, text processing, reports) "
        "and enqueue the scheduled ones listed in CIVICLOOP_SCHEDULE (each once per period, "
        "however many workers run). Survives a database outage: it reconnects and resumes. "
        "With CIVICLOOP_TASKS_BACKEND=rq it runs an RQ worker on the Redis queue instead."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="Only run queued tasks; do not enqueue scheduled ones.",
        )
        # db_worker accepts database backends only; this worker runs the RQ one too.
        for action in parser._actions:
            if action.dest == "backend_name":
                action.type = _known_backend
        # Unlike db_worker, do not reload on code changes unless asked (--reload).
        parser.set_defaults(reload=False)

    def handle(self, *args, **options):
        no_schedule = options.pop("no_schedule", False)
        # With --reload the parent process only watches files; the schedule runs in the child.
        is_reload_parent = options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        stop = None if no_schedule or is_reload_parent else start_scheduler()
        try:
            if uses_rq(options["backend_name"]):
                return self._handle_rq(**options)
            return self._handle_resilient(**options)
        finally:
            if stop is not None:
                stop.set()

    def _handle_rq(self, *, backend_name: str, batch: bool, max_tasks: int | None, **options):
        """An RQ worker (one forked process per task) on the backend's queues."""
        from django.core.management import call_command
        from django_tasks import task_backends

        queues = list(task_backends[backend_name].queues)
        call_command(
            "rqworker",
            *queues,
            job_class="django_tasks_rq.Job",
            burst=batch,
            max_jobs=max_tasks,
            verbosity=options["verbosity"],
        )

    def _handle_resilient(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        # db_worker's own handle(), building a ResilientWorker instead of its Worker.
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
