"""Imports: phone and in-person responses from a CSV file, all rows or none."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from civicloop.core.audit import audit_record
from civicloop.core.csv_intake import CsvRow, ImportRejected, ImportReport, read_csv
from civicloop.core.permissions import Ability, Principal, require
from civicloop.feedback.events import FeedbackEvent
from civicloop.feedback.models import Channel, Survey
from civicloop.feedback.services.responses import response_submit

IMPORT_META_COLUMNS = [
    "submitted_at",
    "channel",
    "language",
    "variant",
    "iteration_key",
    "service_key",
    "respondent_id",
]
MAX_IMPORT_ROWS = 20_000


def responses_import_csv(*, actor: Principal, survey: Survey, content: str | bytes) -> ImportReport:
    """Import phone / in-person responses: one row per response, one column per question key.

    All rows or none. `channel` is phone or in_person; free text is redacted like any other.
    The file is read by `core.csv_intake`: any column that is neither a question key nor one of
    `IMPORT_META_COLUMNS` is refused, naming it.
    """
    require(actor, Ability.MANAGE_FEEDBACK, survey)
    keys = set(survey.questions.values_list("key", flat=True))
    table = read_csv(content, optional=sorted(keys) + IMPORT_META_COLUMNS, max_rows=MAX_IMPORT_ROWS)
    report = ImportReport.for_table(table)
    try:
        with transaction.atomic():
            for row in table.rows:
                _import_row(actor, survey, row, keys, report)
            if report.rejected:
                raise ImportRejected(report)
            audit_record(
                actor=actor,
                action=FeedbackEvent.RESPONSES_IMPORTED,
                obj=survey,
                organization=survey.unit_id,
                metadata={"rows": report.imported, "duplicates": report.duplicates},
            )
            return report
    except ImportRejected as rejected:
        return rejected.report.nothing_imported()


def _import_row(
    actor: Principal, survey: Survey, row: CsvRow, keys: set[str], report: ImportReport
) -> None:
    channel = row.get("channel", "phone").strip()
    if channel not in (Channel.PHONE, Channel.IN_PERSON):
        report.reject(row.line, "Use 'phone' or 'in_person'.", "channel")
        return
    when = None
    raw_when = row.get("submitted_at").strip()
    if raw_when:
        try:
            when = datetime.fromisoformat(raw_when)
        except ValueError:
            report.reject(row.line, "Use YYYY-MM-DD or an ISO date-time.", "submitted_at")
            return
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
    try:
        result = response_submit(
            survey=survey,
            answers={k: v for k, v in row.values.items() if k in keys and v},
            channel=channel,
            language=row.get("language", "en").strip(),
            variant=row.get("variant").strip(),
            iteration_key=row.get("iteration_key").strip(),
            service_key=row.get("service_key").strip(),
            respondent_id=row.get("respondent_id").strip(),
            client=f"import:{row.line}",
            submitted_at=when,
            actor=actor,
        )
    except ValidationError as error:
        report.reject_error(row.line, error)
        return
    if result.duplicate:
        report.duplicates += 1
    else:
        report.imported += 1
