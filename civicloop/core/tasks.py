"""Background tasks of the core (django-tasks)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def purge_signin_logs() -> int:
    """Delete sign-in records past CIVICLOOP_SIGNIN_LOG_RETENTION_DAYS (schedule daily)."""
    from civicloop.core.services import signin_logs_purge

    return signin_logs_purge()


def uses_rq(backend_name: str = "default") -> bool:
    """Whether the task backend is django-tasks' Redis/RQ one (CIVICLOOP_TASKS_BACKEND=rq)."""
    from django_tasks import task_backends

    return type(task_backends[backend_name]).__module__.startswith("django_tasks_rq")


def task_cleanup() -> None:
    """Run the CIVICLOOP_AFTER_TASK hooks: what a finished task held open is given back.

    The worker calls this after every task; a failing hook is logged, never raised.
    """
    for path in settings.CIVICLOOP_AFTER_TASK:
        try:
            import_string(path)()
        except Exception:
            logger.exception("after-task hook %s failed", path)


@task()
def refresh_aggregate(kind: str, key: str) -> bool:
    """Recompute one stored aggregate (ADR 0019); enqueued on commit by writes to its inputs."""
    from civicloop.core.aggregates import aggregate_refresh

    return aggregate_refresh(kind, key) is not None
