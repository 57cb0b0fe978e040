"""Retention: sign-in records are deleted once their retention period has passed."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicloop.core.audit import audit_record
from civicloop.core.events import CoreEvent
from civicloop.core.permissions import SYSTEM


@transaction.atomic
def signin_logs_purge(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete sign-in records (django-axes) older than the retention period; returns how many."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    days = settings.CIVICLOOP_SIGNIN_LOG_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    total = 0
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        total += model.objects.filter(attempt_time__lt=cutoff).delete()[1].get(model._meta.label, 0)
    if total:
        audit_record(
            actor=SYSTEM,
            action=CoreEvent.SIGNIN_LOGS_PURGED,
            metadata={"rows": total, "cutoff": cutoff.isoformat()},
        )
    return total
