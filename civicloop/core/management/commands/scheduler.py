import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from civicloop.core.scheduler import POLL_SECONDS, run_schedule


class Command(BaseCommand):
    help = (
        "Enqueue the scheduled tasks of CIVICLOOP_SCHEDULE, each once per period, and nothing "
        "else (run workers with --no-schedule beside it). Safe to run more than once: a task "
        "is enqueued by one process per period, whichever claims it first. Stops on SIGTERM "
        "or Ctrl+C."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=POLL_SECONDS,
            metavar="SECONDS",
            help=f"seconds between two looks at the schedule (default {POLL_SECONDS:g})",
        )

    def handle(self, *args, interval: float, **options):
        stop = threading.Event()

        def on_signal(signum, _frame):
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.stderr.write(
            f"Scheduler started: {len(settings.CIVICLOOP_SCHEDULE)} periodic tasks "
            "(CIVICLOOP_SCHEDULE)."
        )
        run_schedule(stop, poll_seconds=interval)
        self.stderr.write("Scheduler stopped.")
