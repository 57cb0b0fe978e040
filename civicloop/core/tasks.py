"""Background tasks of the core (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def purge_signin_logs() -> int:
    """Delete sign-in records past CIVICLOOP_SIGNIN_LOG_RETENTION_DAYS (schedule daily)."""
    from civicloop.core.services import signin_logs_purge

    return signin_logs_purge()
