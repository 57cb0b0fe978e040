"""Retention: responses are deleted once their survey's retention period has passed."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from civicloop.core.audit import audit_record
from civicloop.core.permissions import SYSTEM
from civicloop.feedback.events import FeedbackEvent
from civicloop.feedback.models import Response, Survey
from civicloop.feedback.services._figures import survey_figures_invalidate


@transaction.atomic
def responses_purge_expired(*, now: datetime | None = None) -> int:
    """Delete every response older than its survey's retention period; returns how many."""
    now = now or timezone.now()
    total = 0
    for survey in Survey.objects.only("pk", "unit_id", "retention_days"):
        cutoff = now - timedelta(days=survey.retention_days)
        deleted, per_model = Response.objects.filter(
            survey=survey, submitted_at__lt=cutoff
        ).delete()
        count = per_model.get("feedback.Response", 0)
        if count:
            total += count
            survey_figures_invalidate([survey.pk])
            audit_record(
                actor=SYSTEM,
                action=FeedbackEvent.RESPONSES_PURGED,
                obj=survey,
                organization=survey.unit_id,
                metadata={"responses": count, "cutoff": cutoff.isoformat()},
            )
    return total
