"""`manage.py feed_feedback_kpis`: record 'user satisfaction' from the surveys that feed it."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from civicloop.feedback.services import kpi_feeds_record_all


class Command(BaseCommand):
    help = "Record today's user-satisfaction measurement on every KPI a survey feeds."

    def handle(self, *args, **options) -> None:
        count = kpi_feeds_record_all()
        self.stdout.write(f"Recorded {count} user-satisfaction measurements.")
