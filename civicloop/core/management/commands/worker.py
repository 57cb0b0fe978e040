import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from civicloop.core.scheduler import start_scheduler


class Command(DbWorkerCommand):
    help = (
        "Run background tasks (analysis refresh, event flushing, text processing, reports) "
        "and enqueue the scheduled ones listed in CIVICLOOP_SCHEDULE."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="Only run queued tasks; do not enqueue scheduled ones.",
        )
        # Unlike db_worker, do not reload on code changes unless asked (--reload).
        parser.set_defaults(reload=False)

    def handle(self, *args, **options):
        no_schedule = options.pop("no_schedule", False)
        # With --reload the parent process only watches files; the schedule runs in the child.
        is_reload_parent = options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        stop = None if no_schedule or is_reload_parent else start_scheduler()
        try:
            return super().handle(*args, **options)
        finally:
            if stop is not None:
                stop.set()
