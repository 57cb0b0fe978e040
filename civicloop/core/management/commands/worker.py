from typing import Any

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

    def handle(self, *args: Any, **options: Any) -> None:
        no_schedule: bool = options.pop("no_schedule", False)
        stop = None if no_schedule else start_scheduler()
        try:
            return super().handle(*args, **options)
        finally:
            if stop is not None:
                stop.set()
