"""Background tasks of citizen participation."""

from __future__ import annotations

from django_tasks import task


@task()
def mark_overdue_answers() -> int:
    """Mark required public answers past their due date (scheduled hourly)."""
    from civicloop.participation.services import answers_mark_overdue

    return answers_mark_overdue()
