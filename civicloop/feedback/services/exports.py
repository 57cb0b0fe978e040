"""Export of redacted responses: one row per answer, audited as an export, read lazily.

Free text is stored only after redaction, so the export carries what is stored; it leaves out
the respondent id (pseudonymous, but a link between responses), the page path and the profile
beyond the answers themselves. Rows are read from the database in chunks (`iterator`), so an
export of any size holds one chunk in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Ability, Principal, require
from civicloop.feedback.events import FeedbackEvent
from civicloop.feedback.models import Answer, Channel, Survey

EXPORT_FORMATS = ("csv", "json")
EXPORT_FIELDS = (
    "survey_id",
    "survey",
    "response_id",
    "submitted_at",
    "channel",
    "language",
    "service_key",
    "iteration_key",
    "variant",
    "question",
    "question_kind",
    "number",
    "choice",
    "text",
    "sentiment",
    "theme",
)
_COLUMNS = (
    "response__survey_id",
    "response__survey__slug",
    "response_id",
    "response__submitted_at",
    "response__channel",
    "response__language",
    "response__service_key",
    "response__iteration_key",
    "response__variant",
    "question__key",
    "question__kind",
    "number",
    "choice",
    "text",
    "sentiment_label",
    "theme__label",
)
CHUNK = 1000


@dataclass(frozen=True)
class ExportFilter:
    """Which responses: surveys (already read through a scoped selector), period, channel."""

    surveys: Sequence[Survey]
    start: date | None = None
    end: date | None = None
    channel: str = ""

    def describe(self) -> dict[str, Any]:
        return {
            "surveys": [s.pk for s in self.surveys],
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "channel": self.channel or None,
        }


def _validate(filters: ExportFilter, fmt: str) -> None:
    errors: dict[str, str] = {}
    if fmt not in EXPORT_FORMATS:
        errors["format"] = _("Choose CSV or JSON.")
    if filters.channel and filters.channel not in Channel.values:
        errors["channel"] = _("Choose one of the channels listed.")
    if filters.start and filters.end and filters.end < filters.start:
        errors["end"] = _("The end of the period must be on or after its start.")
    if not filters.surveys:
        errors["survey"] = _("There is no survey to export.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def responses_export(
    *, actor: Principal, filters: ExportFilter, fmt: str
) -> Iterator[tuple[Any, ...]]:
    """Audit the export (one event per unit), then the rows in `EXPORT_FIELDS` order, lazily."""
    _validate(filters, fmt)
    units: dict[int, list[int]] = {}
    for survey in filters.surveys:
        require(actor, Ability.VIEW_FEEDBACK, survey)
        units.setdefault(survey.unit_id, []).append(survey.pk)
    for unit_id, survey_ids in units.items():
        audit_record(
            actor=actor,
            action=FeedbackEvent.RESPONSES_EXPORTED,
            organization=unit_id,
            metadata={**filters.describe(), "surveys": survey_ids, "format": fmt},
        )
    answers = Answer.objects.filter(response__survey__in=[s.pk for s in filters.surveys])
    if filters.start:
        answers = answers.filter(response__submitted_at__date__gte=filters.start)
    if filters.end:
        answers = answers.filter(response__submitted_at__date__lte=filters.end)
    if filters.channel:
        answers = answers.filter(response__channel=filters.channel)
    ordered = answers.order_by("response__survey_id", "response_id", "question__position")
    return ordered.values_list(*_COLUMNS).iterator(chunk_size=CHUNK)
